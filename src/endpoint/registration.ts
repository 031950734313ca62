import type { Router } from 'express';
import { registerUser, resendVerification, verifyEmail, type RegistrationInput } from '../flows/registration.js';
import type { Runtime } from '../runtime.js';
import { bodyOf, email, onlyKeys, optionalText, scalar, takeQueryToken, text, url, type Body } from './input.js';
import { registrationRateLimit } from './rate-limit.js';
import { flowOptions, handle } from './respond.js';

const BASE_FIELDS = ['email', 'password', 'first_name', 'last_name', 'verification_url'];

export function parseRegistration(rt: Runtime, raw: unknown): RegistrationInput {
	const body = bodyOf(raw);
	onlyKeys(body, [...BASE_FIELDS, ...rt.config.registerFields]);
	const extra: Record<string, unknown> = {};
	for (const field of rt.config.registerFields) if (field in body) extra[field] = scalar(body, field);
	return {
		email: email(body),
		password: text(body, 'password'),
		first_name: optionalText(body, 'first_name', { nullable: true }) ?? null,
		last_name: optionalText(body, 'last_name', { nullable: true }) ?? null,
		verification_url: url(body, 'verification_url'),
		extra,
	};
}

export function parseToken(body: Body): string {
	onlyKeys(body, ['token']);
	return text(body, 'token', { max: 4096 });
}


export function registerRegistrationRoutes(router: Router, rt: Runtime): void {
	const limit = registrationRateLimit(rt);
	router.post(
		'/register',
		limit,
		handle(async (req) => {
			await registerUser(rt, parseRegistration(rt, req.body), flowOptions(req));
		}),
	);
	router.post(
		'/register/verify-email',
		handle(async (req) => {
			await verifyEmail(rt, parseToken(bodyOf(req.body)), flowOptions(req));
		}),
	);
	router.get(
		'/register/verify-email',
		handle(async (req) => {
			await verifyEmail(rt, takeQueryToken(req), flowOptions(req));
		}),
	);
	router.post(
		'/register/resend',
		limit,
		handle(async (req) => {
			const body = bodyOf(req.body);
			onlyKeys(body, ['email', 'verification_url']);
			await resendVerification(rt, { email: email(body), verification_url: url(body, 'verification_url') }, flowOptions(req));
		}),
	);
}
