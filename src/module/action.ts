// What a step the reader starts (a button, a confirmed dialog) shares on every page: a busy flag
// while it runs, its failure as a sentence, and for a step that ends or locks something, the
// question asked once more before it runs.
import { ref, shallowReactive } from 'vue';
import { useText, type Text } from './i18n';
import { errorText, usePermissions } from './lifecycle';

/** A step waiting for the reader's yes: what it is about while the dialog is open, null otherwise. */
export interface Confirmation<T> {
	readonly asking: T | null;
	readonly busy: boolean;
	ask(item: T): void;
	cancel(): void;
	/** Runs the step on what was asked about; the dialog closes whatever its outcome. */
	confirm(): Promise<void>;
}

/**
 * `run(work)`: busy while the work runs, and its failure in `error` (the host's words by default;
 * `failure` for a section that names some failures itself). `error` is cleared as a step starts.
 */
export function useAction(text: Text, failure: (error: unknown) => string = (error) => errorText(text, error)) {
	const busy = ref(false);
	const error = ref('');

	async function run(work: () => Promise<unknown>): Promise<void> {
		busy.value = true;
		error.value = '';
		try {
			await work();
		} catch (e) {
			error.value = failure(e);
		} finally {
			busy.value = false;
		}
	}

	/**
	 * A confirm-dialog's state for `step`, busy with the rest of the section. The dialog closes once
	 * the step is answered; `then` (the list read again) follows behind it.
	 */
	function confirmation<T>(step: (item: T) => Promise<unknown>, then?: () => Promise<unknown>): Confirmation<T> {
		const state = shallowReactive({
			asking: null as T | null,
			get busy() {
				return busy.value;
			},
			ask(item: T) {
				state.asking = item;
			},
			cancel() {
				state.asking = null;
			},
			async confirm() {
				const item = state.asking;
				if (item === null) return;
				try {
					await step(item);
				} finally {
					state.asking = null;
				}
				await then?.();
			},
		});
		return state;
	}

	return { busy, error, run, confirmation };
}

/**
 * What a part of a page that acts on the API starts with (a section of the Security page, the
 * invitations, an account's drawer): the reader's words, the API client, and useAction's state.
 */
export function useSection(failure?: (error: unknown, text: Text) => string) {
	const text = useText();
	const { api } = usePermissions();
	return { text, t: text.t, api, ...useAction(text, failure && ((error) => failure(error, text))) };
}
