/**
 * What a generic HMAC source is told about a provider: where the signature travels, how it
 * is computed and encoded, what string is signed, and where the event's name and ids sit in
 * the JSON. Checked once when the source is configured, so a typo is a readable error at
 * start-up rather than every callback answered 401.
 */
import { isCanonicalEventType, type CanonicalEventType } from '../events';
import { isRecord } from '../webhook';
import { isJsonPath } from './json-path';
import { GENERIC_HMAC_PRESETS } from './presets';

export type HmacAlgorithm = 'sha256' | 'sha512';
export type SignatureEncoding = 'hex' | 'base64';

/** A piece of the signed string: literal text, or a value of the request. */
export type SignedPart = { literal: string } | { field: 'body' | 'timestamp' | 'id' };

export interface GenericHmacOptions {
	/** Shown as the canonical event's `provider`, e.g. `yousign`. */
	providerName: string;
	signature: { in: 'header' | 'query'; name: string };
	algorithm: HmacAlgorithm;
	encoding: SignatureEncoding;
	/** Text before the digest, e.g. `sha256=` or `v1,`. */
	prefix: string;
	/** When one value carries several signatures (key rotation), the text between them. */
	separator?: string;
	/** `base64` for secrets that are base64 keys (Standard Webhooks' `whsec_…`). */
	secretEncoding: 'utf8' | 'base64';
	timestamp?: { header: string; toleranceSeconds: number; unit: 'seconds' | 'milliseconds' };
	/**
	 * Without a signed timestamp header: the signed body's event time (a path in each event)
	 * and how old it may be. Without either, nothing bounds a replay and the relay refuses the
	 * source at start-up.
	 */
	bodyTime?: { path: string; maxAgeSeconds: number };
	signedPayload: SignedPart[];
	idHeader?: string;
	idPath?: string;
	eventTypePaths: string[];
	documentIdPath?: string;
	documentNamePath?: string;
	signerEmailPath?: string;
	occurredAtPath?: string;
	events: Record<string, CanonicalEventType>;
}

const HEADER_NAME = /^[A-Za-z0-9-]+$/;
const QUERY_NAME = /^[A-Za-z0-9_.-]+$/;
const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
/** As the other providers' default max age (nodes/providers/webhook.ts). */
const DEFAULT_MAX_AGE_SECONDS = 60 * 60 * 60;

function fail(message: string): never {
	throw new Error(`Generic HMAC source: ${message}`);
}

function optionalString(options: Record<string, unknown>, key: string): string | undefined {
	const value = options[key];
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value !== 'string') fail(`options.${key} must be a string.`);
	return value;
}

function headerName(options: Record<string, unknown>, key: string): string | undefined {
	const value = optionalString(options, key);
	if (value === undefined) return undefined;
	if (!HEADER_NAME.test(value)) fail(`options.${key} must be an HTTP header name such as "X-Signature", not "${value}".`);
	return value.toLowerCase();
}

function jsonPath(options: Record<string, unknown>, key: string): string | undefined {
	const value = optionalString(options, key);
	if (value === undefined) return undefined;
	if (!isJsonPath(value)) fail(`options.${key} must be a dotted JSON path such as "data.document.id", not "${value}".`);
	return value;
}

function oneOf<T extends string>(options: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T {
	const value = options[key] ?? fallback;
	if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
		fail(`options.${key} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}.`);
	}
	return value as T;
}

export function parseSignedPayload(template: string): SignedPart[] {
	const parts: SignedPart[] = [];
	const pattern = /\{([^{}]*)\}/g;
	let last = 0;
	let match: RegExpExecArray | null;
	while ((match = pattern.exec(template)) !== null) {
		const name = match[1];
		if (name !== 'body' && name !== 'timestamp' && name !== 'id') {
			fail(`options.signedPayload may only use {body}, {timestamp} and {id}; "{${name}}" is unknown.`);
		}
		if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
		parts.push({ field: name });
		last = match.index + match[0].length;
	}
	if (last < template.length) parts.push({ literal: template.slice(last) });
	const bodies = parts.filter((part) => 'field' in part && part.field === 'body').length;
	if (bodies !== 1) fail('options.signedPayload must contain {body} exactly once, or the body is not protected.');
	return parts;
}

function eventMap(raw: unknown): Record<string, CanonicalEventType> {
	if (raw === undefined) return {};
	if (!isRecord(raw)) fail('options.events must map provider event names to canonical types.');
	const map: Record<string, CanonicalEventType> = {};
	for (const [providerEvent, canonical] of Object.entries(raw)) {
		if (typeof canonical !== 'string' || !isCanonicalEventType(canonical)) {
			fail(`options.events["${providerEvent}"] must be a canonical event type such as "document.completed", not ${JSON.stringify(canonical)}.`);
		}
		map[providerEvent] = canonical;
	}
	return map;
}

function eventTypePaths(raw: unknown): string[] {
	const list = raw === undefined ? ['event'] : Array.isArray(raw) ? raw : [raw];
	if (list.length === 0 || !list.every(isJsonPath)) {
		fail('options.eventTypePath must be a dotted JSON path (or a list of them) such as "event" or "data.status".');
	}
	return list as string[];
}

/** The preset's settings under the caller's: explicit options win, event maps merge. */
function withPreset(raw: Record<string, unknown>): Record<string, unknown> {
	const name = raw.preset;
	if (name === undefined) return raw;
	if (typeof name !== 'string' || !(name in GENERIC_HMAC_PRESETS)) {
		fail(`options.preset must be one of ${Object.keys(GENERIC_HMAC_PRESETS).map((p) => `"${p}"`).join(', ')}.`);
	}
	const preset = GENERIC_HMAC_PRESETS[name as keyof typeof GENERIC_HMAC_PRESETS] as Record<string, unknown>;
	const merged: Record<string, unknown> = { ...preset, ...raw };
	if (raw.signatureHeader !== undefined || raw.signatureQueryParameter !== undefined) {
		// Naming one place for the signature replaces the preset's, not adds a second.
		merged.signatureHeader = raw.signatureHeader;
		merged.signatureQueryParameter = raw.signatureQueryParameter;
	}
	merged.events = { ...(preset.events as object), ...(isRecord(raw.events) ? raw.events : {}) };
	return merged;
}

export function parseGenericHmacOptions(input: unknown): GenericHmacOptions {
	if (input !== undefined && !isRecord(input)) fail('options must be an object.');
	const raw = withPreset(isRecord(input) ? input : {});

	const signatureHeader = headerName(raw, 'signatureHeader');
	const signatureQuery = optionalString(raw, 'signatureQueryParameter');
	if ((signatureHeader === undefined) === (signatureQuery === undefined)) {
		fail('set exactly one of options.signatureHeader (e.g. "X-Signature") or options.signatureQueryParameter (e.g. "signature").');
	}
	if (signatureQuery !== undefined && !QUERY_NAME.test(signatureQuery)) {
		fail(`options.signatureQueryParameter must be a query parameter name such as "signature", not "${signatureQuery}".`);
	}

	const providerName = optionalString(raw, 'providerName') ?? 'generic-hmac';
	if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(providerName)) {
		fail('options.providerName must be lower-case letters, digits, "-" or "_", e.g. "yousign".');
	}

	const timestampHeader = headerName(raw, 'timestampHeader');
	const tolerance = raw.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
	if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance <= 0) {
		fail('options.toleranceSeconds must be a positive number of seconds.');
	}
	const unit = oneOf(raw, 'timestampUnit', ['seconds', 'milliseconds'] as const, 'seconds');

	const idHeader = headerName(raw, 'idHeader');
	const signedPayload = parseSignedPayload(optionalString(raw, 'signedPayload') ?? '{body}');
	const uses = (field: string) => signedPayload.some((part) => 'field' in part && part.field === field);
	if (uses('timestamp') && !timestampHeader) fail('options.signedPayload uses {timestamp}: set options.timestampHeader too.');
	if (timestampHeader && !uses('timestamp')) {
		// An unsigned timestamp can be rewritten by whoever replays the request: no protection.
		fail('options.timestampHeader is set but options.signedPayload does not contain {timestamp}; a timestamp the provider does not sign cannot stop replays.');
	}
	if (uses('id') && !idHeader) fail('options.signedPayload uses {id}: set options.idHeader too.');

	const separator = optionalString(raw, 'signatureSeparator');

	const maxAgePath = jsonPath(raw, 'maxAgePath');
	const maxAge = raw.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
	if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0) {
		fail('options.maxAgeSeconds must be a number of seconds (0 turns the check off).');
	}

	return {
		providerName,
		signature: signatureHeader ? { in: 'header', name: signatureHeader } : { in: 'query', name: signatureQuery as string },
		algorithm: oneOf(raw, 'algorithm', ['sha256', 'sha512'] as const, 'sha256'),
		encoding: oneOf(raw, 'encoding', ['hex', 'base64'] as const, 'hex'),
		prefix: optionalString(raw, 'prefix') ?? '',
		...(separator !== undefined ? { separator } : {}),
		secretEncoding: oneOf(raw, 'secretEncoding', ['utf8', 'base64'] as const, 'utf8'),
		...(timestampHeader ? { timestamp: { header: timestampHeader, toleranceSeconds: tolerance, unit } } : {}),
		...(!timestampHeader && maxAgePath && maxAge > 0 ? { bodyTime: { path: maxAgePath, maxAgeSeconds: maxAge } } : {}),
		signedPayload,
		...(idHeader ? { idHeader } : {}),
		idPath: jsonPath(raw, 'idPath'),
		eventTypePaths: eventTypePaths(raw.eventTypePath),
		documentIdPath: jsonPath(raw, 'documentIdPath'),
		documentNamePath: jsonPath(raw, 'documentNamePath'),
		signerEmailPath: jsonPath(raw, 'signerEmailPath'),
		occurredAtPath: jsonPath(raw, 'occurredAtPath'),
		events: eventMap(raw.events),
	};
}
