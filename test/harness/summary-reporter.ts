// Prints one plain closing line, "N passed, N failed, N skipped", that any CI reader understands.
import type { Reporter } from 'vitest/reporters';

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] };

export default class SummaryReporter implements Reporter {
	onFinished(files: Task[] = []) {
		let passed = 0;
		let failed = 0;
		let skipped = 0;
		const walk = (task: Task) => {
			if (task.tasks) task.tasks.forEach(walk);
			// a suite whose hooks failed counts as one failure (its tests show as skipped)
			if (task.type === 'suite' && task.result?.state === 'fail' && !task.tasks?.some((t) => t.result?.state === 'fail')) failed++;
			if (task.type !== 'test') return;
			const state = task.result?.state;
			if (state === 'pass') passed++;
			else if (state === 'fail') failed++;
			else skipped++;
		};
		files.forEach((file) => {
			walk(file);
			if (file.result?.state === 'fail' && !file.tasks?.length) failed++; // failed to load
		});
		console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
	}
}
