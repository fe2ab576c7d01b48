/**
 * How Dropbox Sign (formerly HelloSign) calls an account or API-app callback URL: a
 * `multipart/form-data` POST whose `json` field holds
 * `{ event: { event_time, event_type, event_hash, event_metadata }, signature_request?, … }`.
 * `event_hash` = hex HMAC-SHA256 keyed with the account's API key over `event_time + event_type`
 * (as the official SDKs' EventCallbackHelper computes it). Only those two fields are signed:
 * the rest of the payload cannot be authenticated, by Dropbox Sign's design.
 * The receiver must answer 200 with the body `Hello API Event Received`, or Dropbox Sign
 * treats the delivery as failed and retries it (with the same event_time) for days.
 */
import { createHmac } from 'node:crypto';

import type { CanonicalEvent, CanonicalEventType } from '../events';
import {
	DEFAULT_MAX_AGE_SECONDS,
	FUTURE_SKEW_SECONDS,
	firstText,
	header,
	isRecord,
	maxAgeWindow,
	parseJsonText,
	safeEqual,
	secondsOption,
	stableEventId,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';

export const ACKNOWLEDGEMENT_BODY = 'Hello API Event Received';
/**
 * Retries keep the original event_time and run for about three days; by default they are
 * followed for 60 h, inside the relay's dedup window (a longer window needs a longer
 * RELAY_DEDUP_WINDOW; the relay refuses to start otherwise).
 */
export { DEFAULT_MAX_AGE_SECONDS };

/** Dropbox Sign's event types and the canonical type each one means. */
export const DROPBOX_SIGN_EVENT_TYPES: Record<string, CanonicalEventType> = {
	signature_request_sent: 'invite.sent',
	signature_request_viewed: 'document.viewed',
	signature_request_signed: 'invite.signed',
	signature_request_all_signed: 'document.completed',
	signature_request_declined: 'invite.declined',
	signature_request_expired: 'invite.expired',
	signature_request_canceled: 'document.deleted',
	signature_request_destroyed: 'document.deleted',
	signature_request_reassigned: 'document.updated',
	signature_request_signer_removed: 'document.updated',
	// signature_request_downloadable (PDF ready after all_signed), _remind, _email_bounce,
	// _invalid, _prepared, _incomplete_qes, file_error, unknown_error, sign_url_invalid,
	// template_*, account_confirmed and callback_test stay `other`.
};

export interface DropboxSignOptions {
	/** How old `event_time` may be; 0 turns the check off. */
	maxAgeSeconds: number;
}

/** The hash Dropbox Sign puts in `event.event_hash`. */
export function eventHash(apiKey: string, eventTime: string, eventType: string): string {
	return createHmac('sha256', apiKey).update(`${eventTime}${eventType}`).digest('hex');
}

function contentType(request: InboundWebhook): string {
	return (header(request, 'content-type') ?? '').toLowerCase();
}

/** The `json` field of a multipart/form-data body, or undefined when there is none. */
function multipartField(rawBody: Buffer, boundary: string, name: string): string | undefined {
	const delimiter = Buffer.from(`--${boundary}`);
	let start = rawBody.indexOf(delimiter);
	while (start !== -1) {
		const next = rawBody.indexOf(delimiter, start + delimiter.length);
		if (next === -1) return undefined;
		const part = rawBody.subarray(start + delimiter.length, next);
		const headerEnd = part.indexOf('\r\n\r\n');
		if (headerEnd !== -1) {
			const headers = part.subarray(0, headerEnd).toString('utf8');
			const named = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(headers);
			if (named && named[1] === name) {
				// The part's content ends with the CRLF that precedes the next delimiter.
				let content = part.subarray(headerEnd + 4);
				if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
				return content.toString('utf8');
			}
		}
		start = next;
	}
	return undefined;
}

/** The callback's JSON text, whichever way it was posted. */
function callbackJson(request: InboundWebhook): string {
	const type = contentType(request);
	if (type.startsWith('multipart/form-data')) {
		// The boundary is case-sensitive, so it is read from the header as sent.
		const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(header(request, 'content-type') ?? '');
		const value = boundary ? (boundary[1] ?? boundary[2]) : undefined;
		const field = value ? multipartField(request.rawBody, value, 'json') : undefined;
		if (field === undefined) {
			throw new WebhookRejection('malformed_body', 'The multipart callback has no "json" field.');
		}
		return field;
	}
	if (type.startsWith('application/x-www-form-urlencoded')) {
		const field = new URLSearchParams(request.rawBody.toString('utf8')).get('json');
		if (field === null) {
			throw new WebhookRejection('malformed_body', 'The form callback has no "json" field.');
		}
		return field;
	}
	if (type.startsWith('application/json') || type === '') return request.rawBody.toString('utf8');
	throw new WebhookRejection(
		'unsupported_media_type',
		`Dropbox Sign posts callbacks as multipart/form-data with a "json" field, not ${type}.`,
	);
}

interface ParsedCallback {
	body: Record<string, unknown>;
	event: Record<string, unknown>;
	eventTime: string;
	eventType: string;
	eventHashValue: string;
}

function parseCallback(request: InboundWebhook): ParsedCallback {
	const body = parseJsonText(callbackJson(request));
	const event = isRecord(body) && isRecord(body.event) ? body.event : undefined;
	const eventTime = event && (typeof event.event_time === 'number' ? String(event.event_time) : event.event_time);
	if (
		!isRecord(body) ||
		!event ||
		typeof eventTime !== 'string' ||
		!/^\d{1,12}$/.test(eventTime) ||
		typeof event.event_type !== 'string' ||
		event.event_type === '' ||
		typeof event.event_hash !== 'string'
	) {
		throw new WebhookRejection(
			'malformed_body',
			'A Dropbox Sign callback needs event.event_time (unix seconds), event.event_type and event.event_hash.',
		);
	}
	return { body, event, eventTime, eventType: event.event_type, eventHashValue: event.event_hash };
}


export const dropboxSignWebhook: WebhookHandler<DropboxSignOptions> = defineWebhookHandler({
	provider: 'dropbox-sign',

	acknowledgement: { contentType: 'text/plain', body: ACKNOWLEDGEMENT_BODY },

	parseOptions(raw) {
		const options = isRecord(raw) ? raw : {};
		return { maxAgeSeconds: secondsOption(options, 'maxAgeSeconds', DEFAULT_MAX_AGE_SECONDS) };
	},

	replayWindowSeconds(options) {
		return maxAgeWindow(options.maxAgeSeconds);
	},

	verify(request, secrets, options, nowMs) {
		const { eventTime, eventType, eventHashValue } = parseCallback(request);
		if (!/^[0-9a-fA-F]{64}$/.test(eventHashValue)) {
			throw new WebhookRejection('bad_signature', 'event.event_hash is not a hex SHA-256 digest.');
		}
		const offered = Buffer.from(eventHashValue, 'hex');
		let matched = false;
		for (const apiKey of secrets) {
			const expected = Buffer.from(eventHash(apiKey, eventTime, eventType), 'hex');
			if (safeEqual(offered, expected)) matched = true;
		}
		if (!matched) {
			throw new WebhookRejection(
				'bad_signature',
				'event.event_hash does not match event_time + event_type for any configured API key.',
			);
		}
		const ageSeconds = nowMs / 1000 - Number(eventTime);
		if (ageSeconds < -FUTURE_SKEW_SECONDS || (options.maxAgeSeconds > 0 && ageSeconds > options.maxAgeSeconds)) {
			throw new WebhookRejection(
				'stale_timestamp',
				`event_time ${eventTime} is outside the accepted window (${options.maxAgeSeconds}s old at most).`,
			);
		}
	},

	normalize(request, _options, nowMs): CanonicalEvent[] {
		const { body, event, eventTime, eventType } = parseCallback(request);
		const metadata = isRecord(event.event_metadata) ? event.event_metadata : {};
		const signatureRequest = isRecord(body.signature_request) ? body.signature_request : undefined;
		const relatedSignatureId = firstText(metadata.related_signature_id);
		const signatures = Array.isArray(signatureRequest?.signatures)
			? signatureRequest.signatures.filter(isRecord)
			: [];
		const signer = relatedSignatureId
			? signatures.find((s) => s.signature_id === relatedSignatureId)
			: undefined;
		const documentId = firstText(signatureRequest?.signature_request_id) ?? null;
		return [
			{
				// Every retry repeats event_time, event_type and the signature it concerns.
				id: stableEventId(
					'dropbox-sign',
					eventTime,
					eventType,
					documentId ?? '',
					relatedSignatureId ?? '',
					firstText(metadata.reported_for_app_id) ?? firstText(metadata.reported_for_account_id) ?? '',
				),
				provider: 'dropbox-sign',
				type: DROPBOX_SIGN_EVENT_TYPES[eventType] ?? 'other',
				providerEvent: eventType,
				documentId,
				documentName: firstText(signatureRequest?.title),
				signerEmail: signer ? firstText(signer.signer_email_address) : undefined,
				occurredAt: toIsoTime(eventTime, nowMs),
				payload: body,
			},
		];
	},
});
