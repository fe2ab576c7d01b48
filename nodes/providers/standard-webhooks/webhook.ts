/**
 * Any provider that signs with the Standard Webhooks scheme, under the standard header
 * names or its own (Signbee sends `X-Signbee-Event-Id`, `X-Signbee-Timestamp`,
 * `X-Signbee-Signature`).
 */
import { isCanonicalEventType, type CanonicalEvent, type CanonicalEventType } from '../events';
import {
	firstText,
	header,
	isRecord,
	parseJsonBody,
	secondsOption,
	stableEventId,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';
import {
	DEFAULT_TOLERANCE_SECONDS,
	STANDARD_HEADER_NAMES,
	verifySignature,
	type StandardWebhookHeaders,
} from './signature';

export interface StandardWebhooksOptions {
	headers: StandardWebhookHeaders;
	toleranceSeconds: number;
}

/** Event names used by Standard-Webhooks-style e-signature providers, and what they mean. */
const EVENT_TYPES: Record<string, CanonicalEventType> = {
	'document.signed': 'document.completed',
	'document.sent': 'invite.sent',
	'document.declined': 'invite.declined',
	'document.expired': 'invite.expired',
	'signature_request.sent': 'invite.sent',
	'signature_request.viewed': 'document.viewed',
	'signature_request.signed': 'invite.signed',
	'signature_request.completed': 'document.completed',
	'signature_request.declined': 'invite.declined',
	'signature_request.expired': 'invite.expired',
	'signer.signed': 'invite.signed',
	'signer.declined': 'invite.declined',
};

export function mapEventType(providerEvent: string): CanonicalEventType {
	return EVENT_TYPES[providerEvent] ?? (isCanonicalEventType(providerEvent) ? providerEvent : 'other');
}

export const standardWebhooks: WebhookHandler<StandardWebhooksOptions> = defineWebhookHandler({
	provider: 'standard-webhooks',

	parseOptions(raw) {
		const options = isRecord(raw) ? raw : {};
		const names = isRecord(options.headers) ? options.headers : {};
		const headers = { ...STANDARD_HEADER_NAMES };
		for (const key of ['id', 'timestamp', 'signature'] as const) {
			const value = names[key];
			if (value === undefined) continue;
			if (typeof value !== 'string' || !/^[A-Za-z0-9-]+$/.test(value)) {
				throw new Error(`options.headers.${key} must be a header name such as "webhook-${key}".`);
			}
			headers[key] = value.toLowerCase();
		}
		return {
			headers,
			toleranceSeconds: secondsOption(options, 'toleranceSeconds', DEFAULT_TOLERANCE_SECONDS, false),
		};
	},

	replayWindowSeconds(options) {
		// The timestamp may be that far in the past or the future.
		return 2 * options.toleranceSeconds;
	},

	verify(request, secrets, options, nowMs) {
		verifySignature(
			{
				id: header(request, options.headers.id),
				timestamp: header(request, options.headers.timestamp),
				signature: header(request, options.headers.signature),
				body: request.rawBody,
			},
			secrets,
			nowMs,
			options.toleranceSeconds,
		);
	},

	normalize(request: InboundWebhook, options, nowMs): CanonicalEvent[] {
		const body = parseJsonBody(request);
		if (!isRecord(body)) throw new WebhookRejection('malformed_body', 'The body must be a JSON object.');
		const data = isRecord(body.data) ? body.data : body;
		const providerEvent = firstText(body.type, body.event, body.event_type);
		if (!providerEvent) {
			throw new WebhookRejection('malformed_body', 'The payload names no event ("type" or "event").');
		}
		const webhookId = header(request, options.headers.id) ?? '';
		return [
			{
				id: stableEventId('standard-webhooks', webhookId),
				provider: 'standard-webhooks',
				type: mapEventType(providerEvent),
				providerEvent,
				documentId:
					firstText(data.document_id, data.documentId, body.document_id, data.envelope_id) ?? null,
				documentName: firstText(data.document_name, data.documentName, data.title, data.name),
				signerEmail: firstText(data.signer_email, data.signerEmail, data.email, body.signer_email),
				occurredAt: toIsoTime(
					body.timestamp ?? data.signed_at ?? header(request, options.headers.timestamp),
					nowMs,
				),
				payload: body,
			},
		];
	},
});
