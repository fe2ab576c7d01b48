/**
 * How Documenso calls a webhook (team settings → Webhooks, or self-hosted): a JSON POST
 * `{ event: "DOCUMENT_COMPLETED", payload: <document with recipients>, createdAt, webhookEndpoint }`
 * carrying the webhook's secret verbatim in `X-Documenso-Secret`. Documenso does not sign
 * the body (no HMAC), so the secret is compared in constant time and nothing more can be
 * proven about the bytes. `createdAt` is stamped when each attempt is sent (retries and
 * manual resends get a fresh one), which is what the freshness window checks.
 */
import type { CanonicalEvent, CanonicalEventType } from '../events';
import {
	firstText,
	header,
	isRecord,
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

export const SECRET_HEADER = 'x-documenso-secret';
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** Documenso's trigger names (as sent in `event`) and the canonical type each one means. */
export const DOCUMENSO_EVENT_TYPES: Record<string, CanonicalEventType> = {
	DOCUMENT_SENT: 'invite.sent',
	DOCUMENT_OPENED: 'document.viewed',
	DOCUMENT_SIGNED: 'invite.signed',
	DOCUMENT_COMPLETED: 'document.completed',
	DOCUMENT_REJECTED: 'invite.declined',
	DOCUMENT_CANCELLED: 'document.deleted',
	RECIPIENT_EXPIRED: 'invite.expired',
	// DOCUMENT_CREATED, DOCUMENT_RECIPIENT_COMPLETED (fires alongside DOCUMENT_SIGNED, and for
	// viewers/approvers too), DOCUMENT_REMINDER_SENT and TEMPLATE_* stay `other`.
};

export interface DocumensoOptions {
	/** How old `createdAt` may be; 0 turns the check off. */
	toleranceSeconds: number;
}

/** Documenso's UI shows the friendly dotted name (`document.completed`); payloads carry the enum. */
export function documensoEventName(value: string): string {
	return value.trim().toUpperCase().replace(/\./g, '_');
}



function recipientsOf(document: Record<string, unknown>): Array<Record<string, unknown>> {
	const list = Array.isArray(document.recipients)
		? document.recipients
		: Array.isArray(document.Recipient)
			? document.Recipient
			: [];
	return list.filter(isRecord);
}

function latestBy(
	recipients: Array<Record<string, unknown>>,
	field: string,
): Record<string, unknown> | undefined {
	let best: Record<string, unknown> | undefined;
	let bestMs = -Infinity;
	for (const recipient of recipients) {
		const ms = Date.parse(String(recipient[field] ?? ''));
		if (!Number.isNaN(ms) && ms > bestMs) {
			best = recipient;
			bestMs = ms;
		}
	}
	return best;
}

/**
 * The payload is the whole document, so which recipient an event is about is inferred from
 * recipient state; when that is ambiguous no signer email is given rather than a wrong one.
 */
function subjectRecipient(
	event: string,
	recipients: Array<Record<string, unknown>>,
): Record<string, unknown> | undefined {
	if (event === 'DOCUMENT_SIGNED' || event === 'DOCUMENT_RECIPIENT_COMPLETED') {
		return latestBy(recipients, 'signedAt');
	}
	if (event === 'DOCUMENT_REJECTED') {
		const rejected = recipients.filter((r) => r.signingStatus === 'REJECTED');
		return rejected.length === 1 ? rejected[0] : latestBy(rejected, 'signedAt');
	}
	if (event === 'RECIPIENT_EXPIRED') return latestBy(recipients, 'expirationNotifiedAt');
	return recipients.length === 1 ? recipients[0] : undefined;
}

/**
 * Documenso sends no event id and re-stamps `createdAt` on every attempt, so the id is the
 * event plus the document's state: what a retry or a resend repeats exactly.
 */
function stateFingerprint(document: Record<string, unknown>): string {
	const recipients = recipientsOf(document).map((r) =>
		[r.id, r.readStatus, r.signingStatus, r.sendStatus, r.signedAt, r.expirationNotifiedAt]
			.map((v) => (v === undefined || v === null ? '' : String(v)))
			.join('|'),
	);
	recipients.sort();
	return [document.status, document.updatedAt, document.completedAt, document.deletedAt, ...recipients]
		.map((v) => (v === undefined || v === null ? '' : String(v)))
		.join('\n');
}

function parseCallback(request: InboundWebhook): {
	event: string;
	document: Record<string, unknown>;
	body: Record<string, unknown>;
} {
	const body = parseJsonBody(request);
	if (!isRecord(body) || typeof body.event !== 'string' || !isRecord(body.payload)) {
		throw new WebhookRejection(
			'malformed_body',
			'A Documenso webhook must be a JSON object with "event" and a "payload" object.',
		);
	}
	return { event: documensoEventName(body.event), document: body.payload, body };
}

export const documensoWebhook: WebhookHandler<DocumensoOptions> = defineWebhookHandler({
	provider: 'documenso',

	parseOptions(raw) {
		const options = isRecord(raw) ? raw : {};
		return { toleranceSeconds: secondsOption(options, 'toleranceSeconds', DEFAULT_TOLERANCE_SECONDS) };
	},

	replayWindowSeconds(options) {
		// `createdAt` may be that far in the past or the future.
		return options.toleranceSeconds > 0 ? 2 * options.toleranceSeconds : Infinity;
	},

	verify(request, secrets, options, nowMs) {
		const offered = header(request, SECRET_HEADER);
		// Documenso sends an empty header when the webhook has no secret: nothing to check against.
		if (!offered) {
			throw new WebhookRejection(
				'missing_signature',
				'The X-Documenso-Secret header is missing or empty: set a secret on the Documenso webhook.',
			);
		}
		const offeredBytes = Buffer.from(offered, 'utf8');
		let matched = false;
		for (const secret of secrets) {
			if (secret !== '' && safeEqual(offeredBytes, Buffer.from(secret, 'utf8'))) matched = true;
		}
		if (!matched) {
			throw new WebhookRejection(
				'bad_signature',
				'X-Documenso-Secret does not match any configured secret.',
			);
		}
		if (options.toleranceSeconds > 0) {
			const { body } = parseCallback(request);
			const sentMs = Date.parse(typeof body.createdAt === 'string' ? body.createdAt : '');
			if (Number.isNaN(sentMs)) {
				throw new WebhookRejection('malformed_body', 'The Documenso webhook has no valid "createdAt".');
			}
			if (Math.abs(nowMs - sentMs) > options.toleranceSeconds * 1000) {
				throw new WebhookRejection(
					'stale_timestamp',
					`The Documenso webhook was sent at ${body.createdAt}, outside the ${options.toleranceSeconds}s window.`,
				);
			}
		}
	},

	normalize(request, _options, nowMs): CanonicalEvent[] {
		const { event, document, body } = parseCallback(request);
		const recipient = subjectRecipient(event, recipientsOf(document));
		const documentId = firstText(document.envelopeId) ?? firstText(document.id) ?? null;
		return [
			{
				id: stableEventId('documenso', event, documentId ?? '', stateFingerprint(document)),
				provider: 'documenso',
				type: DOCUMENSO_EVENT_TYPES[event] ?? 'other',
				providerEvent: event,
				documentId,
				documentName: firstText(document.title),
				signerEmail: recipient ? firstText(recipient.email) : undefined,
				// `createdAt` changes on every attempt; the document's own times do not.
				occurredAt: toIsoTime(
					(event === 'DOCUMENT_COMPLETED' ? document.completedAt : undefined) ??
						(recipient && (event === 'DOCUMENT_SIGNED' || event === 'DOCUMENT_RECIPIENT_COMPLETED')
							? recipient.signedAt
							: undefined) ??
						document.updatedAt ??
						body.createdAt,
					nowMs,
				),
				payload: body,
			},
		];
	},
});
