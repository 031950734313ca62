import { defineConfig } from 'vitest/config';

// Two projects: unit (pure code, isolated, in threads) and integration (a real Directus per
// database and settings profile, kept by each worker for the files that share it: so not
// isolated; the browser files, each with a host of its own, run among them). `npm run test:quick`
// runs unit + integration on SQLite without the browser.
const shared = { testTimeout: 60_000, hookTimeout: 180_000, pool: 'forks' as const };

export default defineConfig({
	test: {
		globalSetup: ['./test/harness/global-setup.ts'],
		// Two cores: two test files at a time (test:quick asks for four). As many kept as may run: a
		// pool allowed to end idle workers can end the run in "Terminating worker thread".
		maxWorkers: 2,
		minWorkers: 2,
		reporters: ['default', './test/harness/summary-reporter.ts'],
		// Read from the root config by the forks pool: the integration files' worker processes live
		// on from file to file (and keep their hosts); unit files run isolated in threads.
		poolOptions: { forks: { isolate: false } },
		projects: [
			{ test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'threads' } },
			{ test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'] } },
		],
	},
});
