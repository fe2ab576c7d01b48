import { createHmac } from 'node:crypto';

import { signOsWebhook, SIGNOS_EVENT_TYPES } from '../../nodes/providers/signos/webhook';
import { WebhookRejection, type InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';
import { listen, type Listening } from '../simulators/shared/http';
import { SignOsSimulator } from '../simulators/signos/server';
import { makePdf } from '../helpers/pdf';

const SECRET = 'whsk_5b0f9d3c2a1e4f6a8b7c9d0e1f2a3b4c';
const NOW = Date.parse('2026-04-01T12:00:00.000Z');
const options = signOsWebhook.parseOptions({});

function payload(event: string, overrides: Record<string, unknown> = {}) {
	return {
		id: 'evt_3f0c6a52-1d1b-4e8e-9c55-2c6f1a0b9e11',
		event,
		createdAt: '2026-04-01T11:59:58.000Z',
		data: {
			documentId: 'doc_a1b2c3',
			title: 'Service Agreement',
			status: 'completed',
			signer: { id: 'rcp_1', email: 'john@acme.com', role: 'signer' },
		},
		...overrides,
	};
}

// Signed as the seed describes: HMAC-SHA256 of the payload, hex, in X-SignOS-Signature.
function request(body: string, signature: string | null = createHmac('sha256', SECRET).update(body).digest('hex')): InboundWebhook {
	return {
		rawBody: Buffer.from(body),
		headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-signos-signature': signature }) },
	};
}

describe('SignOS webhook verification and normalization', () => {
	it('is registered under its provider type', () => {
		expect(webhookHandlers.signos).toBe(signOsWebhook);
	});

	it('accepts a valid webhook and normalizes it', () => {
		const webhook = request(JSON.stringify(payload('document.completed')));
		signOsWebhook.verify(webhook, [SECRET], options, NOW);
		expect(signOsWebhook.normalize(webhook, options, NOW)).toEqual([
			{
				id: expect.stringMatching(/^evt_/),
				provider: 'signos',
				type: 'document.completed',
				providerEvent: 'document.completed',
				documentId: 'doc_a1b2c3',
				documentName: 'Service Agreement',
				signerEmail: 'john@acme.com',
				occurredAt: '2026-04-01T11:59:58.000Z',
				payload: payload('document.completed'),
			},
		]);
	});

	it.each(Object.entries(SIGNOS_EVENT_TYPES))('maps %s to %s', (event, canonical) => {
		const [normalized] = signOsWebhook.normalize(request(JSON.stringify(payload(event))), options, NOW);
		expect(normalized.type).toBe(canonical);
	});

	it('maps the seed\'s document.*, signer.* and approval.* events as documented', () => {
		expect(SIGNOS_EVENT_TYPES).toMatchObject({
			'document.completed': 'document.completed',
			'document.voided': 'document.deleted',
			'document.expired': 'invite.expired',
			'document.declined': 'invite.declined',
			'signer.signed': 'invite.signed',
			'signer.declined': 'invite.declined',
			'signer.otp_verified': 'document.viewed',
			'approval.approved': 'document.updated',
			'approval.rejected': 'invite.declined',
		});
		const [unknown] = signOsWebhook.normalize(request(JSON.stringify(payload('template.created'))), options, NOW);
		expect(unknown.type).toBe('other');
	});

	it('gives a retry the same id and another event a different one', () => {
		const body = JSON.stringify(payload('signer.signed'));
		const [first] = signOsWebhook.normalize(request(body), options, NOW);
		const [retry] = signOsWebhook.normalize(request(body), options, NOW + 120_000);
		const [other] = signOsWebhook.normalize(request(JSON.stringify(payload('signer.signed', { id: 'evt_other' }))), options, NOW);
		expect(retry.id).toBe(first.id);
		expect(other.id).not.toBe(first.id);
	});

	it('accepts the same digest as base64 or with a sha256= prefix, and either secret during a rotation', () => {
		const body = JSON.stringify(payload('document.sent'));
		const base64 = createHmac('sha256', SECRET).update(body).digest('base64');
		const hex = createHmac('sha256', SECRET).update(body).digest('hex');
		expect(() => signOsWebhook.verify(request(body, base64), [SECRET], options, NOW)).not.toThrow();
		expect(() => signOsWebhook.verify(request(body, `sha256=${hex}`), ['old', SECRET], options, NOW)).not.toThrow();
	});

	it('rejects tampered, wrong-secret, missing and malformed signatures', () => {
		const body = JSON.stringify(payload('document.completed'));
		const signature = createHmac('sha256', SECRET).update(body).digest('hex');
		const tampered = request(body.replace('doc_a1b2c3', 'doc_zzzzzz'), signature);
		expect(rejection(() => signOsWebhook.verify(tampered, [SECRET], options, NOW)).reason).toBe('bad_signature');
		expect(rejection(() => signOsWebhook.verify(request(body), ['wrong-secret'], options, NOW)).reason).toBe('bad_signature');
		expect(rejection(() => signOsWebhook.verify(request(body, 'abc123'), [SECRET], options, NOW)).reason).toBe('bad_signature');
		const missing = rejection(() => signOsWebhook.verify(request(body, null), [SECRET], options, NOW));
		expect(missing.reason).toBe('missing_signature');
		expect(missing.status).toBe(401);
	});

	it('rejects a replay whose signed createdAt is older than the window', () => {
		const body = JSON.stringify(payload('document.completed'));
		const later = Date.parse('2026-04-01T11:59:58.000Z') + 3 * 86_400_000 + 1;
		expect(rejection(() => signOsWebhook.verify(request(body), [SECRET], options, later)).reason).toBe('stale_timestamp');
		const off = signOsWebhook.parseOptions({ maxAgeSeconds: 0 });
		expect(() => signOsWebhook.verify(request(body), [SECRET], off, later)).not.toThrow();
	});

	it('rejects a correctly signed body that is not JSON or names no event', () => {
		expect(rejection(() => signOsWebhook.normalize(request('<xml/>'), options, NOW)).status).toBe(400);
		expect(rejection(() => signOsWebhook.normalize(request('{"data":{}}'), options, NOW)).message).toMatch(/names no event/);
		expect(rejection(() => signOsWebhook.verify(request('[1,2]'), [SECRET], options, NOW)).reason).toBe('malformed_body');
	});

	it('explains bad options', () => {
		expect(() => signOsWebhook.parseOptions({ maxAgeSeconds: 'a day' })).toThrow(/maxAgeSeconds must be a number/);
		expect(() => signOsWebhook.parseOptions(7)).toThrow(/must be an object/);
	});
});

describe('SignOS simulator webhooks, verified by the SignOS module', () => {
	let simulator: SignOsSimulator;
	let receiver: Listening;
	const received: InboundWebhook[] = [];
	let failFirst = 0;

	beforeAll(async () => {
		simulator = await new SignOsSimulator({ webhookRetry: { baseMs: 20, attempts: 4 } }).start();
		receiver = await listen((req, res, body) => {
			received.push({ rawBody: body, headers: req.headers as InboundWebhook['headers'] });
			res.writeHead(failFirst-- > 0 ? 503 : 200).end();
		});
	});

	afterAll(async () => {
		await simulator.stop();
		await receiver.close();
	});

	it('signs each delivery so the module accepts it, and re-sends the identical body after a failure', async () => {
		const secret = simulator.addWebhookEndpoint(receiver.url);
		const api = (path: string, init: RequestInit = {}) =>
			fetch(`${simulator.url}${path}`, { ...init, headers: { authorization: `Bearer ${simulator.apiKey}`, ...(init.headers ?? {}) } });
		const presigned = (await (await api('/v1/upload/presigned-url?fileName=a.pdf&contentType=application/pdf')).json()) as { url: string; storageKey: string };
		await fetch(presigned.url, { method: 'PUT', body: makePdf({ pages: [['hi']] }) });
		failFirst = 1;
		const created = await api('/v1/documents', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ title: 'NDA', storageKey: presigned.storageKey, recipients: [{ email: 'a@example.com', role: 'signer' }] }),
		});
		const doc = (await created.json()) as { id: string };
		simulator.signRecipient(doc.id, 'a@example.com');
		await simulator.settled({ retries: true });

		const now = Date.now();
		for (const webhook of received) signOsWebhook.verify(webhook, [secret], options, now);
		const events = received.flatMap((webhook) => signOsWebhook.normalize(webhook, options, now));
		// document.sent failed once and came again later (after the backoff): same body, same id.
		expect(events.map((event) => event.providerEvent).sort()).toEqual(['document.completed', 'document.sent', 'document.sent', 'signer.signed']);
		const sent = events.filter((event) => event.providerEvent === 'document.sent');
		expect(sent[0].id).toBe(sent[1].id);
		const sentBodies = received.filter((_, index) => events[index].providerEvent === 'document.sent');
		expect(sentBodies[0].rawBody.equals(sentBodies[1].rawBody)).toBe(true);
		expect(new Set(events.map((event) => event.id)).size).toBe(3);
		expect(events.find((event) => event.type === 'document.completed')).toMatchObject({ documentId: doc.id, documentName: 'NDA' });
		expect(() => signOsWebhook.verify(received[0], ['another-endpoint-secret'], options, now)).toThrow(WebhookRejection);
	});
});
