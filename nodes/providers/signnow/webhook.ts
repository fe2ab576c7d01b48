/**
 * How SignNow signs and shapes its event-subscription callbacks (webhooks 2.0).
 * Body: `{ meta: { timestamp, event, environment, initiator_id, callback_url, access_token },
 * content: { document_id, document_name, user_id, … } }`, signed with
 * `X-SignNow-Signature` = HMAC-SHA256(raw body, secret_key).
 * The signature covers no time of its own, but the signed body does (`meta.timestamp`, unix
 * seconds, the same on every retry): its age bounds how long a captured callback can be
 * replayed (`options.maxAgeSeconds`).
 */
import { createHmac } from 'node:crypto';

import type { CanonicalEvent, CanonicalEventType } from '../events';
import {
	canonicalJson,
	checkAge,
	DEFAULT_MAX_AGE_SECONDS,
	firstText,
	header,
	isRecord,
	parseJsonBody,
	maxAgeWindow,
	safeEqual,
	secondsOption,
	stableEventId,
	stripTokens,
	timeMs,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';

export const SIGNATURE_HEADER = 'x-signnow-signature';

/** SignNow's event names (document- and user-level) and the canonical type each one means. */
export const SIGNNOW_EVENT_TYPES: Record<string, CanonicalEventType> = {
	'document.complete': 'document.completed',
	'user.document.complete': 'document.completed',
	'document.open': 'document.viewed',
	'user.document.open': 'document.viewed',
	'document.update': 'document.updated',
	'user.document.update': 'document.updated',
	'document.delete': 'document.deleted',
	'user.document.delete': 'document.deleted',
	'document.fieldinvite.create': 'invite.sent',
	'user.document.fieldinvite.create': 'invite.sent',
	'document.freeform.create': 'invite.sent',
	'user.document.freeform.create': 'invite.sent',
	'document.fieldinvite.signed': 'invite.signed',
	'user.document.fieldinvite.signed': 'invite.signed',
	'document.freeform.signed': 'invite.signed',
	'user.document.freeform.signed': 'invite.signed',
	'document.fieldinvite.decline': 'invite.declined',
	'user.document.fieldinvite.decline': 'invite.declined',
	'document.freeform.decline': 'invite.declined',
	'user.document.freeform.decline': 'invite.declined',
	'document.fieldinvite.expired': 'invite.expired',
	'user.document.fieldinvite.expired': 'invite.expired',
};

/** The signature SignNow sends: lowercase hex of the HMAC-SHA256 of the raw body. */
export function signBody(secret: string, rawBody: Buffer | string): string {
	return createHmac('sha256', secret).update(rawBody).digest('hex');
}

/**
 * Public sources disagree on the encoding (hex in integrations, base64 in SignNow's PHP
 * reference), so both decode to the 32-byte digest before a constant-time compare.
 */
function decodeSignature(value: string): Buffer | undefined {
	const trimmed = value.trim();
	if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
	const decoded = Buffer.from(trimmed, 'base64');
	return decoded.length === 32 ? decoded : undefined;
}


export interface SignNowOptions {
	/**
	 * How old `meta.timestamp` may be; 0 turns the check off. Absent (options built by hand
	 * rather than by parseOptions) means the default, never no check.
	 */
	maxAgeSeconds?: number;
}

function checkTimestamp(request: InboundWebhook, maxAgeSeconds: number, nowMs: number): void {
	const body = parseJsonBody(request);
	const sentMs = isRecord(body) && isRecord(body.meta) ? timeMs(body.meta.timestamp) : undefined;
	if (sentMs === undefined) {
		throw new WebhookRejection('malformed_body', 'The SignNow callback has no valid meta.timestamp.');
	}
	checkAge('meta.timestamp', sentMs, maxAgeSeconds, nowMs);
}

export const signNowWebhook: WebhookHandler<SignNowOptions> = defineWebhookHandler({
	provider: 'signnow',

	parseOptions(raw) {
		const options = isRecord(raw) ? raw : {};
		return { maxAgeSeconds: secondsOption(options, 'maxAgeSeconds', DEFAULT_MAX_AGE_SECONDS) };
	},

	replayWindowSeconds(options) {
		return maxAgeWindow(options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS);
	},

	verify(request, secrets, options, nowMs) {
		const offered = header(request, SIGNATURE_HEADER);
		if (!offered) {
			throw new WebhookRejection('missing_signature', 'The X-SignNow-Signature header is missing.');
		}
		const digest = decodeSignature(offered);
		if (digest) {
			for (const secret of secrets) {
				const expected = createHmac('sha256', secret).update(request.rawBody).digest();
				if (safeEqual(digest, expected)) {
					// Only a signed body's time means anything; checked after the signature.
					const maxAgeSeconds = options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
					if (maxAgeSeconds > 0) checkTimestamp(request, maxAgeSeconds, nowMs);
					return;
				}
			}
		}
		throw new WebhookRejection(
			'bad_signature',
			'X-SignNow-Signature does not match the body for any configured secret key.',
		);
	},

	normalize(request: InboundWebhook, _options, nowMs): CanonicalEvent[] {
		const body = parseJsonBody(request);
		if (!isRecord(body) || !isRecord(body.meta) || typeof body.meta.event !== 'string') {
			throw new WebhookRejection(
				'malformed_body',
				'A SignNow callback must be a JSON object with meta.event.',
			);
		}
		const meta = body.meta;
		const content = isRecord(body.content) ? body.content : {};
		const providerEvent = meta.event as string;
		// SignNow sends no event id; a retry repeats the same event, timestamp and content
		// (tokens left out, as they were before the registry stripped payloads).
		const id = stableEventId(
			'signnow',
			providerEvent,
			firstText(meta.timestamp) ?? '',
			canonicalJson(stripTokens(content)),
		);
		return [
			{
				id,
				provider: 'signnow',
				type: SIGNNOW_EVENT_TYPES[providerEvent] ?? 'other',
				providerEvent,
				documentId: firstText(content.document_id) ?? null,
				documentName: firstText(content.document_name),
				signerEmail: firstText(content.signer_email) ?? firstText(content.email),
				occurredAt: toIsoTime(meta.timestamp, nowMs),
				// Tokens are stripped by the handler registry, for every provider alike.
				payload: body,
			},
		];
	},
});
