/**
 * SignOS webhooks sent by the simulator (signed and retried as SignOS does) to a real relay
 * (real Redis, real HTTP): accepted and delivered once, rejections answered non-2xx.
 */
import { createHmac } from 'node:crypto';

import type { Relay } from '../../relay/src/app';
import { Sink, api, cleanRedis, post, startRelay, uniquePrefix, waitFor } from '../../relay/test/helpers';
import { makePdf } from '../helpers/pdf';
import { SignOsSimulator } from '../simulators/signos/server';

const prefix = uniquePrefix('signos');
const SECRET = 'whsk_relay_signos_2f7e9c1a4b6d8e0f';
let relay: Relay;
let sink: Sink;
let simulator: SignOsSimulator;
let ingest: string;

beforeAll(async () => {
	sink = await new Sink().start();
	relay = await startRelay(prefix, { sources: [{ id: 'signos', type: 'signos', secrets: [SECRET] }] });
	ingest = `${relay.url}/ingest/signos`;
	expect((await api(relay, 'POST', '/v1/subscriptions', { url: sink.url, providers: ['signos'] })).status).toBe(201);
	simulator = await new SignOsSimulator({ webhookRetry: { baseMs: 20, attempts: 3 } }).start();
	simulator.addWebhookEndpoint(ingest, SECRET);
});

afterAll(async () => {
	await simulator.stop();
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
});

async function createSentDocument(): Promise<string> {
	const auth = { authorization: `Bearer ${simulator.apiKey}` };
	const presigned = (await (await fetch(`${simulator.url}/v1/upload/presigned-url?fileName=msa.pdf&contentType=application/pdf`, { headers: auth })).json()) as {
		url: string;
		storageKey: string;
	};
	expect((await fetch(presigned.url, { method: 'PUT', body: makePdf({ pages: [['MSA']] }) })).status).toBe(200);
	const created = await fetch(`${simulator.url}/v1/documents`, {
		method: 'POST',
		headers: { ...auth, 'content-type': 'application/json' },
		body: JSON.stringify({ title: 'MSA', storageKey: presigned.storageKey, recipients: [{ email: 'cfo@example.com', role: 'signer' }] }),
	});
	return ((await created.json()) as { id: string }).id;
}

function deliveredFor(documentId: string) {
	return sink.received.map((r) => ({ id: String(r.headers['webhook-id']), body: JSON.parse(r.body) as Record<string, unknown> })).filter((d) => d.body.documentId === documentId);
}

describe('SignOS through the relay', () => {
	it('verifies, stores and delivers each lifecycle event once', async () => {
		const id = await createSentDocument();
		simulator.signRecipient(id, 'cfo@example.com');
		await simulator.settled();
		expect(simulator.deliveries.filter((d) => d.body.includes(id)).map((d) => d.status)).toEqual([200, 200, 200]);
		const delivered = await waitFor(() => (deliveredFor(id).length === 3 ? deliveredFor(id) : undefined), 10_000, 'three deliveries');
		expect(delivered.map((d) => d.body.type)).toEqual(expect.arrayContaining(['invite.sent', 'invite.signed', 'document.completed']));
		expect(delivered.find((d) => d.body.type === 'document.completed')?.body).toMatchObject({ provider: 'signos', source: 'signos', documentName: 'MSA' });
	});

	it('answers a SignOS retry of the same event as a duplicate and delivers it once', async () => {
		const id = await createSentDocument();
		await simulator.settled();
		const original = simulator.deliveries.find((d) => d.body.includes(id) && d.body.includes('document.sent'));
		expect(original?.status).toBe(200);
		// SignOS re-sends the identical signed request (e.g. our 200 was lost on the way back).
		const retry = await post(ingest, original?.body ?? '', original?.headers ?? {});
		expect(retry.status).toBe(200);
		expect((retry.json as { events: Array<{ duplicate: boolean }> }).events[0].duplicate).toBe(true);
		await waitFor(() => deliveredFor(id).length === 1, 10_000, 'delivery');
		expect(deliveredFor(id)).toHaveLength(1);
	});

	it('rejects tampered, wrong-secret, unsigned, stale and malformed webhooks', async () => {
		const body = JSON.stringify({ id: 'evt_reject', event: 'document.completed', createdAt: new Date().toISOString(), data: { documentId: 'doc_reject' } });
		const sign = (text: string, secret = SECRET) => createHmac('sha256', secret).update(text).digest('hex');
		const staleBody = JSON.stringify({ id: 'evt_old', event: 'document.completed', createdAt: '2020-01-01T00:00:00Z', data: { documentId: 'doc_reject' } });
		const cases: Array<[string, Record<string, string>, number, string]> = [
			[body.replace('doc_reject', 'doc_other'), { 'x-signos-signature': sign(body) }, 401, 'bad_signature'],
			[body, { 'x-signos-signature': sign(body, 'not-the-secret') }, 401, 'bad_signature'],
			[body, {}, 401, 'missing_signature'],
			[staleBody, { 'x-signos-signature': sign(staleBody) }, 401, 'stale_timestamp'],
			['not json', { 'x-signos-signature': sign('not json') }, 400, 'malformed_body'],
		];
		for (const [text, headers, status, reason] of cases) {
			const answer = await post(ingest, text, { 'content-type': 'application/json', ...headers });
			expect({ status: answer.status, error: (answer.json as { error: string }).error }).toEqual({ status, error: reason });
		}
		expect(deliveredFor('doc_reject')).toHaveLength(0);
		expect(deliveredFor('doc_other')).toHaveLength(0);
	});
});
