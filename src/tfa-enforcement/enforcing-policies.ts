// Whether any policy of the project enforces two-factor at all: most projects have none, and
// then no request needs the per-user check. The answer is kept for a second (ENFORCING_TTL_MS);
// a policy written on this instance forgets it at once (the `policies.*` hooks), another
// instance's write is seen within that second.
import type { Knex } from 'knex';
import { KeptFor } from '../shared/util/kept-for.js';

export const ENFORCING_TTL_MS = 1000;

export class EnforcingPolicies {
	private readonly kept: KeptFor<boolean>;

	constructor(
		private readonly knex: Knex,
		ttlMs = ENFORCING_TTL_MS,
	) {
		this.kept = new KeptFor(ttlMs);
	}

	any(): Promise<boolean> {
		return this.kept.get(async () => (await this.knex('directus_policies').where('enforce_tfa', true).first(this.knex.raw('1 as found'))) !== undefined);
	}

	/** The kept answer when it is fresh: `false` lets a request through without a promise. */
	known(): boolean | undefined {
		return this.kept.peek();
	}

	forget(): void {
		this.kept.forget();
	}
}
