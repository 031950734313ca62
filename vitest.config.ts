import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		// unit, integration and browser (test/browser: the Data Studio in Chromium)
		include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'],
		testTimeout: 60_000,
		hookTimeout: 180_000,
		pool: 'forks',
		// Two cores: one Directus per integration file, two files at a time.
		maxWorkers: 2,
		minWorkers: 1,
		reporters: ['default', './test/harness/summary-reporter.ts'],
	},
});
