import { createHmac, randomBytes } from 'node:crypto';

import { genericHmacWebhook, type GenericHmacOptions } from '../../nodes/providers/generic-hmac/webhook';
import { sign as standardWebhooksSign } from '../../nodes/providers/standard-webhooks/signature';
import type { InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';

const NOW = Date.parse('2026-02-22T10:00:00.000Z');
const NOW_S = Math.floor(NOW / 1000);

function accept(request: InboundWebhook, secrets: string[], options: GenericHmacOptions, now = NOW) {
	genericHmacWebhook.verify(request, secrets, options, now);
	return genericHmacWebhook.normalize(request, options, now);
}

// Each provider is signed here as its own documentation shows, independently of the module.
const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

describe('generic HMAC source: LuxSign-style guide (HMAC-SHA256 hex of the body)', () => {
	const SECRET = 'lux_whsk_8f2c1e0d9b7a';
	const options = genericHmacWebhook.parseOptions({
		providerName: 'luxsign',
		signatureHeader: 'X-LuxSign-Signature',
		eventTypePath: 'event',
		idPath: 'id',
		documentIdPath: 'data.signature_request.document_id',
		documentNamePath: 'data.signature_request.title',
		signerEmailPath: 'data.signer.email',
		occurredAtPath: 'created_at',
		events: {
			'signature_request.sent': 'invite.sent',
			'signature_request.viewed': 'document.viewed',
			'signature_request.signed': 'invite.signed',
			'signature_request.completed': 'document.completed',
			'signature_request.declined': 'invite.declined',
			'signature_request.expired': 'invite.expired',
		},
	});
	const body = (event: string, id = 'evt_01HT9') =>
		JSON.stringify({
			id,
			event,
			created_at: '2026-02-22T09:59:58Z',
			data: { signature_request: { id: 'sr_77', document_id: 'doc_42', title: 'MSA' }, signer: { email: 'ana@example.com' } },
		});
	const request = (raw: string, signature = hmacHex(SECRET, raw)): InboundWebhook => ({
		rawBody: Buffer.from(raw),
		headers: { 'content-type': 'application/json', 'x-luxsign-signature': signature },
	});

	it('is registered under its provider type', () => {
		expect(webhookHandlers['generic-hmac']).toBe(genericHmacWebhook);
	});

	it('accepts a valid callback and normalizes it with the configured paths and map', () => {
		const [event] = accept(request(body('signature_request.completed')), [SECRET], options);
		expect(event).toMatchObject({
			provider: 'luxsign',
			type: 'document.completed',
			providerEvent: 'signature_request.completed',
			documentId: 'doc_42',
			documentName: 'MSA',
			signerEmail: 'ana@example.com',
			occurredAt: '2026-02-22T09:59:58.000Z',
		});
		const [signed] = accept(request(body('signature_request.signed', 'evt_2')), [SECRET], options);
		expect(signed.type).toBe('invite.signed');
		const [unknown] = accept(request(body('signature_request.reminded', 'evt_3')), [SECRET], options);
		expect(unknown.type).toBe('other');
	});

	it('gives a retry the same id (from the body id) and another event a different one', () => {
		const raw = body('signature_request.completed');
		const [first] = accept(request(raw), [SECRET], options);
		const [retry] = accept(request(raw), [SECRET], options, NOW + 60_000);
		const [other] = accept(request(body('signature_request.completed', 'evt_other')), [SECRET], options);
		expect(retry.id).toBe(first.id);
		expect(other.id).not.toBe(first.id);
	});

	it('rejects tampered, wrong-secret, missing and malformed signatures', () => {
		const raw = body('signature_request.completed');
		const tampered = request(raw.replace('doc_42', 'doc_43'), hmacHex(SECRET, raw));
		expect(rejection(() => genericHmacWebhook.verify(tampered, [SECRET], options, NOW)).reason).toBe('bad_signature');
		expect(rejection(() => genericHmacWebhook.verify(request(raw, hmacHex('wrong', raw)), [SECRET], options, NOW)).reason).toBe(
			'bad_signature',
		);
		expect(rejection(() => genericHmacWebhook.verify(request(raw, 'zz-not-hex'), [SECRET], options, NOW)).reason).toBe(
			'bad_signature',
		);
		const unsigned = { rawBody: Buffer.from(raw), headers: {} };
		const missing = rejection(() => genericHmacWebhook.verify(unsigned, [SECRET], options, NOW));
		expect(missing.reason).toBe('missing_signature');
		expect(missing.status).toBe(401);
	});

	it('accepts the signature of either secret during a rotation', () => {
		const raw = body('signature_request.sent');
		expect(() => genericHmacWebhook.verify(request(raw), ['old-secret', SECRET], options, NOW)).not.toThrow();
	});

	it('rejects a signed body that is not JSON or names no event', () => {
		expect(rejection(() => accept(request('not json'), [SECRET], options)).reason).toBe('malformed_body');
		const noEvent = JSON.stringify({ id: 'x', data: {} });
		expect(rejection(() => accept(request(noEvent), [SECRET], options)).message).toMatch(/names no event at "event"/);
	});
});

describe('generic HMAC source: Yousign preset', () => {
	const SECRET = 'yousign-subscription-secret';
	const options = genericHmacWebhook.parseOptions({ preset: 'yousign' });
	const body = (eventName: string, eventId = 'b6c63685-c556-4a30-8fe9-b6f2b187d936') =>
		JSON.stringify({
			event_id: eventId,
			event_name: eventName,
			event_time: '1771754390',
			subscription_id: 'sub-1',
			subscription_description: 'n8n relay',
			sandbox: false,
			data: {
				signature_request: { id: 'sr-9', status: 'done', name: 'Employment contract' },
				signer: { id: 'sg-1', status: 'signed', info: { email: 'jo@example.com' } },
			},
		});
	// developers.yousign.com: "sha256=" + hex HMAC-SHA256 of the raw payload.
	const request = (raw: string, signature = `sha256=${hmacHex(SECRET, raw)}`, retry = '0'): InboundWebhook => ({
		rawBody: Buffer.from(raw),
		headers: { 'content-type': 'application/json', 'x-yousign-signature-256': signature, 'x-yousign-retry': retry, 'x-yousign-issued-at': String(NOW_S) },
	});

	it('accepts a valid webhook and maps Yousign events', () => {
		const [done] = accept(request(body('signature_request.done')), [SECRET], options);
		expect(done).toMatchObject({
			provider: 'yousign',
			type: 'document.completed',
			documentId: 'sr-9',
			documentName: 'Employment contract',
			occurredAt: new Date(1771754390 * 1000).toISOString(),
		});
		const [signer] = accept(request(body('signer.done', 'e-2')), [SECRET], options);
		expect(signer).toMatchObject({ type: 'invite.signed', signerEmail: 'jo@example.com' });
	});

	it('deduplicates a retry by event_id', () => {
		const raw = body('signature_request.done');
		const [first] = accept(request(raw), [SECRET], options);
		const [retry] = accept(request(raw, undefined, '1'), [SECRET], options);
		expect(retry.id).toBe(first.id);
	});

	it('rejects the digest without its "sha256=" prefix, a tampered body and the wrong secret', () => {
		const raw = body('signature_request.done');
		expect(rejection(() => genericHmacWebhook.verify(request(raw, hmacHex(SECRET, raw)), [SECRET], options, NOW)).reason).toBe(
			'bad_signature',
		);
		const tampered = request(raw.replace('"sandbox":false', '"sandbox":true'), `sha256=${hmacHex(SECRET, raw)}`);
		expect(rejection(() => genericHmacWebhook.verify(tampered, [SECRET], options, NOW)).reason).toBe('bad_signature');
		expect(rejection(() => genericHmacWebhook.verify(request(raw), ['other'], options, NOW)).reason).toBe('bad_signature');
	});
});

describe('generic HMAC source: PandaDoc preset (query signature, batched body)', () => {
	const SHARED_KEY = 'pandadoc-shared-key-3e1f';
	const options = genericHmacWebhook.parseOptions({ preset: 'pandadoc' });
	const notifications = [
		{
			event: 'recipient_completed',
			data: {
				id: 'pd-doc-1',
				name: 'Quote #12',
				status: 'document.sent',
				date_modified: '2026-02-22T09:58:00.000000Z',
				action_by: { email: 'buyer@example.com' },
			},
		},
		{
			event: 'document_state_changed',
			data: { id: 'pd-doc-1', name: 'Quote #12', status: 'document.completed', date_modified: '2026-02-22T09:59:00.000000Z' },
		},
	];
	const raw = JSON.stringify(notifications);
	// developers.pandadoc.com: ?signature= hex HMAC-SHA256 of the body with the shared key.
	const request = (body: string, signature?: string): InboundWebhook => ({
		rawBody: Buffer.from(body),
		headers: { 'content-type': 'application/json' },
		query: signature === undefined ? {} : { signature },
	});

	it('verifies the query signature and splits the list into one event each', () => {
		const events = accept(request(raw, hmacHex(SHARED_KEY, raw)), [SHARED_KEY], options);
		expect(events.map((event) => [event.type, event.providerEvent, event.documentId, event.signerEmail])).toEqual([
			['invite.signed', 'recipient_completed/document.sent', 'pd-doc-1', 'buyer@example.com'],
			['document.completed', 'document_state_changed/document.completed', 'pd-doc-1', undefined],
		]);
		expect(events[1].occurredAt).toBe('2026-02-22T09:59:00.000Z');
		expect(events[0].id).not.toBe(events[1].id);
	});

	it('gives each notification of a re-sent list the same id', () => {
		const first = accept(request(raw, hmacHex(SHARED_KEY, raw)), [SHARED_KEY], options);
		const again = accept(request(raw, hmacHex(SHARED_KEY, raw)), [SHARED_KEY], options, NOW + 1000);
		expect(again.map((event) => event.id)).toEqual(first.map((event) => event.id));
	});

	it('rejects a missing, wrong or tampered query signature', () => {
		expect(rejection(() => genericHmacWebhook.verify(request(raw), [SHARED_KEY], options, NOW)).reason).toBe('missing_signature');
		expect(rejection(() => genericHmacWebhook.verify(request(raw, hmacHex('x', raw)), [SHARED_KEY], options, NOW)).reason).toBe(
			'bad_signature',
		);
		const tampered = raw.replace('document.completed', 'document.voided');
		expect(
			rejection(() => genericHmacWebhook.verify(request(tampered, hmacHex(SHARED_KEY, raw)), [SHARED_KEY], options, NOW)).reason,
		).toBe('bad_signature');
	});
});

describe('generic HMAC source: Standard-Webhooks-like scheme under other header names', () => {
	const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
	const options = genericHmacWebhook.parseOptions({
		providerName: 'acme-sign',
		signatureHeader: 'X-Acme-Signature',
		idHeader: 'X-Acme-Id',
		timestampHeader: 'X-Acme-Timestamp',
		toleranceSeconds: 300,
		signedPayload: '{id}.{timestamp}.{body}',
		prefix: 'v1,',
		encoding: 'base64',
		signatureSeparator: ' ',
		secretEncoding: 'base64',
		eventTypePath: 'type',
		documentIdPath: 'data.document_id',
	});
	const raw = JSON.stringify({ type: 'document.signed', timestamp: '2026-02-22T09:59:59Z', data: { document_id: 'd-1' } });
	// Signed by the project's Standard Webhooks implementation, a separate code path.
	const request = (id: string, ts: number, body = raw, signature = standardWebhooksSign(SECRET, id, ts, raw)): InboundWebhook => ({
		rawBody: Buffer.from(body),
		headers: { 'content-type': 'application/json', 'x-acme-id': id, 'x-acme-timestamp': String(ts), 'x-acme-signature': signature },
	});

	it('accepts what a Standard Webhooks signer produces, among several signatures', () => {
		const signature = `v1,${randomBytes(32).toString('base64')} ${standardWebhooksSign(SECRET, 'msg_1', NOW_S, raw)}`;
		const [event] = accept(request('msg_1', NOW_S, raw, signature), [SECRET], options);
		expect(event).toMatchObject({ provider: 'acme-sign', providerEvent: 'document.signed', documentId: 'd-1', type: 'other' });
	});

	it('uses the id header for a stable id across retries', () => {
		const [first] = accept(request('msg_1', NOW_S), [SECRET], options);
		const [retry] = accept(request('msg_1', NOW_S + 30, raw, standardWebhooksSign(SECRET, 'msg_1', NOW_S + 30, raw)), [SECRET], options);
		const [other] = accept(request('msg_2', NOW_S, raw, standardWebhooksSign(SECRET, 'msg_2', NOW_S, raw)), [SECRET], options);
		expect(retry.id).toBe(first.id);
		expect(other.id).not.toBe(first.id);
	});

	it('rejects stale and future timestamps, a swapped id, a tampered body and a missing timestamp', () => {
		const old = NOW_S - 301;
		expect(rejection(() => genericHmacWebhook.verify(request('m', old, raw, standardWebhooksSign(SECRET, 'm', old, raw)), [SECRET], options, NOW)).reason).toBe('stale_timestamp');
		const future = NOW_S + 301;
		expect(rejection(() => genericHmacWebhook.verify(request('m', future, raw, standardWebhooksSign(SECRET, 'm', future, raw)), [SECRET], options, NOW)).reason).toBe('stale_timestamp');
		const swapped = request('other-id', NOW_S, raw, standardWebhooksSign(SECRET, 'm', NOW_S, raw));
		expect(rejection(() => genericHmacWebhook.verify(swapped, [SECRET], options, NOW)).reason).toBe('bad_signature');
		const tampered = request('m', NOW_S, raw.replace('d-1', 'd-2'), standardWebhooksSign(SECRET, 'm', NOW_S, raw));
		expect(rejection(() => genericHmacWebhook.verify(tampered, [SECRET], options, NOW)).reason).toBe('bad_signature');
		const noTimestamp = request('m', NOW_S);
		delete noTimestamp.headers['x-acme-timestamp'];
		expect(rejection(() => genericHmacWebhook.verify(noTimestamp, [SECRET], options, NOW)).reason).toBe('missing_signature');
	});

	it('rejects a signature made with the secret read as text instead of base64 key bytes', () => {
		const wrongKey = `v1,${createHmac('sha256', SECRET).update(`m.${NOW_S}.${raw}`).digest('base64')}`;
		expect(rejection(() => genericHmacWebhook.verify(request('m', NOW_S, raw, wrongKey), [SECRET], options, NOW)).reason).toBe(
			'bad_signature',
		);
	});
});

describe('generic HMAC source: sha512, base64 and a {timestamp}.{body} template', () => {
	const SECRET = 'five-twelve';
	const options = genericHmacWebhook.parseOptions({
		signatureHeader: 'Signature',
		algorithm: 'sha512',
		encoding: 'base64',
		timestampHeader: 'Timestamp',
		timestampUnit: 'milliseconds',
		toleranceSeconds: 60,
		signedPayload: '{timestamp}.{body}',
	});
	const raw = JSON.stringify({ event: 'document.completed', id: 1 });
	const sign512 = (ts: number, body: string, secret = SECRET) =>
		createHmac('sha512', secret).update(`${ts}.${body}`).digest('base64');

	it('accepts a valid request and passes a canonical event name through', () => {
		const request = { rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json', timestamp: String(NOW), signature: sign512(NOW, raw) } };
		const [event] = accept(request, [SECRET], options);
		expect(event).toMatchObject({ provider: 'generic-hmac', type: 'document.completed', occurredAt: new Date(NOW).toISOString() });
	});

	it('rejects a sha256 digest, a stale millisecond timestamp and the wrong secret', () => {
		const sha256 = createHmac('sha256', SECRET).update(`${NOW}.${raw}`).digest('base64');
		const base = (signature: string, ts = NOW) => ({ rawBody: Buffer.from(raw), headers: { 'content-type': 'application/json', timestamp: String(ts), signature } });
		expect(rejection(() => genericHmacWebhook.verify(base(sha256), [SECRET], options, NOW)).reason).toBe('bad_signature');
		expect(rejection(() => genericHmacWebhook.verify(base(sign512(NOW - 61_000, raw), NOW - 61_000), [SECRET], options, NOW)).reason).toBe('stale_timestamp');
		expect(rejection(() => genericHmacWebhook.verify(base(sign512(NOW, raw, 'x')), [SECRET], options, NOW)).reason).toBe('bad_signature');
	});
});

describe('generic HMAC source options', () => {
	it.each([
		[{}, /exactly one of options.signatureHeader/],
		[{ signatureHeader: 'X-Sig', signatureQueryParameter: 'signature' }, /exactly one/],
		[{ signatureHeader: 'X Sig' }, /signatureHeader must be an HTTP header name/],
		[{ signatureHeader: 'X-Sig', algorithm: 'md5' }, /algorithm must be one of "sha256", "sha512"/],
		[{ signatureHeader: 'X-Sig', encoding: 'hexadecimal' }, /encoding must be one of/],
		[{ signatureHeader: 'X-Sig', signedPayload: '{timestamp}' }, /\{body\} exactly once/],
		[{ signatureHeader: 'X-Sig', signedPayload: '{nonce}.{body}' }, /"\{nonce\}" is unknown/],
		[{ signatureHeader: 'X-Sig', signedPayload: '{timestamp}.{body}' }, /set options.timestampHeader too/],
		[{ signatureHeader: 'X-Sig', timestampHeader: 'X-Ts' }, /cannot stop replays/],
		[{ signatureHeader: 'X-Sig', signedPayload: '{id}.{body}' }, /set options.idHeader too/],
		[{ signatureHeader: 'X-Sig', events: { done: 'finished' } }, /events\["done"\] must be a canonical event type/],
		[{ signatureHeader: 'X-Sig', eventTypePath: 'a..b' }, /eventTypePath must be a dotted JSON path/],
		[{ signatureHeader: 'X-Sig', toleranceSeconds: 0 }, /toleranceSeconds must be a positive number/],
		[{ preset: 'docusign' }, /preset must be one of "yousign", "pandadoc"/],
		[{ signatureHeader: 'X-Sig', providerName: 'Acme Sign' }, /providerName must be lower-case/],
	])('rejects %j with a readable message', (raw, message) => {
		expect(() => genericHmacWebhook.parseOptions(raw)).toThrow(message);
	});

	it('lets explicit options override a preset and extend its event map', () => {
		const options = genericHmacWebhook.parseOptions({
			preset: 'yousign',
			signatureHeader: 'X-Proxy-Signature',
			events: { 'signer.notified': 'other' },
		});
		expect(options.signature).toEqual({ in: 'header', name: 'x-proxy-signature' });
		expect(options.prefix).toBe('sha256=');
		expect(options.events['signer.notified']).toBe('other');
		expect(options.events['signature_request.done']).toBe('document.completed');
	});
});
