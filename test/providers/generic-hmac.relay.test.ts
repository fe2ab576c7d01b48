/**
 * Generic HMAC sources (Yousign and PandaDoc presets, a Standard-Webhooks-like custom scheme)
 * configured in a real relay (real Redis, real HTTP), posted to as those providers sign.
 */
import { createHmac, randomUUID } from 'node:crypto';

import type { Relay } from '../../relay/src/app';
import { Sink, api, cleanRedis, post, startRelay, uniquePrefix, waitFor } from '../../relay/test/helpers';
import { sign as standardSign } from '../../nodes/providers/standard-webhooks/signature';

const prefix = uniquePrefix('generic-hmac');
const YOUSIGN_SECRET = 'yousign-relay-secret';
const PANDADOC_KEY = 'pandadoc-relay-shared-key';
const ACME_SECRET = `whsec_${Buffer.from('acme-sign-secret-0123456789abcdef').toString('base64')}`;
let relay: Relay;
let sink: Sink;

beforeAll(async () => {
	sink = await new Sink().start();
	relay = await startRelay(prefix, {
		sources: [
			{ id: 'yousign', type: 'generic-hmac', secrets: [YOUSIGN_SECRET], options: { preset: 'yousign' } },
			{ id: 'pandadoc', type: 'generic-hmac', secrets: [PANDADOC_KEY], options: { preset: 'pandadoc' } },
			{
				id: 'acme',
				type: 'generic-hmac',
				secrets: [ACME_SECRET],
				options: {
					providerName: 'acme-sign',
					signatureHeader: 'X-Acme-Signature',
					idHeader: 'X-Acme-Id',
					timestampHeader: 'X-Acme-Timestamp',
					signedPayload: '{id}.{timestamp}.{body}',
					prefix: 'v1,',
					encoding: 'base64',
					signatureSeparator: ' ',
					secretEncoding: 'base64',
					eventTypePath: 'type',
					documentIdPath: 'data.document_id',
					events: { 'document.signed': 'document.completed' },
				},
			},
		],
	});
	expect((await api(relay, 'POST', '/v1/subscriptions', { url: sink.url })).status).toBe(201);
});

afterAll(async () => {
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
});

type Accepted = { events: Array<{ id: string; duplicate: boolean }> };
const hex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
/** The relay delivers each event with webhook-id `<source>:<event id>`. */
const delivered = (id: string) =>
	sink.received
		.map((r) => ({ webhookId: r.headers['webhook-id'], body: JSON.parse(r.body) as Record<string, unknown> }))
		.filter(({ webhookId, body }) => webhookId === `${String(body.source)}:${id}`)
		.map(({ body }) => body);

describe('generic HMAC sources through the relay', () => {
	it('Yousign: delivers a valid webhook once, however often Yousign retries it, and rejects forgeries', async () => {
		const body = JSON.stringify({
			event_id: randomUUID(),
			event_name: 'signature_request.done',
			event_time: String(Math.floor(Date.now() / 1000)),
			sandbox: false,
			data: { signature_request: { id: 'sr-relay', name: 'Offer letter' } },
		});
		const headers = { 'content-type': 'application/json', 'x-yousign-signature-256': `sha256=${hex(YOUSIGN_SECRET, body)}` };
		const first = await post(`${relay.url}/ingest/yousign`, body, { ...headers, 'x-yousign-retry': '0' });
		const retry = await post(`${relay.url}/ingest/yousign`, body, { ...headers, 'x-yousign-retry': '1' });
		const [event] = (first.json as Accepted).events;
		expect((retry.json as Accepted).events).toEqual([{ id: event.id, duplicate: true }]);
		await waitFor(() => delivered(event.id).length === 1, 10_000, 'yousign delivery');
		expect(delivered(event.id)[0]).toMatchObject({ provider: 'yousign', source: 'yousign', type: 'document.completed', documentId: 'sr-relay' });

		const forged = await post(`${relay.url}/ingest/yousign`, body.replace('Offer', 'Fake'), headers);
		expect(forged.status).toBe(401);
		const wrong = await post(`${relay.url}/ingest/yousign`, body, { ...headers, 'x-yousign-signature-256': `sha256=${hex('x', body)}` });
		expect(wrong.status).toBe(401);
	});

	it('PandaDoc: splits the notification list into events, each deduplicated, signature from the query string', async () => {
		const doc = `pd-${randomUUID()}`;
		const body = JSON.stringify([
			// PandaDoc's documents carry date_modified; it is what bounds a replay of this list.
			{ event: 'recipient_completed', data: { id: doc, name: 'Quote', status: 'document.sent', date_modified: new Date().toISOString(), action_by: { email: 'b@example.com' } } },
			{ event: 'document_state_changed', data: { id: doc, name: 'Quote', status: 'document.completed', date_modified: new Date().toISOString() } },
		]);
		const url = `${relay.url}/ingest/pandadoc?signature=${hex(PANDADOC_KEY, body)}`;
		const first = await post(url, body, { 'content-type': 'application/json' });
		expect(first.status).toBe(200);
		const events = (first.json as Accepted).events;
		expect(events.map((e) => e.duplicate)).toEqual([false, false]);
		const again = await post(url, body, { 'content-type': 'application/json' });
		expect((again.json as Accepted).events.map((e) => e.duplicate)).toEqual([true, true]);
		await waitFor(() => events.every((e) => delivered(e.id).length === 1), 10_000, 'pandadoc deliveries');
		expect(events.map((e) => delivered(e.id)[0].type)).toEqual(['invite.signed', 'document.completed']);

		expect((await post(`${relay.url}/ingest/pandadoc`, body, { 'content-type': 'application/json' })).status).toBe(401);
		expect((await post(`${relay.url}/ingest/pandadoc?signature=${hex('nope', body)}`, body, { 'content-type': 'application/json' })).status).toBe(401);
	});

	it('Standard-Webhooks-like custom headers: accepts fresh, rejects stale and malformed', async () => {
		const body = JSON.stringify({ type: 'document.signed', data: { document_id: 'acme-doc' } });
		const now = Math.floor(Date.now() / 1000);
		const headers = (id: string, ts: number, text = body) => ({
			'content-type': 'application/json',
			'x-acme-id': id,
			'x-acme-timestamp': String(ts),
			'x-acme-signature': standardSign(ACME_SECRET, id, ts, text),
		});
		const accepted = await post(`${relay.url}/ingest/acme`, body, headers('msg_acme_1', now));
		const [event] = (accepted.json as Accepted).events;
		await waitFor(() => delivered(event.id).length === 1, 10_000, 'acme delivery');
		expect(delivered(event.id)[0]).toMatchObject({ provider: 'acme-sign', type: 'document.completed', documentId: 'acme-doc' });

		const stale = await post(`${relay.url}/ingest/acme`, body, headers('msg_acme_2', now - 3600));
		expect({ status: stale.status, error: (stale.json as { error: string }).error }).toEqual({ status: 401, error: 'stale_timestamp' });
		const malformed = await post(`${relay.url}/ingest/acme`, '{"data":{}}', headers('msg_acme_3', now, '{"data":{}}'));
		expect({ status: malformed.status, error: (malformed.json as { error: string }).error }).toEqual({ status: 400, error: 'malformed_body' });
	});
});
