import { describe, expect, it } from 'vitest';
import { isHostJwt } from '../../src/tfa-enforcement/guard.js';
import { allowedDuringSetUp } from '../../src/tfa-enforcement/set-up-requests.js';

const jwt = (payload: object) => `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

describe('requests allowed while two-factor must be set up', () => {
	it('lets set-up, sign-in and the Data Studio start-up through', () => {
		for (const [method, path] of [
			['POST', '/auth/login'],
			['POST', '/auth/refresh'],
			['GET', '/auth'],
			['GET', '/server/info'],
			['GET', '/server/ping'],
			['GET', '/server/specsheet'],
			['GET', '/users/me'],
			['GET', '/Users/Me/'],
			['POST', '/users/me/tfa/generate'],
			['POST', '/users/me/tfa/enable'],
			['GET', '/user-lifecycle/tfa'],
			['POST', '/user-lifecycle/tfa/enable'],
			['GET', '/settings'],
			['GET', '/permissions/me'],
			['GET', '/policies/me/globals'],
			['GET', '/roles/me'],
			['GET', '/extensions/sources/index.js'],
			['PATCH', '/users/me/track/page'],
			['POST', '/utils/resolve-redirect'],
		]) {
			expect(allowedDuringSetUp(method!, path!, {}), `${method} ${path}`).toBe(true);
		}
		expect(allowedDuringSetUp('GET', '/notifications', { filter: { _and: [{ recipient: { _eq: 'x' } }, { status: { _eq: 'inbox' } }] }, aggregate: { count: ['id'] } })).toBe(true);
		expect(allowedDuringSetUp('GET', '/users/me', { fields: ['*', 'role.id'] })).toBe(true);
	});

	it('refuses data: items, other users, writes, and reads through relations', () => {
		for (const [method, path] of [
			['GET', '/users'],
			['GET', '/users/0b1f'],
			['PATCH', '/users/me'],
			['DELETE', '/users/me'],
			['GET', '/items/articles'],
			['GET', '/server/specs/oas'],
			['GET', '/Server/Specs/GraphQL/system'],
			['GET', '/server/specs'],
			['POST', '/graphql'],
			['POST', '/graphql/system'],
			['GET', '/user-lifecycle/sessions'],
			['POST', '/user-lifecycle/invitations'],
			['POST', '/settings'],
			['PATCH', '/settings'],
			['GET', '/files'],
			['GET', '/assets/abc'],
			['POST', '/utils/cache/clear'],
			['GET', '/users/me/tfa-x'],
		]) {
			expect(allowedDuringSetUp(method!, path!, {}), `${method} ${path}`).toBe(false);
		}
		expect(allowedDuringSetUp('GET', '/users/me', { fields: ['role.users.email'] })).toBe(false);
		expect(allowedDuringSetUp('GET', '/users/me', { fields: ['*.*'] })).toBe(false);
		expect(allowedDuringSetUp('GET', '/roles/me', { filter: { users: { email: { _starts_with: 'a' } } } })).toBe(false);
		expect(allowedDuringSetUp('GET', '/roles/me', { filter: { users: { _some: { email: { _eq: 'a' } } } } })).toBe(false);
		expect(allowedDuringSetUp('GET', '/users/me', { deep: { role: {} } })).toBe(false);
		expect(allowedDuringSetUp('GET', '/presets', { search: 'x' })).toBe(false);
	});

	it('tells the host JWTs from static tokens as the host does', () => {
		expect(isHostJwt(jwt({ iss: 'directus', id: 'x' }))).toBe(true);
		expect(isHostJwt(jwt({ iss: 'someone-else' }))).toBe(false);
		expect(isHostJwt('a-static-token-of-32-characters-x')).toBe(false);
		expect(isHostJwt('a.b.c')).toBe(false);
	});
});
