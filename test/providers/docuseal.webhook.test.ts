import { createHmac } from 'node:crypto';

import { docusealWebhook } from '../../nodes/providers/docuseal/webhook';
import type { InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';

const HMAC_SECRET = 'whsec_M2Y4ZTk2Yzc1NDJkMWFiMGVmYTc4ZDE2';
const NOW_S = 1_727_000_000;
const NOW = NOW_S * 1000;

function formCompletedBody(overrides: Record<string, unknown> = {}) {
	return {
		event_type: 'form.completed',
		timestamp: '2024-09-22T10:13:20.123Z',
		data: {
			id: 4521,
			submission_id: 1207,
			email: 'john.doe@example.com',
			name: 'John Doe',
			slug: 'gNWy7xzV3zDeXY',
			embed_src: 'https://docuseal.com/s/gNWy7xzV3zDeXY',
			status: 'completed',
			role: 'First Party',
			completed_at: '2024-09-22T10:13:19.000Z',
			submission: { id: 1207, status: 'completed', url: 'https://docuseal.com/e/abc' },
			template: { id: 88, name: 'NDA' },
			documents: [{ name: 'nda', url: 'https://docuseal.com/file/nda.pdf' }],
		},
		...overrides,
	};
}

/** Signed exactly as DocuSeal's WebhookUrls::Signatures.sign does it. */
function signed(body: unknown, options: { secret?: string; timestamp?: number } = {}): InboundWebhook {
	const raw = JSON.stringify(body);
	const ts = options.timestamp ?? NOW_S;
	const hex = createHmac('sha256', options.secret ?? HMAC_SECRET).update(`${ts}.${raw}`).digest('hex');
	return {
		rawBody: Buffer.from(raw),
		headers: {
			'content-type': 'application/json',
			'user-agent': 'DocuSeal.com Webhook',
			'x-docuseal-signature': `${ts}.${hex}`,
		},
	};
}

const hmac = docusealWebhook.parseOptions({});

describe('DocuSeal webhook (HMAC signing secret)', () => {
	it('is registered for the relay under "docuseal"', () => {
		expect(webhookHandlers.docuseal).toBe(docusealWebhook);
	});

	it('accepts a valid signature and normalizes form.completed', () => {
		const request = signed(formCompletedBody());
		expect(() => docusealWebhook.verify(request, [HMAC_SECRET], hmac, NOW)).not.toThrow();
		const [event] = docusealWebhook.normalize(request, hmac, NOW);
		expect(event).toMatchObject({
			provider: 'docuseal',
			type: 'invite.signed',
			providerEvent: 'form.completed',
			documentId: '1207',
			documentName: 'NDA',
			signerEmail: 'john.doe@example.com',
			occurredAt: '2024-09-22T10:13:20.123Z',
		});
	});

	it('strips the signing slug and embed link', () => {
		const [event] = docusealWebhook.normalize(signed(formCompletedBody()), hmac, NOW);
		const json = JSON.stringify(event.payload);
		expect(json).not.toContain('gNWy7xzV3zDeXY');
		expect(json).toContain('https://docuseal.com/file/nda.pdf');
	});

	it('strips the submission preview links (/e/<submission slug>, which open the completed documents to whoever holds them)', () => {
		const body = formCompletedBody();
		(body.data as Record<string, unknown>).submission_url = 'https://docuseal.com/e/Zk3xPq9LmT';
		(body.data.submission as Record<string, unknown>).url = 'https://docuseal.com/e/Zk3xPq9LmT';
		const [event] = docusealWebhook.normalize(signed(body), hmac, NOW);
		const json = JSON.stringify(event.payload);
		expect(json).not.toContain('Zk3xPq9LmT');
		expect(event.payload).toMatchObject({ data: { submission: { id: 1207, status: 'completed' } } });
	});

	it('maps submission events by the submission id', () => {
		const body = {
			event_type: 'submission.completed',
			timestamp: '2024-09-22T10:13:21Z',
			data: { id: 1207, name: 'NDA', status: 'completed', submitters: [] },
		};
		const [event] = docusealWebhook.normalize(signed(body), hmac, NOW);
		expect(event).toMatchObject({ type: 'document.completed', documentId: '1207', documentName: 'NDA' });
		const types = ['form.viewed', 'form.declined', 'submission.created', 'submission.expired', 'submission.archived', 'form.started', 'template.created'].map(
			(eventType) => docusealWebhook.normalize(signed({ ...body, event_type: eventType }), hmac, NOW)[0].type,
		);
		expect(types).toEqual(['document.viewed', 'invite.declined', 'invite.sent', 'invite.expired', 'document.deleted', 'other', 'other']);
	});

	it('gives a retry the same id even though data was re-serialized and re-signed later', () => {
		const first = docusealWebhook.normalize(signed(formCompletedBody()), hmac, NOW)[0];
		const retryBody = formCompletedBody();
		retryBody.data.status = 'completed';
		(retryBody.data as Record<string, unknown>).updated_at = '2024-09-22T10:15:00Z';
		const retry = docusealWebhook.normalize(signed(retryBody, { timestamp: NOW_S + 120 }), hmac, NOW)[0];
		const other = docusealWebhook.normalize(
			signed(formCompletedBody({ timestamp: '2024-09-22T10:20:00.000Z', event_type: 'form.viewed' })),
			hmac,
			NOW,
		)[0];
		expect(retry.id).toBe(first.id);
		expect(other.id).not.toBe(first.id);
	});

	it('rejects a tampered body', () => {
		const request = signed(formCompletedBody());
		const tampered = { ...request, rawBody: Buffer.from(request.rawBody.toString().replace('john.doe', 'mallory')) };
		expect(rejection(() => docusealWebhook.verify(tampered, [HMAC_SECRET], hmac, NOW)).reason).toBe('bad_signature');
	});

	it('rejects a wrong secret', () => {
		const request = signed(formCompletedBody(), { secret: 'whsec_someone-else' });
		expect(rejection(() => docusealWebhook.verify(request, [HMAC_SECRET], hmac, NOW)).reason).toBe('bad_signature');
	});

	it('rejects a stale or future timestamp (5-minute window, as DocuSeal verifies)', () => {
		const stale = signed(formCompletedBody(), { timestamp: NOW_S - 301 });
		expect(rejection(() => docusealWebhook.verify(stale, [HMAC_SECRET], hmac, NOW)).reason).toBe('stale_timestamp');
		const future = signed(formCompletedBody(), { timestamp: NOW_S + 301 });
		expect(rejection(() => docusealWebhook.verify(future, [HMAC_SECRET], hmac, NOW)).reason).toBe('stale_timestamp');
		const edge = signed(formCompletedBody(), { timestamp: NOW_S - 299 });
		expect(() => docusealWebhook.verify(edge, [HMAC_SECRET], hmac, NOW)).not.toThrow();
	});

	it('rejects a missing or malformed signature header', () => {
		const request = signed(formCompletedBody());
		const missing = { ...request, headers: { 'content-type': 'application/json' } };
		expect(rejection(() => docusealWebhook.verify(missing, [HMAC_SECRET], hmac, NOW)).reason).toBe('missing_signature');
		const garbled = { ...request, headers: { 'x-docuseal-signature': 'sha256=abc' } };
		expect(rejection(() => docusealWebhook.verify(garbled, [HMAC_SECRET], hmac, NOW)).reason).toBe('bad_signature');
	});

	it('rejects malformed bodies with 400', () => {
		const notJson = signed('x');
		notJson.rawBody = Buffer.from('{not json');
		expect(rejection(() => docusealWebhook.normalize(notJson, hmac, NOW)).status).toBe(400);
		expect(rejection(() => docusealWebhook.normalize(signed({ event_type: 'form.completed' }), hmac, NOW)).reason).toBe(
			'malformed_body',
		);
	});
});

describe('DocuSeal webhook (custom secret header)', () => {
	const headerMode = docusealWebhook.parseOptions({ mode: 'header', headerName: 'X-Webhook-Secret' });
	const request = (value: string): InboundWebhook => ({
		rawBody: Buffer.from(JSON.stringify(formCompletedBody())),
		headers: { 'content-type': 'application/json', 'x-webhook-secret': value },
	});

	it('accepts the configured header value', () => {
		expect(() => docusealWebhook.verify(request('s3cret-value'), ['s3cret-value'], headerMode, NOW)).not.toThrow();
	});

	it('rejects a wrong or missing value', () => {
		expect(rejection(() => docusealWebhook.verify(request('nope'), ['s3cret-value'], headerMode, NOW)).reason).toBe(
			'bad_signature',
		);
		const missing: InboundWebhook = { rawBody: Buffer.from('{}'), headers: {} };
		expect(rejection(() => docusealWebhook.verify(missing, ['s3cret-value'], headerMode, NOW)).reason).toBe(
			'missing_signature',
		);
	});

	it('refuses a header mode without a usable header name', () => {
		expect(() => docusealWebhook.parseOptions({ mode: 'header' })).toThrow(/headerName/);
		expect(() => docusealWebhook.parseOptions({ mode: 'basic' })).toThrow(/mode/);
	});
});
