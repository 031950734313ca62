import { describe, expect, it, vi } from 'vitest';
import type { SchemaOverview } from '@directus/types';
import { forgetColumnLengths, LENGTHS_TTL_MS, userColumns } from '../../src/registration/columns.js';
import type { Runtime } from '../../src/shared/runtime.js';

// A fresh copy of the schema per call, as the host hands one to every request.
const schemaCopy = (extra: Record<string, unknown> = {}) =>
	({
		collections: {
			directus_users: {
				fields: {
					email: { type: 'string', nullable: true, precision: null, scale: null },
					first_name: { type: 'string', nullable: true, precision: null, scale: null },
					...extra,
				},
			},
		},
		relations: [],
	}) as unknown as SchemaOverview;

function runtimeWithInspector(lengths: Record<string, number | null>) {
	const columnInfo = vi.fn(async () => Object.entries(lengths).map(([name, max_length]) => ({ name, max_length })));
	class FieldsService {
		columnInfo = columnInfo;
	}
	return { rt: { knex: {}, services: { FieldsService } } as unknown as Runtime, columnInfo };
}

describe('userColumns', () => {
	it('reads the lengths once for many requests (each with its own schema copy), types from each copy', async () => {
		const { rt, columnInfo } = runtimeWithInspector({ email: 128, first_name: 50 });
		for (let i = 0; i < 5; i++) {
			const columns = await userColumns(rt, schemaCopy());
			expect(columns.get('email')).toMatchObject({ type: 'string', maxLength: 128, nullable: true });
			expect(columns.get('first_name')?.maxLength).toBe(50);
		}
		expect(columnInfo).toHaveBeenCalledTimes(1);
		// A field the request's schema shows appears at once, without a length until the next read.
		const withNew = await userColumns(rt, schemaCopy({ nickname: { type: 'string', nullable: false } }));
		expect(withNew.get('nickname')).toMatchObject({ type: 'string', maxLength: null, nullable: false });
	});

	it('reads them again once forgotten (a field changed here) or once the TTL has passed', async () => {
		const { rt, columnInfo } = runtimeWithInspector({ email: 128 });
		await userColumns(rt, schemaCopy());
		forgetColumnLengths(rt);
		await userColumns(rt, schemaCopy());
		expect(columnInfo).toHaveBeenCalledTimes(2);
		const now = Date.now();
		vi.useFakeTimers({ now });
		try {
			await userColumns(rt, schemaCopy());
			expect(columnInfo).toHaveBeenCalledTimes(2);
			vi.setSystemTime(now + LENGTHS_TTL_MS + 1);
			await userColumns(rt, schemaCopy());
			expect(columnInfo).toHaveBeenCalledTimes(3);
		} finally {
			vi.useRealTimers();
		}
	});

	it('does not keep a failed read', async () => {
		const { rt, columnInfo } = runtimeWithInspector({ email: 128 });
		columnInfo.mockRejectedValueOnce(new Error('inspector down'));
		await expect(userColumns(rt, schemaCopy())).rejects.toThrow('inspector down');
		await expect(userColumns(rt, schemaCopy())).resolves.toBeInstanceOf(Map);
		expect(columnInfo).toHaveBeenCalledTimes(2);
	});
});
