/**
 * The contract every provider's webhook module fulfils. Pure functions over the raw
 * request: no n8n types, no I/O, `node:crypto` only, so the relay and the trigger node
 * share one implementation per provider.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { CanonicalEvent } from './events';

export type HeaderValue = string | string[] | undefined;

export interface InboundWebhook {
	/** The exact bytes the provider signed. */
	rawBody: Buffer;
	/** Header names in lower case, as Node's http module gives them. */
	headers: Record<string, HeaderValue>;
	/** Query string values, for providers that sign or identify through the URL. */
	query?: Record<string, string | undefined>;
}

export type RejectionReason =
	| 'missing_signature'
	| 'bad_signature'
	| 'stale_timestamp'
	| 'malformed_body'
	| 'unsupported_media_type';

/** Thrown by `verify`/`normalize`; carries the HTTP status a receiver should answer with. */
export class WebhookRejection extends Error {
	readonly status: number;

	constructor(
		readonly reason: RejectionReason,
		message: string,
	) {
		super(message);
		this.name = 'WebhookRejection';
		this.status =
			reason === 'malformed_body' ? 400 : reason === 'unsupported_media_type' ? 415 : 401;
	}
}

export interface WebhookHandler<Options = unknown> {
	/** The provider type as sources and subscriptions name it, e.g. `signnow`. */
	readonly provider: string;
	/** Checks and defaults the provider-specific options of a source; throws a readable Error. */
	parseOptions(raw: unknown): Options;
	/**
	 * Throws a `WebhookRejection` unless one of `secrets` (several during a rotation) signed
	 * this exact request within the provider's replay window.
	 */
	verify(request: InboundWebhook, secrets: readonly string[], options: Options, nowMs: number): void;
	/** One canonical event per provider event (batched callbacks give several). */
	normalize(request: InboundWebhook, options: Options, nowMs: number): CanonicalEvent[];
	/**
	 * The body the provider expects in the 2xx answer, when it expects one
	 * (Dropbox Sign wants a fixed string); JSON `{"ok":true}` otherwise.
	 */
	acknowledgement?: { contentType: string; body: string };
}

export function header(request: InboundWebhook, name: string): string | undefined {
	const value = request.headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}

/** Constant-time comparison of two byte strings of possibly different lengths. */
export function safeEqual(a: Buffer, b: Buffer): boolean {
	if (a.length !== b.length) {
		// Compare anyway so the time taken does not reveal where the lengths differ.
		timingSafeEqual(a, a);
		return false;
	}
	return timingSafeEqual(a, b);
}

const NOT_JSON = Symbol('not JSON');

/** The media type of the request, lower case, without parameters (`charset`, `boundary`). */
export function mediaTypeOf(request: InboundWebhook): string {
	return (header(request, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
}

/** Text that must be JSON; a 400 rejection otherwise. */
export function parseJsonText(text: string): unknown {
	const parsed = tryParseJson(text);
	if (parsed === NOT_JSON) throw new WebhookRejection('malformed_body', 'The body is not valid JSON.');
	return parsed;
}

function tryParseJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		// Only JSON.parse can throw here, and only for text that is not JSON.
		return NOT_JSON;
	}
}

/**
 * The body of a callback the provider sends as JSON. Another media type is refused (415) even
 * when the signature is right: the provider never sends one, so it is not the provider.
 */
export function parseJsonBody(request: InboundWebhook): unknown {
	const mediaType = mediaTypeOf(request);
	if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) {
		throw new WebhookRejection(
			'unsupported_media_type',
			`The body must be application/json, not ${mediaType || 'a request without a Content-Type'}.`,
		);
	}
	return parseJsonText(request.rawBody.toString('utf8'));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A short, opaque id derived from what makes a provider event unique, so every retry of
 * the same event gets the same id even when the provider sends no id of its own.
 */
export function stableEventId(provider: string, ...parts: ReadonlyArray<string | number>): string {
	const digest = createHash('sha256')
		.update([provider, ...parts.map(String)].join('\u0000'))
		.digest('base64url');
	return `evt_${digest.slice(0, 27)}`;
}

/** JSON with sorted keys, so equal payloads hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (isRecord(value)) {
		return `{${Object.keys(value)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`)
			.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** The first value that is a non-empty string or a finite number, as a string. */
export function firstText(...values: unknown[]): string | undefined {
	for (const value of values) {
		if (typeof value === 'string' && value !== '') return value;
		if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	}
	return undefined;
}

/**
 * A copy of a payload without the tokens providers put in callbacks (SignNow's subscriber
 * access token, recipients' signing tokens): they open accounts and signing pages, so they are
 * never stored, logged or forwarded.
 */
export function stripTokens(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(stripTokens);
	if (!isRecord(value)) return value;
	const result: Record<string, unknown> = {};
	for (const [key, inner] of Object.entries(value)) {
		if (/^(token|access_token|refresh_token)$/i.test(key)) continue;
		result[key] = stripTokens(inner);
	}
	return result;
}

/**
 * A source option counted in seconds: `fallback` when absent; `0` allowed only where it turns
 * the check off (`allowZero`). Throws an Error naming the option, for the relay's start-up.
 */
export function secondsOption(
	options: Record<string, unknown>,
	name: string,
	fallback: number,
	allowZero = true,
): number {
	const value = options[name] ?? fallback;
	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
		throw new Error(
			allowZero
				? `options.${name} must be a number of seconds (0 turns the check off).`
				: `options.${name} must be a positive number of seconds.`,
		);
	}
	return value;
}

export function toIsoTime(value: unknown, fallbackMs: number): string {
	if (typeof value === 'number' && Number.isFinite(value)) {
		// Providers send seconds; a value this large is already milliseconds.
		return new Date(value > 1e12 ? value : value * 1000).toISOString();
	}
	if (typeof value === 'string' && value !== '') {
		const asNumber = Number(value);
		if (Number.isFinite(asNumber)) return toIsoTime(asNumber, fallbackMs);
		const parsed = Date.parse(value);
		if (!Number.isNaN(parsed)) return new Date(parsed).toISOString();
	}
	return new Date(fallbackMs).toISOString();
}
