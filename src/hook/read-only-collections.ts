// The extension's tables shown in the Data Studio are read-only for everyone, admins included:
// the extension writes them with knex, never through the host's item services.
import type { RegisterFunctions } from '@directus/types';
import { ForbiddenError } from '../errors.js';

export function registerReadOnlyCollections(register: RegisterFunctions, collections: string[]): void {
	for (const collection of collections) {
		for (const action of ['create', 'update', 'delete']) {
			register.filter(`${collection}.items.${action}`, () => {
				throw new ForbiddenError();
			});
		}
	}
}
