// What a capability hands the two entry files: its routes under /user-lifecycle, the host's own
// routes it serves, its hooks, its share of the periodic job, and its tables. The entries wire
// these in; nothing in shared/ knows which capabilities exist.
import type { RegisterFunctions } from '@directus/types';
import type { Application, Router } from 'express';
import type { GraphqlMutation } from './graphql.js';
import type { FlowOptions } from './host.js';
import type { SettingsSlice } from './config.js';
import type { MailTemplate } from './mail.js';
import type { Migration } from './migrations.js';
import type { Runtime } from './runtime.js';
import type { CollectionMeta } from './studio-collections.js';

/**
 * Sends a mail of one kind again, to one recipient, after the outbox gave up on it. A mail's
 * link is erased once the outbox is done with it, so "again" means the capability's own resend
 * (a fresh link, the old ones revoked), as the caller (the host decides what they may do).
 */
export type MailRetry = (rt: Runtime, recipient: string, options: FlowOptions) => Promise<void>;

/** Counts of what one run of a periodic job did, for the log (`{ archivedInvitations: 3 }`). */
export type JobReport = Record<string, number>;

export interface Capability {
	name: string;
	/** The capability's settings (read and validated at start-up with every other). */
	settings?: SettingsSlice;
	/** Routes under /user-lifecycle. */
	routes?: (router: Router, rt: Runtime) => void;
	/**
	 * Middleware in front of every host route, after the host's authentication (mounted first, and
	 * whether or not native routes are on).
	 */
	requestGuards?: (app: Application, rt: Runtime) => void;
	/** The host's own routes this capability answers when USER_LIFECYCLE_NATIVE_ROUTES is on. */
	nativeRoutes?: (app: Application, rt: Runtime) => void;
	/** The host's GraphQL system mutations this capability answers (with native routes on), by field name. */
	graphql?: (rt: Runtime) => Record<string, GraphqlMutation>;
	hooks?: (register: RegisterFunctions, rt: Runtime) => void;
	/** Work for the lifecycle schedule; runs once per period across a cluster. */
	job?: (rt: Runtime, now: number) => Promise<JobReport>;
	/** How to send again each kind of mail this capability queues (by outbox `kind`). */
	mailRetry?: Record<string, MailRetry>;
	/** The mail templates this capability ships (the host has none by their names). */
	mailTemplates?: MailTemplate[];
	/** The capability's tables, as numbered migrations (ids sort in the order they run). */
	migrations?: Migration[];
	/** The capability's tables admins browse (read-only) in the Data Studio. */
	studioCollections?: CollectionMeta[];
}
