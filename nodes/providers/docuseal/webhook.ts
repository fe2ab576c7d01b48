/**
 * How DocuSeal calls a webhook (Settings → Webhooks): a JSON POST
 * `{ event_type: "form.completed", timestamp, data }`. DocuSeal offers two ways to prove it
 * sent the request, both set per webhook URL:
 *  - HMAC (default): `X-Docuseal-Signature: <unix seconds>.<hex HMAC-SHA256(secret, "<ts>.<raw body>")>`
 *    keyed with the webhook's HMAC signing secret (`whsec_…`, used as-is), 5-minute window;
 *  - a custom secret header: a header name and value of your choosing, sent verbatim.
 * `timestamp` in the body is the event's creation time and stays the same on every retry; in
 * header mode (where nothing signs a time) its age is what bounds a replay.
 */
import { createHmac } from 'node:crypto';

import type { CanonicalEvent, CanonicalEventType } from '../events';
import {
	checkAge,
	DEFAULT_MAX_AGE_SECONDS,
	firstText,
	header,
	isRecord,
	maxAgeWindow,
	parseJsonBody,
	safeEqual,
	secondsOption,
	stableEventId,
	timeMs,
	toIsoTime,
	defineWebhookHandler,
	WebhookRejection,
	type InboundWebhook,
	type WebhookHandler,
} from '../webhook';

export const SIGNATURE_HEADER = 'x-docuseal-signature';
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** DocuSeal's event types and the canonical type each one means. */
export const DOCUSEAL_EVENT_TYPES: Record<string, CanonicalEventType> = {
	'form.viewed': 'document.viewed',
	'form.completed': 'invite.signed',
	'form.declined': 'invite.declined',
	// A submission is created by sending it: DocuSeal emails the signers at that moment
	// (unless the API call asked it not to).
	'submission.created': 'invite.sent',
	'submission.completed': 'document.completed',
	'submission.expired': 'invite.expired',
	'submission.archived': 'document.deleted',
	// form.started and template.* stay `other`.
};

export type DocusealOptions =
	| { mode: 'hmac'; toleranceSeconds: number }
	| { mode: 'header'; headerName: string; maxAgeSeconds: number };


function verifyHmac(request: InboundWebhook, secrets: readonly string[], toleranceSeconds: number, nowMs: number) {
	const offered = header(request, SIGNATURE_HEADER);
	if (!offered) {
		throw new WebhookRejection('missing_signature', 'The X-Docuseal-Signature header is missing.');
	}
	const match = /^(\d{1,12})\.([0-9a-fA-F]{64})$/.exec(offered.trim());
	if (!match) {
		throw new WebhookRejection(
			'bad_signature',
			'X-Docuseal-Signature must look like "<unix seconds>.<64 hex characters>".',
		);
	}
	const timestamp = Number(match[1]);
	if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) {
		throw new WebhookRejection(
			'stale_timestamp',
			`X-Docuseal-Signature was made at ${timestamp}, outside the ${toleranceSeconds}s window.`,
		);
	}
	const digest = Buffer.from(match[2], 'hex');
	for (const secret of secrets) {
		const expected = createHmac('sha256', secret)
			.update(`${match[1]}.`)
			.update(request.rawBody)
			.digest();
		if (safeEqual(digest, expected)) return;
	}
	throw new WebhookRejection(
		'bad_signature',
		'X-Docuseal-Signature does not match the body for any configured HMAC signing secret.',
	);
}

function verifySecretHeader(
	request: InboundWebhook,
	secrets: readonly string[],
	headerName: string,
	maxAgeSeconds: number,
	nowMs: number,
) {
	const offered = header(request, headerName);
	if (!offered) {
		throw new WebhookRejection('missing_signature', `The ${headerName} header is missing.`);
	}
	const offeredBytes = Buffer.from(offered, 'utf8');
	let matched = false;
	for (const secret of secrets) {
		if (secret !== '' && safeEqual(offeredBytes, Buffer.from(secret, 'utf8'))) matched = true;
	}
	if (!matched) {
		throw new WebhookRejection('bad_signature', `${headerName} does not match any configured secret.`);
	}
	if (maxAgeSeconds > 0) {
		// The header is the same on every request: the body's event time is the only bound.
		const body = parseJsonBody(request);
		const sentMs = isRecord(body) ? timeMs(body.timestamp) : undefined;
		if (sentMs === undefined) throw new WebhookRejection('malformed_body', 'The DocuSeal webhook has no valid "timestamp".');
		checkAge('The DocuSeal event timestamp', sentMs, maxAgeSeconds, nowMs);
	}
}

/**
 * The body without the submission's preview links (`submission_url`, `submission.url`:
 * `/e/<submission slug>`), which show the completed documents to anyone holding them; the slugs
 * themselves go with the registry's stripping. Form events carry them (Submitters::SerializeForWebhook).
 */
function withoutPreviewLinks(body: Record<string, unknown>): Record<string, unknown> {
	if (!isRecord(body.data)) return body;
	const data: Record<string, unknown> = { ...body.data };
	delete data.submission_url;
	if (isRecord(data.submission)) {
		const submission = { ...data.submission };
		delete submission.url;
		data.submission = submission;
	}
	return { ...body, data };
}

export const docusealWebhook: WebhookHandler<DocusealOptions> = defineWebhookHandler({
	provider: 'docuseal',

	parseOptions(raw) {
		const options = isRecord(raw) ? raw : {};
		const mode = options.mode ?? 'hmac';
		if (mode === 'header') {
			const name = options.headerName;
			if (typeof name !== 'string' || !/^[A-Za-z0-9-]+$/.test(name)) {
				throw new Error(
					'options.headerName must be the header name set as the DocuSeal webhook secret key, e.g. "X-Webhook-Secret".',
				);
			}
			return {
				mode: 'header',
				headerName: name.toLowerCase(),
				maxAgeSeconds: secondsOption(options, 'maxAgeSeconds', DEFAULT_MAX_AGE_SECONDS),
			};
		}
		if (mode !== 'hmac') throw new Error('options.mode must be "hmac" (default) or "header".');
		return {
			mode: 'hmac',
			toleranceSeconds: secondsOption(options, 'toleranceSeconds', DEFAULT_TOLERANCE_SECONDS, false),
		};
	},

	replayWindowSeconds(options) {
		return options.mode === 'header' ? maxAgeWindow(options.maxAgeSeconds) : 2 * options.toleranceSeconds;
	},

	verify(request, secrets, options, nowMs) {
		if (options.mode === 'header') {
			verifySecretHeader(request, secrets, options.headerName, options.maxAgeSeconds, nowMs);
		} else verifyHmac(request, secrets, options.toleranceSeconds, nowMs);
	},

	normalize(request, _options, nowMs): CanonicalEvent[] {
		const body = parseJsonBody(request);
		if (!isRecord(body) || typeof body.event_type !== 'string' || !isRecord(body.data)) {
			throw new WebhookRejection(
				'malformed_body',
				'A DocuSeal webhook must be a JSON object with "event_type" and a "data" object.',
			);
		}
		const providerEvent = body.event_type;
		const data = body.data;
		const isForm = providerEvent.startsWith('form.');
		const submission = isRecord(data.submission) ? data.submission : undefined;
		const template = isRecord(data.template) ? data.template : undefined;
		const documentId = isForm
			? firstText(submission?.id) ?? firstText(data.submission_id)
			: providerEvent.startsWith('submission.')
				? firstText(data.id)
				: undefined;
		return [
			{
				// DocuSeal keeps `timestamp` (the event's creation) across retries but re-serializes
				// `data` on each attempt, so the id rests on the event, the record and that time.
				id: stableEventId('docuseal', providerEvent, firstText(data.id) ?? '', firstText(body.timestamp) ?? ''),
				provider: 'docuseal',
				type: DOCUSEAL_EVENT_TYPES[providerEvent] ?? 'other',
				providerEvent,
				documentId: documentId ?? null,
				documentName: firstText(template?.name) ?? firstText(data.name),
				signerEmail: isForm ? firstText(data.email) : undefined,
				occurredAt: toIsoTime(body.timestamp, nowMs),
				// Submitters' slugs and embed links are stripped by the handler registry.
				payload: withoutPreviewLinks(body),
			},
		];
	},
});
