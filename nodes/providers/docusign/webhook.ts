/**
 * How DocuSign Connect (JSON SIM, Connect 2.0) calls a listener: a JSON POST
 * `{ event: "envelope-completed", apiVersion, uri, retryCount, configurationId, generatedDateTime,
 * data: { accountId, userId, envelopeId, recipientId?, envelopeSummary? } }`.
 * With "Include HMAC signature" on, Connect sends one `X-DocuSign-Signature-<n>` header per
 * active Connect key (n = 1…100): base64 HMAC-SHA256 of the exact body bytes. Any one header
 * matching any configured key proves the message, which is what lets keys rotate.
 * `retryCount` grows on each retry, so the body (and the signature) differ between attempts.
 */
import { createHmac } from 'node:crypto';

import type { CanonicalEvent, CanonicalEventType } from '../events';
import {
	DEFAULT_MAX_AGE_SECONDS,
	FUTURE_SKEW_SECONDS,
	firstText,
	isRecord,
	maxAgeWindow,
	parseJsonBody,
	safeEqual,
	secondsOption,
	stableEventId,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';

export const SIGNATURE_HEADER_PREFIX = 'x-docusign-signature-';
/** DocuSign allows at most 100 Connect HMAC keys, hence at most 100 signature headers. */
const MAX_SIGNATURE_HEADERS = 100;
/**
 * Connect retries failed deliveries for days with the original generatedDateTime; by default
 * they are followed for 60 h, inside the relay's dedup window (a longer window needs a longer
 * RELAY_DEDUP_WINDOW; the relay refuses to start otherwise).
 */
export { DEFAULT_MAX_AGE_SECONDS };

/** Connect's JSON SIM event names and the canonical type each one means. */
export const DOCUSIGN_EVENT_TYPES: Record<string, CanonicalEventType> = {
	'envelope-sent': 'invite.sent',
	'envelope-resent': 'invite.sent',
	'envelope-delivered': 'document.viewed',
	'envelope-completed': 'document.completed',
	'envelope-declined': 'invite.declined',
	'envelope-voided': 'document.deleted',
	'envelope-deleted': 'document.deleted',
	'envelope-discard': 'document.deleted',
	'envelope-purge': 'document.deleted',
	'envelope-corrected': 'document.updated',
	'recipient-sent': 'invite.sent',
	'recipient-resent': 'invite.sent',
	'recipient-delivered': 'document.viewed',
	'recipient-completed': 'invite.signed',
	'recipient-declined': 'invite.declined',
	'recipient-reassign': 'document.updated',
	// envelope-created, recipient-authenticationfailed, recipient-autoresponded,
	// recipient-finish-later, recipient-delegate, template-* and click-agreed stay `other`.
};

export interface DocusignOptions {
	/** How old `generatedDateTime` may be; 0 turns the check off. */
	maxAgeSeconds: number;
}

/** The value Connect puts in each X-DocuSign-Signature-n header for one key. */
export function connectSignature(hmacKey: string, rawBody: Buffer | string): string {
	return createHmac('sha256', hmacKey).update(rawBody).digest('base64');
}

function offeredSignatures(request: InboundWebhook): Buffer[] {
	const digests: Buffer[] = [];
	for (const [name, value] of Object.entries(request.headers)) {
		if (!name.startsWith(SIGNATURE_HEADER_PREFIX)) continue;
		const index = Number(name.slice(SIGNATURE_HEADER_PREFIX.length));
		if (!Number.isInteger(index) || index < 1 || index > MAX_SIGNATURE_HEADERS) continue;
		for (const one of Array.isArray(value) ? value : [value]) {
			if (typeof one !== 'string') continue;
			const decoded = Buffer.from(one.trim(), 'base64');
			if (decoded.length === 32) digests.push(decoded);
		}
	}
	return digests;
}


function parseMessage(request: InboundWebhook): {
	body: Record<string, unknown>;
	event: string;
	data: Record<string, unknown>;
} {
	const body = parseJsonBody(request);
	if (!isRecord(body) || typeof body.event !== 'string' || body.event === '' || !isRecord(body.data)) {
		throw new WebhookRejection(
			'malformed_body',
			'A DocuSign Connect message must be JSON SIM: an object with "event" and a "data" object.',
		);
	}
	return { body, event: body.event, data: body.data };
}

/** The recipient a recipient-* event is about, found in the envelope summary when included. */
function findRecipient(data: Record<string, unknown>): Record<string, unknown> | undefined {
	const recipientId = firstText(data.recipientId);
	const summary = isRecord(data.envelopeSummary) ? data.envelopeSummary : undefined;
	const recipients = summary && isRecord(summary.recipients) ? summary.recipients : undefined;
	if (!recipientId || !recipients) return undefined;
	for (const group of Object.values(recipients)) {
		if (!Array.isArray(group)) continue;
		const found = group.filter(isRecord).find((r) => firstText(r.recipientId) === recipientId);
		if (found) return found;
	}
	return undefined;
}

export const docusignWebhook: WebhookHandler<DocusignOptions> = defineWebhookHandler({
	provider: 'docusign',

	parseOptions(raw) {
		const options = isRecord(raw) ? raw : {};
		return { maxAgeSeconds: secondsOption(options, 'maxAgeSeconds', DEFAULT_MAX_AGE_SECONDS) };
	},

	replayWindowSeconds(options) {
		return maxAgeWindow(options.maxAgeSeconds);
	},

	verify(request, secrets, options, nowMs) {
		const offered = offeredSignatures(request);
		if (offered.length === 0) {
			throw new WebhookRejection(
				'missing_signature',
				'No X-DocuSign-Signature-1 header: tick "Include HMAC Signature" in the Connect configuration.',
			);
		}
		let matched = false;
		for (const key of secrets) {
			const expected = createHmac('sha256', key).update(request.rawBody).digest();
			for (const digest of offered) if (safeEqual(digest, expected)) matched = true;
		}
		if (!matched) {
			throw new WebhookRejection(
				'bad_signature',
				'No X-DocuSign-Signature-n header matches the body for any configured Connect HMAC key.',
			);
		}
		if (options.maxAgeSeconds > 0) {
			const { body } = parseMessage(request);
			const generatedMs = Date.parse(typeof body.generatedDateTime === 'string' ? body.generatedDateTime : '');
			if (Number.isNaN(generatedMs)) {
				throw new WebhookRejection('malformed_body', 'The Connect message has no valid "generatedDateTime".');
			}
			const ageSeconds = (nowMs - generatedMs) / 1000;
			if (ageSeconds < -FUTURE_SKEW_SECONDS || ageSeconds > options.maxAgeSeconds) {
				throw new WebhookRejection(
					'stale_timestamp',
					`The Connect message was generated at ${body.generatedDateTime}, outside the accepted window.`,
				);
			}
		}
	},

	normalize(request, _options, nowMs): CanonicalEvent[] {
		const { body, event, data } = parseMessage(request);
		const summary = isRecord(data.envelopeSummary) ? data.envelopeSummary : undefined;
		const recipient = findRecipient(data);
		const documentId = firstText(data.envelopeId) ?? null;
		return [
			{
				// Everything but retryCount repeats on a retry; these fields identify the event.
				id: stableEventId(
					'docusign',
					event,
					firstText(data.accountId) ?? '',
					documentId ?? '',
					firstText(data.recipientId) ?? '',
					firstText(body.generatedDateTime) ?? '',
				),
				provider: 'docusign',
				type: DOCUSIGN_EVENT_TYPES[event] ?? 'other',
				providerEvent: event,
				documentId,
				documentName: firstText(summary?.emailSubject),
				signerEmail: recipient ? firstText(recipient.email) : undefined,
				occurredAt: toIsoTime(body.generatedDateTime, nowMs),
				payload: body,
			},
		];
	},
});
