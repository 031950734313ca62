// Single-file components, for the TypeScript entry that lists them.
declare module '*.vue' {
	import type { DefineComponent } from 'vue';
	const component: DefineComponent<object, object, unknown>;
	export default component;
}

// The app lends its own vue-i18n to extensions (a shared dependency, not installed here): the
// part of its composition API the module uses.
declare module 'vue-i18n' {
	import type { WritableComputedRef } from 'vue';
	export function useI18n(options?: Record<string, unknown>): {
		t(key: string, ...args: unknown[]): string;
		te(key: string, locale?: string): boolean;
		locale: WritableComputedRef<string>;
	};
}
