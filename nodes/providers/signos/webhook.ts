/**
 * SignOS webhooks (seed 002): JSON POSTs with `X-SignOS-Signature` = HMAC-SHA256 of the raw
 * body with the endpoint's secret. The seed says only "HMAC-SHA256 signed" and names the
 * header; we read it as lowercase hex over the raw body (the common reading of that wording,
 * and the simulator's), and also accept a `sha256=` prefix or base64 of the same digest.
 * No timestamp header is named, so replays are bounded by the signed body's `createdAt`
 * (a window wide enough for SignOS's retries with backoff, inside the relay's dedup window);
 * a signed body without one cannot be bounded and is refused.
 */
import { createHmac } from 'node:crypto';

import type { CanonicalEvent, CanonicalEventType } from '../events';
import {
	canonicalJson,
	checkAge,
	DEFAULT_MAX_AGE_SECONDS,
	header,
	isRecord,
	maxAgeWindow,
	parseJsonBody,
	safeEqual,
	stableEventId,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';

export const SIGNOS_SIGNATURE_HEADER = 'x-signos-signature';

export interface SignOsWebhookOptions {
	/** Events whose signed `createdAt` is older than this are replays; 0 turns it off. */
	maxAgeSeconds: number;
}


/** SignOS's published events (seed 002) plus the lifecycle ones it names, mapped. */
export const SIGNOS_EVENT_TYPES: Record<string, CanonicalEventType> = {
	'document.sent': 'invite.sent',
	'document.viewed': 'document.viewed',
	'document.completed': 'document.completed',
	// Voided = withdrawn by the sender: no longer signable, as a deleted document.
	'document.voided': 'document.deleted',
	'document.expired': 'invite.expired',
	'document.declined': 'invite.declined',
	'signer.signed': 'invite.signed',
	'signer.declined': 'invite.declined',
	// Passing the OTP check is the signer opening the document.
	'signer.otp_verified': 'document.viewed',
	'approval.approved': 'document.updated',
	'approval.rejected': 'invite.declined',
};

export function signSignOsBody(secret: string, rawBody: Buffer | string): string {
	return createHmac('sha256', secret).update(rawBody).digest('hex');
}

function decodeSignature(value: string): Buffer | undefined {
	const trimmed = value.trim().replace(/^sha256=/i, '');
	if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
	if (!/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return undefined;
	return Buffer.from(trimmed, 'base64');
}

function text(...values: unknown[]): string | undefined {
	for (const value of values) {
		if (typeof value === 'string' && value !== '') return value;
		if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	}
	return undefined;
}

interface SignOsEnvelope {
	body: Record<string, unknown>;
	data: Record<string, unknown>;
	event: string;
}

function envelope(request: InboundWebhook): SignOsEnvelope {
	const body = parseJsonBody(request);
	if (!isRecord(body)) throw new WebhookRejection('malformed_body', 'A SignOS webhook must be a JSON object.');
	const event = text(body.event, body.type);
	if (!event) throw new WebhookRejection('malformed_body', 'The SignOS webhook names no event ("event").');
	return { body, data: isRecord(body.data) ? body.data : {}, event };
}

function createdAtMs(body: Record<string, unknown>): number | undefined {
	const value = text(body.createdAt, body.created_at, body.timestamp);
	if (value === undefined) return undefined;
	const numeric = Number(value);
	// Unix seconds or milliseconds, as toIsoTime reads them; otherwise an ISO string.
	const parsed = Number.isFinite(numeric) ? (numeric > 1e12 ? numeric : numeric * 1000) : Date.parse(value);
	return Number.isNaN(parsed) ? undefined : parsed;
}

export const signOsWebhook: WebhookHandler<SignOsWebhookOptions> = defineWebhookHandler({
	provider: 'signos',

	parseOptions(raw) {
		if (raw !== undefined && !isRecord(raw)) throw new Error('SignOS source: options must be an object.');
		const maxAgeSeconds = (isRecord(raw) ? raw.maxAgeSeconds : undefined) ?? DEFAULT_MAX_AGE_SECONDS;
		if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
			throw new Error('SignOS source: options.maxAgeSeconds must be a number of seconds (0 turns the check off).');
		}
		return { maxAgeSeconds };
	},

	replayWindowSeconds(options) {
		return maxAgeWindow(options.maxAgeSeconds);
	},

	verify(request, secrets, options, nowMs) {
		const offered = header(request, SIGNOS_SIGNATURE_HEADER);
		if (!offered) throw new WebhookRejection('missing_signature', 'The X-SignOS-Signature header is missing.');
		const digest = decodeSignature(offered);
		const matches =
			digest !== undefined &&
			secrets.some((secret) => safeEqual(digest, createHmac('sha256', secret).update(request.rawBody).digest()));
		if (!matches) {
			throw new WebhookRejection('bad_signature', 'X-SignOS-Signature does not match the body for any configured secret.');
		}
		if (options.maxAgeSeconds > 0) {
			const created = createdAtMs(envelope(request).body);
			if (created === undefined) {
				throw new WebhookRejection('malformed_body', 'The SignOS webhook has no valid "createdAt": its age cannot be checked.');
			}
			checkAge('The SignOS event createdAt', created, options.maxAgeSeconds, nowMs);
		}
	},

	normalize(request, _options, nowMs): CanonicalEvent[] {
		const { body, data, event } = envelope(request);
		const document = isRecord(data.document) ? data.document : {};
		const signer = isRecord(data.signer) ? data.signer : isRecord(data.recipient) ? data.recipient : {};
		const eventId = text(body.id, body.eventId);
		return [
			{
				// SignOS retries repeat the event id; without one the same signed content is the same event.
				id: eventId
					? stableEventId('signos', eventId)
					: stableEventId('signos', event, text(body.createdAt) ?? '', canonicalJson(data)),
				provider: 'signos',
				type: SIGNOS_EVENT_TYPES[event] ?? 'other',
				providerEvent: event,
				documentId: text(data.documentId, document.id, data.id) ?? null,
				documentName: text(data.title, document.title),
				signerEmail: text(signer.email, data.signerEmail, data.email),
				occurredAt: toIsoTime(text(body.createdAt, body.created_at, body.timestamp), nowMs),
				payload: body,
			},
		];
	},
});
