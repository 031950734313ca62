import { describe, expect, it } from 'vitest';
import { writingServiceIn, writtenByUsersService } from '../../src/status/writing-service.js';

// Frames as Node 22 prints them for the host's dist (a REST PATCH /users/:id, read off a real host).
const REST_PATCH = `Error
    at file:///ext/dist/api.js:22700:58
    at async Emitter.emitFilter (file:///node_modules/@directus/api/dist/emitter.js:35:19)
    at async UsersService.updateMany (file:///node_modules/@directus/api/dist/services/items.js:430:57)
    at async UsersService.updateMany (file:///node_modules/@directus/api/dist/services/users.js:206:18)
    at async UsersService.updateOne (file:///node_modules/@directus/api/dist/services/items.js:373:3)
    at async file:///node_modules/@directus/api/dist/controllers/users.js:140:21`;

describe('writingServiceIn', () => {
	it("names the host's UsersService for its own routes", () => {
		expect(writingServiceIn(REST_PATCH)).toBe('UsersService');
	});

	it('names the nearest service: a plain ItemsService write made inside a UsersService one is an ItemsService write', () => {
		const nested = `Error
    at guard (file:///ext/dist/api.js:1:1)
    at async Emitter.emitFilter (file:///node_modules/@directus/api/dist/emitter.js:35:19)
    at async ItemsService.updateMany (file:///node_modules/@directus/api/dist/services/items.js:430:57)
    at async ItemsService.updateOne (file:///node_modules/@directus/api/dist/services/items.js:373:3)
    at async other (file:///other/index.js:5:3)
    at async Emitter.emitFilter (file:///node_modules/@directus/api/dist/emitter.js:35:19)
    at async UsersService.updateMany (file:///node_modules/@directus/api/dist/services/items.js:430:57)`;
		expect(writingServiceIn(nested)).toBe('ItemsService');
	});

	it('says nothing when no service frame is there (the guard then ends the sessions itself)', () => {
		expect(writingServiceIn('Error\n    at somewhere (file:///x.js:1:1)')).toBeNull();
		expect(writingServiceIn('')).toBeNull();
		// A function merely named like one is not a service frame.
		expect(writingServiceIn('Error\n    at updateMany (file:///x.js:1:1)')).toBeNull();
	});
});

describe('writtenByUsersService', () => {
	// The same shapes as the host's: an override of updateMany calling the base class's.
	class ItemsService {
		async updateMany(probe: () => boolean): Promise<boolean> {
			await Promise.resolve();
			return await filter(probe);
		}
	}
	class UsersService extends ItemsService {
		override async updateMany(probe: () => boolean): Promise<boolean> {
			return await super.updateMany(probe);
		}
	}
	const filter = async (probe: () => boolean) => {
		// After an await, as the guard asks (its read comes first).
		await Promise.resolve();
		return probe();
	};

	it('reads the live async stack: true under UsersService, false under a plain ItemsService or none', async () => {
		expect(await new UsersService().updateMany(writtenByUsersService)).toBe(true);
		expect(await new ItemsService().updateMany(writtenByUsersService)).toBe(false);
		expect(writtenByUsersService()).toBe(false);
	});

	it('leaves Error.stackTraceLimit as it found it', () => {
		const before = Error.stackTraceLimit;
		writtenByUsersService();
		expect(Error.stackTraceLimit).toBe(before);
	});
});
