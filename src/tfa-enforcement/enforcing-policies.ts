// Whether any policy of the project enforces two-factor at all: most projects have none, and
// then no request needs the per-user check. The answer is kept for a second (ENFORCING_TTL_MS);
// a policy written on this instance forgets it at once (the `policies.*` hooks), another
// instance's write is seen within that second.
import type { Knex } from 'knex';

export const ENFORCING_TTL_MS = 1000;

export class EnforcingPolicies {
	private known: { value: boolean; at: number } | null = null;
	private pending: Promise<boolean> | null = null;
	/** Bumped by `forget`: a read that started before it does not store its (maybe stale) answer. */
	private generation = 0;

	constructor(
		private readonly knex: Knex,
		private readonly ttlMs = ENFORCING_TTL_MS,
	) {}

	async any(): Promise<boolean> {
		if (this.known && Date.now() - this.known.at < this.ttlMs) return this.known.value;
		if (!this.pending) {
			const generation = this.generation;
			this.pending = this.knex('directus_policies')
				.where('enforce_tfa', true)
				.first(this.knex.raw('1 as found'))
				.then((row) => {
					const value = row !== undefined;
					if (generation === this.generation) this.known = { value, at: Date.now() };
					return value;
				})
				.finally(() => {
					this.pending = null;
				});
		}
		return this.pending;
	}

	forget(): void {
		this.generation++;
		this.known = null;
		this.pending = null;
	}
}
