// Once per `vitest run`, before any test file: which databases answer (probed once, not per
// file), and a bootstrapped template of each, which every test host copies instead of running
// the host's migrations again. The answers reach the test workers through their environment.
// Afterwards: every database this run made and left is dropped.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { bootstrapTemplate, databaseAnswers, databasesNamed, dropDatabase, root } from '../../scripts/host.mjs';

const ALL = ['sqlite', 'postgres', 'mysql'] as const;

export default async function setup(): Promise<() => Promise<void>> {
	const run = randomBytes(3).toString('hex');
	process.env['USER_LIFECYCLE_TEST_RUN'] = run;
	const wanted = (process.env['USER_LIFECYCLE_TEST_DBS'] ?? ALL.join(',')).split(',');
	const answering: string[] = [];
	for (const db of ALL) {
		if (!wanted.includes(db)) continue;
		if (db === 'sqlite' || (await databaseAnswers(db))) answering.push(db);
		else console.warn(`[user-lifecycle tests] NOTICE: ${db} does not answer on 127.0.0.1; its integration run is skipped`);
	}
	process.env['USER_LIFECYCLE_TEST_DBS_UP'] = answering.join(',');
	// A run of the unit project alone starts no host: no template to make.
	const projects = process.argv.flatMap((arg, i) => (arg === '--project' ? [process.argv[i + 1]] : arg.startsWith('--project=') ? [arg.slice(10)] : []));
	if (projects.length > 0 && projects.every((name) => name === 'unit')) return async () => {};
	const folder = join(root, '.test-hosts', `templates-${run}`);
	const started = Date.now();
	const templates = await Promise.all(answering.map((db) => bootstrapTemplate(db, folder)));
	process.env['USER_LIFECYCLE_TEST_TEMPLATES'] = JSON.stringify(templates);
	console.log(`[user-lifecycle tests] databases: ${answering.join(', ')}; templates bootstrapped in ${((Date.now() - started) / 1000).toFixed(1)} s`);

	return async () => {
		for (const db of answering.filter((d) => d !== 'sqlite')) {
			for (const name of await databasesNamed(db, `ul_${run}_`).catch(() => [])) await dropDatabase(db, name);
		}
		rmSync(folder, { recursive: true, force: true });
	};
}
