/**
 * The "provider" side: unique, correctly signed callbacks exactly as SignNow and a
 * Standard Webhooks provider send them, each with the canonical id the relay must give it
 * (computed with the same pure provider functions the relay uses).
 */
import { randomBytes } from 'node:crypto';

import { signBody, signNowWebhook } from '../../../nodes/providers/signnow/webhook';
import { generateSecret, signedHeaders } from '../../../nodes/providers/standard-webhooks/signature';
import { standardWebhooks } from '../../../nodes/providers/standard-webhooks/webhook';

export type ProviderKind = 'signnow' | 'standard-webhooks';

export interface SourceSpec {
	/** The source name in `/ingest/:source`. */
	name: string;
	/** `docusign`: a source fed by the DocuSign simulator's own Connect messages (scenario 13). */
	provider: ProviderKind | 'docusign';
	secrets: string[];
	/** The source's `reconcile` settings in RELAY_SOURCES, when it reconciles. */
	reconcile?: Record<string, unknown>;
}

export interface GeneratedEvent {
	/** Unique per generated event: its document id, which the delivered canonical event carries. */
	key: string;
	source: string;
	provider: ProviderKind;
	/** The canonical event id (= the `webhook-id` of every delivery). */
	canonicalId: string;
	body: Buffer;
	/**
	 * Headers for one send. A function because a Standard Webhooks provider signs each
	 * attempt with the current timestamp; SignNow's retry is byte-identical.
	 */
	headers(nowMs?: number): Record<string, string>;
}

export function newSignNowSource(name = `signnow-${randomBytes(3).toString('hex')}`): SourceSpec {
	return { name, provider: 'signnow', secrets: [randomBytes(24).toString('hex')] };
}

export function newStandardSource(name = `stdwh-${randomBytes(3).toString('hex')}`): SourceSpec {
	return { name, provider: 'standard-webhooks', secrets: [generateSecret()] };
}

/** Pads a payload to about `bytes` with a note field (real callbacks vary in size too). */
function padding(targetBytes: number, currentBytes: number): string {
	return 'x'.repeat(Math.max(0, targetBytes - currentBytes));
}

export interface EventOptions {
	/** Approximate body size in bytes (default ~1 KB, like a real SignNow callback). */
	bytes?: number;
	/** Event time in ms (default now). */
	atMs?: number;
	/**
	 * Standard Webhooks only: the `webhook-id` to send (default `msg_<key>`). Two sources
	 * given the same one are two accounts numbering their events alike: colliding ids.
	 */
	webhookId?: string;
}

/** A SignNow `document.complete` callback for a unique document. */
export function signNowEvent(source: SourceSpec, key: string, options: EventOptions = {}): GeneratedEvent {
	const timestamp = Math.floor((options.atMs ?? Date.now()) / 1000);
	const payload = {
		meta: {
			timestamp,
			event: 'document.complete',
			environment: 'https://api.signnow.com',
			initiator_id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
			callback_url: 'https://relay.example.com/ingest/' + source.name,
			access_token: 'secret-access-token-that-must-be-stripped',
		},
		content: {
			document_id: key,
			document_name: `Contract ${key}.pdf`,
			user_id: '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b',
			initiator_id: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
			signer_email: `signer+${key}@example.com`,
			viewer_user_unique_id: null as string | null,
			note: '',
		},
	};
	const base = Buffer.byteLength(JSON.stringify(payload));
	payload.content.note = padding(options.bytes ?? 1024, base);
	const body = Buffer.from(JSON.stringify(payload));
	const [event] = signNowWebhook.normalize({ rawBody: body, headers: { 'content-type': 'application/json' } }, {}, Date.now());
	const signature = signBody(source.secrets[0], body);
	return {
		key,
		source: source.name,
		provider: 'signnow',
		canonicalId: event.id,
		body,
		headers: () => ({ 'content-type': 'application/json', 'x-signnow-signature': signature }),
	};
}

/** A Standard Webhooks `document.signed` event; `msg_<key>` is its webhook-id unless given. */
export function standardEvent(source: SourceSpec, key: string, options: EventOptions = {}): GeneratedEvent {
	const webhookId = options.webhookId ?? `msg_${key}`;
	const payload = {
		type: 'document.signed',
		timestamp: new Date(options.atMs ?? Date.now()).toISOString(),
		data: {
			document_id: key,
			title: `Contract ${key}`,
			signer_email: `signer+${key}@example.com`,
			note: '',
		},
	};
	const base = Buffer.byteLength(JSON.stringify(payload));
	payload.data.note = padding(options.bytes ?? 1024, base);
	const body = Buffer.from(JSON.stringify(payload));
	const headers = {
		'content-type': 'application/json',
		'webhook-id': webhookId,
		'webhook-timestamp': '0',
		'webhook-signature': 'v1,',
	};
	const [event] = standardWebhooksNormalize(body, headers);
	return {
		key,
		source: source.name,
		provider: 'standard-webhooks',
		canonicalId: event.id,
		body,
		headers: (nowMs = Date.now()) => ({
			'content-type': 'application/json',
			...signedHeaders(source.secrets[0], webhookId, Math.floor(nowMs / 1000), body),
		}),
	};
}

function standardWebhooksNormalize(body: Buffer, headers: Record<string, string>) {
	return standardWebhooks.normalize(
		{ rawBody: body, headers },
		standardWebhooks.parseOptions({}),
		Date.now(),
	);
}

export function makeEvent(source: SourceSpec, key: string, options: EventOptions = {}): GeneratedEvent {
	return source.provider === 'signnow' ? signNowEvent(source, key, options) : standardEvent(source, key, options);
}

/** `count` unique events for `source`, keys `<prefix>-<n>`. */
export function makeEvents(
	source: SourceSpec,
	prefix: string,
	count: number,
	options: EventOptions = {},
): GeneratedEvent[] {
	return Array.from({ length: count }, (_, n) => makeEvent(source, `${prefix}-${n}`, options));
}
