/**
 * Legalesign's v1 (legacy) callbacks, both form POSTs (application/x-www-form-urlencoded):
 *
 * - the batched "all" callback, every 6 minutes: `data` = a JSON list of status changes,
 *   `signed` = base64 RSA-SHA1 signature of the `data` string, checked against Legalesign's
 *   X.509 certificate (legalesign.com, "How to verify callback data");
 * - the realtime "signed" callback: `resource_uri`, `group`, `name`, `uuid`, `tag`. When
 *   Legalesign adds `json_signed` and an `X-Signed` header it is verified like the batch;
 *   without them it carries no signature, so it is accepted only with a secret token in the
 *   callback URL's query string, compared in constant time.
 *
 * The source's secrets are Legalesign's certificate(s) in PEM (several during a rotation)
 * and, for the unsigned realtime callback, one or more URL tokens.
 */
import { createVerify, X509Certificate, type KeyObject } from 'node:crypto';

import type { CanonicalEvent } from '../events';
import {
	checkJsonDepth,
	DEFAULT_MAX_AGE_SECONDS,
	header,
	isRecord,
	maxAgeWindow,
	safeEqual,
	stableEventId,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';
import { canonicalTypeOf, parseResourceUri } from './statuses';

export interface LegalesignOptions {
	/** Query parameter that carries the token of the unsigned realtime callback. */
	tokenParameter: string;
	/** Batches whose newest change is older than this are replays; 0 turns the check off. */
	maxAgeSeconds: number;
}

export const SIGNED_HEADER = 'x-signed';
/**
 * Legalesign writes its times without a zone (read as UTC); allow them to run ahead of our
 * clock by two hours, in case they are UK local time.
 */
const FUTURE_SKEW_SECONDS = 2 * 60 * 60;
const MIN_TOKEN_LENGTH = 24;

export interface StatusChange {
	timestamp: string;
	name: string;
	value: string;
	resource_uri: string;
}

const certificateKeys = new Map<string, KeyObject>();

function isCertificate(secret: string): boolean {
	return secret.includes('-----BEGIN CERTIFICATE-----');
}

function publicKeyOf(pem: string): KeyObject {
	let key = certificateKeys.get(pem);
	if (!key) {
		let reason = '';
		try {
			key = new X509Certificate(pem).publicKey;
		} catch (error) {
			reason = (error as Error).message;
		}
		// A configuration fault, not a forged request: fail loudly so the callback is retried.
		if (!key) throw new Error(`A Legalesign certificate secret cannot be read as PEM X.509: ${reason}`);
		certificateKeys.set(pem, key);
	}
	return key;
}

/** True when one of the certificates' keys made `signatureBase64` over `data` with RSA-SHA1. */
export function verifyRsaSha1(data: string, signatureBase64: string, secrets: readonly string[]): boolean {
	const compact = signatureBase64.replace(/\s+/g, '');
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return false;
	const signature = Buffer.from(compact, 'base64');
	return secrets.filter(isCertificate).some((pem) =>
		createVerify('sha1').update(data, 'utf8').verify(publicKeyOf(pem), signature),
	);
}

function readForm(request: InboundWebhook): URLSearchParams {
	const contentType = (header(request, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
	if (contentType !== 'application/x-www-form-urlencoded') {
		throw new WebhookRejection(
			'unsupported_media_type',
			`Legalesign callbacks are form POSTs (application/x-www-form-urlencoded), not "${contentType || 'no content type'}".`,
		);
	}
	return new URLSearchParams(request.rawBody.toString('utf8'));
}

/** Legalesign writes "YYYY-mm-ddTH:M:S" without a zone; read it as UTC, not local time. */
export function legalesignTime(value: string): number {
	const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`;
	return Date.parse(zoned);
}

const NOT_JSON = Symbol('not JSON');

function parseJsonField(text: string): unknown {
	checkJsonDepth(text);
	try {
		return JSON.parse(text);
	} catch {
		// Only JSON.parse can throw here, and only for text that is not JSON.
		return NOT_JSON;
	}
}

export function parseChanges(data: string): StatusChange[] {
	const parsed = parseJsonField(data);
	if (parsed === NOT_JSON) {
		throw new WebhookRejection('malformed_body', 'The "data" field of a Legalesign callback is not JSON.');
	}
	if (!Array.isArray(parsed)) {
		throw new WebhookRejection('malformed_body', 'The "data" field must be a JSON list of status changes.');
	}
	return parsed.map((entry, index) => {
		const change = isRecord(entry) ? entry : {};
		const fields = ['timestamp', 'name', 'value', 'resource_uri'] as const;
		const values = fields.map((field) => change[field]);
		if (!values.every((v) => typeof v === 'string' || typeof v === 'number') || !parseResourceUri(String(change.resource_uri))) {
			throw new WebhookRejection(
				'malformed_body',
				`Change ${index} in "data" needs timestamp, name, value and a /api/v1/document|signer/<id>/ resource_uri.`,
			);
		}
		if (Number.isNaN(legalesignTime(String(change.timestamp)))) {
			throw new WebhookRejection('malformed_body', `Change ${index} in "data" has an unreadable timestamp.`);
		}
		return {
			timestamp: String(change.timestamp),
			name: String(change.name),
			value: String(change.value),
			resource_uri: String(change.resource_uri),
		};
	});
}

function verifyBatch(form: URLSearchParams, secrets: readonly string[], options: LegalesignOptions, nowMs: number): void {
	const data = form.get('data');
	const signed = form.get('signed');
	if (!signed) throw new WebhookRejection('missing_signature', 'The batched callback has no "signed" field.');
	if (data === null) throw new WebhookRejection('malformed_body', 'The batched callback has no "data" field.');
	if (!secrets.some(isCertificate)) {
		throw new WebhookRejection('bad_signature', 'No Legalesign certificate is configured for this source.');
	}
	if (!verifyRsaSha1(data, signed, secrets)) {
		throw new WebhookRejection('bad_signature', 'The "signed" field does not verify "data" against any configured certificate.');
	}
	const changes = parseChanges(data);
	if (options.maxAgeSeconds > 0 && changes.length > 0) {
		const newest = Math.max(...changes.map((change) => legalesignTime(change.timestamp)));
		if (nowMs - newest > options.maxAgeSeconds * 1000 || newest - nowMs > FUTURE_SKEW_SECONDS * 1000) {
			throw new WebhookRejection(
				'stale_timestamp',
				`The newest change in this batch is more than ${options.maxAgeSeconds} seconds old (or in the future): a replay.`,
			);
		}
	}
}

function verifyRealtime(
	request: InboundWebhook,
	form: URLSearchParams,
	secrets: readonly string[],
	options: LegalesignOptions,
): void {
	const jsonSigned = form.get('json_signed');
	const xSigned = header(request, SIGNED_HEADER);
	if (jsonSigned !== null && xSigned) {
		if (!verifyRsaSha1(jsonSigned, xSigned, secrets)) {
			throw new WebhookRejection('bad_signature', 'X-Signed does not verify "json_signed" against any configured certificate.');
		}
		return;
	}
	const tokens = secrets.filter((secret) => !isCertificate(secret) && secret.length >= MIN_TOKEN_LENGTH);
	if (tokens.length === 0) {
		throw new WebhookRejection(
			'missing_signature',
			`This realtime callback is unsigned; configure a URL token secret (${MIN_TOKEN_LENGTH}+ characters) and add ?${options.tokenParameter}=<token> to the callback URL to accept it.`,
		);
	}
	const offered = request.query?.[options.tokenParameter];
	if (!offered) {
		throw new WebhookRejection('missing_signature', `The unsigned realtime callback needs ?${options.tokenParameter}=<token> in its URL.`);
	}
	const offeredBytes = Buffer.from(offered, 'utf8');
	if (!tokens.some((token) => safeEqual(offeredBytes, Buffer.from(token, 'utf8')))) {
		throw new WebhookRejection('bad_signature', `The ${options.tokenParameter} in the callback URL matches no configured token.`);
	}
}

function isBatch(form: URLSearchParams): boolean {
	return form.has('data') || form.has('signed');
}

function normalizeChange(change: StatusChange, nowMs: number): CanonicalEvent {
	const resource = parseResourceUri(change.resource_uri) as { kind: 'document' | 'signer'; id: string };
	const type = canonicalTypeOf(resource.kind, change.name, change.value);
	// A completed document is one event whichever callback (batch or realtime) reports it.
	const id =
		type === 'document.completed'
			? stableEventId('legalesign', 'document.completed', resource.id)
			: stableEventId('legalesign', 'change', change.resource_uri, change.name, change.value, change.timestamp);
	const occurred = legalesignTime(change.timestamp);
	return {
		id,
		provider: 'legalesign',
		type,
		providerEvent: `${resource.kind}.${change.name}.${change.value}`,
		// A signer's change names the signer only; the batch does not say which document.
		documentId: resource.kind === 'document' ? resource.id : null,
		occurredAt: toIsoTime(Number.isNaN(occurred) ? undefined : occurred, nowMs),
		payload: change,
	};
}

function normalizeRealtime(form: URLSearchParams, nowMs: number): CanonicalEvent {
	const jsonSigned = form.get('json_signed');
	let fields: Record<string, unknown> = Object.fromEntries(form.entries());
	if (jsonSigned !== null) {
		const parsed = parseJsonField(jsonSigned);
		if (parsed === NOT_JSON) throw new WebhookRejection('malformed_body', 'The "json_signed" field is not JSON.');
		if (!isRecord(parsed)) throw new WebhookRejection('malformed_body', 'The "json_signed" field must be a JSON object.');
		fields = parsed;
	}
	const uri = typeof fields.resource_uri === 'string' ? parseResourceUri(fields.resource_uri) : undefined;
	const uuid = typeof fields.uuid === 'string' && fields.uuid !== '' ? fields.uuid : uri?.id;
	if (!uuid) {
		throw new WebhookRejection('malformed_body', 'The realtime "signed" callback names no document (uuid or resource_uri).');
	}
	return {
		id: stableEventId('legalesign', 'document.completed', uuid),
		provider: 'legalesign',
		type: 'document.completed',
		providerEvent: 'signed',
		documentId: uuid,
		documentName: typeof fields.name === 'string' && fields.name !== '' ? fields.name : undefined,
		occurredAt: new Date(nowMs).toISOString(),
		payload: fields,
	};
}

export const legalesignWebhook: WebhookHandler<LegalesignOptions> = defineWebhookHandler({
	provider: 'legalesign',

	parseOptions(raw) {
		if (raw !== undefined && !isRecord(raw)) throw new Error('Legalesign source: options must be an object.');
		const options = isRecord(raw) ? raw : {};
		const tokenParameter = options.tokenParameter ?? 'token';
		if (typeof tokenParameter !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(tokenParameter)) {
			throw new Error('Legalesign source: options.tokenParameter must be a query parameter name such as "token".');
		}
		const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
		if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
			throw new Error('Legalesign source: options.maxAgeSeconds must be a number of seconds (0 turns the check off).');
		}
		return { tokenParameter, maxAgeSeconds };
	},

	/**
	 * The batch's window. The realtime "signed" callback carries no time at all: only the dedup
	 * window bounds its replay (docs/relay.md, Security model).
	 */
	replayWindowSeconds(options) {
		return maxAgeWindow(options.maxAgeSeconds, FUTURE_SKEW_SECONDS);
	},

	verify(request, secrets, options, nowMs) {
		const form = readForm(request);
		if (isBatch(form)) verifyBatch(form, secrets, options, nowMs);
		else verifyRealtime(request, form, secrets, options);
	},

	normalize(request, _options, nowMs) {
		const form = readForm(request);
		if (!isBatch(form)) return [normalizeRealtime(form, nowMs)];
		const data = form.get('data');
		if (data === null) throw new WebhookRejection('malformed_body', 'The batched callback has no "data" field.');
		return parseChanges(data).map((change) => normalizeChange(change, nowMs));
	},
});
