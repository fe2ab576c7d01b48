/**
 * A source for any provider that signs its webhooks with an HMAC over (parts of) the raw
 * request, configured rather than coded: the LuxSign-style guide, Yousign, PandaDoc's query
 * signature and Standard-Webhooks-like schemes under other header names. See
 * `options.ts` for what can be configured and `presets.ts` for documented providers.
 */
import { createHmac } from 'node:crypto';

import { isCanonicalEventType, type CanonicalEvent, type CanonicalEventType } from '../events';
import {
	canonicalJson,
	checkAge,
	header,
	maxAgeWindow,
	parseJsonBody,
	safeEqual,
	stableEventId,
	timeMs,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';
import { textAt } from './json-path';
import { parseGenericHmacOptions, type GenericHmacOptions } from './options';

export { GENERIC_HMAC_PRESETS } from './presets';
export type { GenericHmacOptions } from './options';

function secretKey(secret: string, options: GenericHmacOptions): Buffer {
	if (options.secretEncoding === 'utf8') return Buffer.from(secret, 'utf8');
	// Standard-Webhooks-style secrets: `whsec_` + base64 of the key bytes.
	return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/** The exact bytes the provider signed, in the configured order. */
export function signedBytes(request: InboundWebhook, options: GenericHmacOptions): Buffer {
	return Buffer.concat(
		options.signedPayload.map((part) => {
			if ('literal' in part) return Buffer.from(part.literal, 'utf8');
			if (part.field === 'body') return request.rawBody;
			const name = part.field === 'id' ? options.idHeader : options.timestamp?.header;
			return Buffer.from(name ? (header(request, name) ?? '') : '', 'utf8');
		}),
	);
}

/** What a provider following these options would send; simulators and tests sign with it. */
export function computeSignature(request: InboundWebhook, secret: string, options: GenericHmacOptions): string {
	const digest = createHmac(options.algorithm, secretKey(secret, options))
		.update(signedBytes(request, options))
		.digest(options.encoding);
	return options.prefix + digest;
}

function offeredSignature(request: InboundWebhook, options: GenericHmacOptions): string | undefined {
	const { in: where, name } = options.signature;
	const value = where === 'header' ? header(request, name) : request.query?.[name];
	return value === undefined || value === '' ? undefined : value;
}

function decodeDigest(candidate: string, options: GenericHmacOptions): Buffer | undefined {
	const trimmed = candidate.trim();
	if (!trimmed.startsWith(options.prefix)) return undefined;
	const encoded = trimmed.slice(options.prefix.length);
	if (options.encoding === 'hex') {
		return /^(?:[0-9a-fA-F]{2})+$/.test(encoded) ? Buffer.from(encoded, 'hex') : undefined;
	}
	return /^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
}

function checkTimestamp(request: InboundWebhook, options: GenericHmacOptions, nowMs: number): void {
	const rule = options.timestamp;
	if (!rule) return;
	const value = header(request, rule.header);
	if (!value) {
		throw new WebhookRejection('missing_signature', `The ${rule.header} header is missing.`);
	}
	if (!/^\d{1,16}$/.test(value)) {
		throw new WebhookRejection('bad_signature', `The ${rule.header} header is not a Unix time.`);
	}
	const sentMs = rule.unit === 'seconds' ? Number(value) * 1000 : Number(value);
	if (Math.abs(nowMs - sentMs) > rule.toleranceSeconds * 1000) {
		throw new WebhookRejection(
			'stale_timestamp',
			`The ${rule.header} header is more than ${rule.toleranceSeconds} seconds away from now.`,
		);
	}
}

/** Without a signed timestamp header: every event's signed body time must be recent. */
function checkBodyTime(request: InboundWebhook, options: GenericHmacOptions, nowMs: number): void {
	const rule = options.bodyTime;
	if (!rule) return;
	const body = parseJsonBody(request);
	for (const item of Array.isArray(body) ? body : [body]) {
		const sentMs = timeMs(textAt(item, rule.path));
		if (sentMs === undefined) {
			throw new WebhookRejection('malformed_body', `The payload has no time at "${rule.path}" (options.maxAgePath).`);
		}
		checkAge(`"${rule.path}"`, sentMs, rule.maxAgeSeconds, nowMs);
	}
}

function mapEvent(providerEvent: string, options: GenericHmacOptions): CanonicalEventType {
	// The most specific mapping wins: "event/status" before "event".
	const segments = providerEvent.split('/');
	for (let length = segments.length; length > 0; length--) {
		const mapped = options.events[segments.slice(0, length).join('/')];
		if (mapped) return mapped;
	}
	return isCanonicalEventType(providerEvent) ? providerEvent : 'other';
}

function normalizeItem(
	item: unknown,
	index: number,
	batchSize: number,
	request: InboundWebhook,
	options: GenericHmacOptions,
	nowMs: number,
): CanonicalEvent {
	const names = options.eventTypePaths.map((path) => textAt(item, path)).filter((v): v is string => !!v);
	if (names.length === 0) {
		throw new WebhookRejection(
			'malformed_body',
			`The payload names no event at ${options.eventTypePaths.map((p) => `"${p}"`).join(' or ')}.`,
		);
	}
	const providerEvent = names.join('/');
	const source = `generic-hmac:${options.providerName}`;
	const headerId = options.idHeader ? header(request, options.idHeader) : undefined;
	const pathId = textAt(item, options.idPath);
	// A provider id survives retries; without one, the same content is the same event.
	const id = pathId
		? stableEventId(source, 'id', pathId)
		: headerId
			? stableEventId(source, 'header', headerId, batchSize > 1 ? index : '')
			: stableEventId(source, 'body', canonicalJson(item));
	const timestampHeader = options.timestamp ? header(request, options.timestamp.header) : undefined;
	return {
		id,
		provider: options.providerName,
		type: mapEvent(providerEvent, options),
		providerEvent,
		documentId: textAt(item, options.documentIdPath) ?? null,
		documentName: textAt(item, options.documentNamePath),
		signerEmail: textAt(item, options.signerEmailPath),
		occurredAt: toIsoTime(textAt(item, options.occurredAtPath) ?? timestampHeader, nowMs),
		payload: item,
	};
}

export const genericHmacWebhook: WebhookHandler<GenericHmacOptions> = defineWebhookHandler({
	provider: 'generic-hmac',

	parseOptions: parseGenericHmacOptions,

	replayWindowSeconds(options) {
		if (options.timestamp) return 2 * options.timestamp.toleranceSeconds;
		return options.bodyTime ? maxAgeWindow(options.bodyTime.maxAgeSeconds) : Infinity;
	},

	verify(request, secrets, options, nowMs) {
		const offered = offeredSignature(request, options);
		if (!offered) {
			const where = options.signature.in === 'header' ? 'header' : 'query parameter';
			throw new WebhookRejection('missing_signature', `The ${options.signature.name} ${where} is missing.`);
		}
		checkTimestamp(request, options, nowMs);
		const candidates = (options.separator ? offered.split(options.separator) : [offered])
			.map((candidate) => decodeDigest(candidate, options))
			.filter((digest): digest is Buffer => digest !== undefined);
		const message = signedBytes(request, options);
		for (const secret of secrets) {
			const expected = createHmac(options.algorithm, secretKey(secret, options)).update(message).digest();
			if (candidates.some((candidate) => safeEqual(candidate, expected))) {
				checkBodyTime(request, options, nowMs);
				return;
			}
		}
		throw new WebhookRejection(
			'bad_signature',
			`The ${options.signature.name} signature does not match the request for any configured secret.`,
		);
	},

	normalize(request, options, nowMs) {
		const body = parseJsonBody(request);
		// Some providers (PandaDoc) post a list of notifications: one event each.
		const items = Array.isArray(body) ? body : [body];
		if (items.length === 0) throw new WebhookRejection('malformed_body', 'The body is an empty list.');
		return items.map((item, index) => normalizeItem(item, index, items.length, request, options, nowMs));
	},
});
