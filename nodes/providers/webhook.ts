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
	/**
	 * How long, in seconds, the same signed bytes can keep being accepted once first accepted:
	 * the oldest age `verify` lets through plus how far ahead of our clock it lets a time be.
	 * `Infinity` when nothing signed in the message bounds it (a check turned off with 0). The
	 * relay refuses to start unless this is shorter than its dedup window: a replay after the
	 * window would otherwise be a new event.
	 */
	replayWindowSeconds(options: Options): number;
	/** One canonical event per provider event (batched callbacks give several). */
	normalize(request: InboundWebhook, options: Options, nowMs: number): CanonicalEvent[];
	/**
	 * The body the provider expects in the 2xx answer, when it expects one
	 * (Dropbox Sign wants a fixed string); JSON `{"ok":true}` otherwise.
	 */
	acknowledgement?: { contentType: string; body: string };
}

const DEFINED = new WeakSet<object>();

/**
 * Every provider's handler is built with this, the one place all events pass through: it
 * strips access tokens, API keys and signing links from each event's payload (`stripTokens`),
 * whichever provider sent it, for the relay and the trigger alike. The registry
 * (`webhooks.ts`) refuses a handler that was not built here.
 */
export function defineWebhookHandler<Options>(definition: WebhookHandler<Options>): WebhookHandler<Options> {
	const handler: WebhookHandler<Options> = {
		...definition,
		normalize: (request, options, nowMs) =>
			definition.normalize(request, options, nowMs).map((event) => ({ ...event, payload: stripTokens(event.payload) })),
	};
	DEFINED.add(handler);
	return handler;
}

/** True for a handler built with `defineWebhookHandler` (its events are stripped of tokens). */
export function isDefinedHandler(handler: object): boolean {
	return DEFINED.has(handler);
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

/**
 * The deepest nesting of arrays and objects a webhook body may have. Real callbacks stay
 * under a dozen levels; deeper bodies are refused before they are parsed, because every step
 * after parsing (token stripping, canonical JSON, JSON.stringify of the stored event) walks
 * the value recursively and would overflow the stack on a body a few thousand levels deep.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws a 400 rejection when `text` nests arrays/objects deeper than MAX_JSON_DEPTH. One
 * pass over the characters, brackets inside strings ignored; no allocation, so a 1 MB body of
 * brackets costs what reading it costs.
 */
export function checkJsonDepth(text: string): void {
	let depth = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 0x5c) i++; // backslash: the next character is escaped
			else if (c === 0x22) inString = false;
		} else if (c === 0x22) inString = true;
		else if (c === 0x5b || c === 0x7b) {
			if (++depth > MAX_JSON_DEPTH) {
				throw new WebhookRejection(
					'malformed_body',
					`The body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels; no provider sends that.`,
				);
			}
		} else if (c === 0x5d || c === 0x7d) depth--;
	}
}

/** Text that must be JSON, nested at most MAX_JSON_DEPTH deep; a 400 rejection otherwise. */
export function parseJsonText(text: string): unknown {
	checkJsonDepth(text);
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
 * Key spellings (compared lower case, without `_` and `-`) whose values open an account, an
 * API or a signing page: OAuth tokens, API keys, secrets, and the links and slugs a signer
 * signs through. Whoever holds one can act as the subscriber or sign as the signer.
 */
const SECRET_KEYS = new Set([
	'token',
	'accesstoken',
	'refreshtoken',
	'idtoken',
	'apikey',
	'apitoken',
	'authtoken',
	'bearertoken',
	'clientsecret',
	'secret',
	'secretkey',
	'password',
	'signurl',
	'signingurl',
	'signinglink',
	'signlink',
	'embedsrc',
	'embedurl',
	'embeddedsigningurl',
	// DocuSeal: a submitter's slug opens that person's signing form.
	'slug',
]);

export function isSecretKey(key: string): boolean {
	const normalized = key.toLowerCase().replace(/[_-]/g, '');
	return SECRET_KEYS.has(normalized) || /(token|apikey|secret|password)$/.test(normalized);
}

/**
 * A copy of a payload without the tokens, keys and signing links providers put in callbacks
 * (SignNow's subscriber access token, recipients' signing tokens and links), at any depth:
 * they open accounts and signing pages, so they are never stored, logged or forwarded.
 * `defineWebhookHandler` applies it to every event of every provider, once.
 */
export function stripTokens(value: unknown, depth = 0): unknown {
	// Bodies are depth-checked when parsed; this guards payloads built another way.
	if (depth > 2 * MAX_JSON_DEPTH) {
		throw new WebhookRejection('malformed_body', `The payload nests deeper than ${MAX_JSON_DEPTH} levels.`);
	}
	if (Array.isArray(value)) return value.map((item) => stripTokens(item, depth + 1));
	if (!isRecord(value)) return value;
	const result: Record<string, unknown> = {};
	for (const [key, inner] of Object.entries(value)) {
		if (isSecretKey(key)) continue;
		result[key] = stripTokens(inner, depth + 1);
	}
	return result;
}

/** How far ahead of our clock a provider's signed time may be (clock skew). */
export const FUTURE_SKEW_SECONDS = 5 * 60;

/**
 * The default oldest age of a signed time, for providers whose retries keep the original
 * time: 60 h, which follows their retries through a relay outage of two and a half days and
 * stays 12 h inside the relay's default 72 h dedup window (RELAY_DEDUP_WINDOW).
 */
export const DEFAULT_MAX_AGE_SECONDS = 60 * 60 * 60;

/** A replay window for a max-age check: `Infinity` when the check is off (0). */
export function maxAgeWindow(maxAgeSeconds: number, futureSkewSeconds = FUTURE_SKEW_SECONDS): number {
	return maxAgeSeconds > 0 ? maxAgeSeconds + futureSkewSeconds : Infinity;
}

/** Unix seconds or milliseconds (number or digits) or an ISO 8601 string, as epoch ms. */
export function timeMs(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isFinite(value)) return value > 1e12 ? value : value * 1000;
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const numeric = Number(value);
	if (Number.isFinite(numeric)) return timeMs(numeric);
	const parsed = Date.parse(value);
	return Number.isNaN(parsed) ? undefined : parsed;
}

/**
 * Throws `stale_timestamp` unless `sentMs` lies within [now - maxAge, now + skew]. `what` names
 * the field in the message, for a rejection a person can act on.
 */
export function checkAge(
	what: string,
	sentMs: number,
	maxAgeSeconds: number,
	nowMs: number,
	futureSkewSeconds = FUTURE_SKEW_SECONDS,
): void {
	const ageSeconds = (nowMs - sentMs) / 1000;
	if (ageSeconds < -futureSkewSeconds || ageSeconds > maxAgeSeconds) {
		throw new WebhookRejection(
			'stale_timestamp',
			`${what} is ${new Date(sentMs).toISOString()}, outside the accepted window (${maxAgeSeconds}s old at most): a replay, or a retry older than the source's maxAgeSeconds.`,
		);
	}
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
