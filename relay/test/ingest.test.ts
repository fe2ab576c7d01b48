/** POST /ingest/:source against a real Redis: each accepted path and each rejection. */
import { createServer as createTcpServer, connect as tcpConnect, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

import { signBody } from '../../nodes/providers/signnow/webhook';
import type { Relay } from '../src/app';
import { deliveryId } from '../src/deliveries';
import {
	SIGNBEE_SECRET,
	SIGNNOW_OLD_SECRET,
	STANDARD_SECRET,
	Sink,
	api,
	cleanRedis,
	post,
	signNowCallback,
	sleep,
	standardCallback,
	startRelay,
	uniquePrefix,
	waitFor,
} from './helpers';

const prefix = uniquePrefix('ingest');
let relay: Relay;
let sink: Sink;
let subscriptionId: string;

beforeAll(async () => {
	sink = await new Sink().start();
	relay = await startRelay(prefix, { bodyLimitBytes: '16kb' });
	const created = await api(relay, 'POST', '/v1/subscriptions', { url: sink.url });
	expect(created.status).toBe(201);
	subscriptionId = (created.json as { id: string }).id;
});

afterAll(async () => {
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
});

async function metric(name: string, labels: string): Promise<number> {
	const text = await relay.metrics.registry.metrics();
	const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
	return line ? Number(line.split(' ').pop()) : 0;
}

describe('accepted webhooks', () => {
	it('stores a SignNow callback, strips its access token and delivers it', async () => {
		const callback = signNowCallback({ documentId: 'doc_signnow_accept' });
		const response = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
		expect(response.status).toBe(200);
		const { events } = response.json as { events: Array<{ id: string; duplicate: boolean }> };
		expect(events).toHaveLength(1);
		expect(events[0].duplicate).toBe(false);

		const stored = await api(relay, 'GET', `/v1/events/${events[0].id}`);
		expect(stored.status).toBe(200);
		expect(stored.json).toMatchObject({
			id: events[0].id,
			provider: 'signnow',
			type: 'document.completed',
			providerEvent: 'document.complete',
			documentId: 'doc_signnow_accept',
			source: 'signnow',
		});
		expect(JSON.stringify(stored.json)).not.toContain('secret-access-token-must-not-leak');
		expect(JSON.stringify(stored.json)).not.toContain('access_token');

		const delivered = await waitFor(() => sink.received.find((r) => r.headers['webhook-id'] === `signnow:${events[0].id}`), 10_000, 'delivery');
		expect(delivered.body).not.toContain('secret-access-token-must-not-leak');
		expect(JSON.parse(delivered.body)).toMatchObject({ id: events[0].id, documentId: 'doc_signnow_accept' });
	});

	it('accepts a SignNow callback signed with the previous secret (rotation) and base64 signatures', async () => {
		const old = signNowCallback({}, SIGNNOW_OLD_SECRET);
		expect((await post(`${relay.url}/ingest/signnow`, old.body, old.headers)).status).toBe(200);
		const fresh = signNowCallback();
		const base64 = Buffer.from(fresh.headers['x-signnow-signature'], 'hex').toString('base64');
		const response = await post(`${relay.url}/ingest/signnow`, fresh.body, { ...fresh.headers, 'x-signnow-signature': base64 });
		expect(response.status).toBe(200);
	});

	it('accepts Standard Webhooks under the standard header names', async () => {
		const callback = standardCallback(STANDARD_SECRET);
		const response = await post(`${relay.url}/ingest/standard`, callback.body, callback.headers);
		expect(response.status).toBe(200);
		const id = (response.json as { events: Array<{ id: string }> }).events[0].id;
		const stored = await api(relay, 'GET', `/v1/events/${id}`);
		expect(stored.json).toMatchObject({ provider: 'standard-webhooks', type: 'document.completed', documentId: 'doc_std_1', signerEmail: 'ann@example.com' });
	});

	it("accepts Signbee's X-Signbee-* headers and rejects the same request under the standard names", async () => {
		const names = { id: 'x-signbee-event-id', timestamp: 'x-signbee-timestamp', signature: 'x-signbee-signature' };
		const callback = standardCallback(SIGNBEE_SECRET, names);
		expect((await post(`${relay.url}/ingest/signbee`, callback.body, callback.headers)).status).toBe(200);
		const standardNames = standardCallback(SIGNBEE_SECRET);
		const rejected = await post(`${relay.url}/ingest/signbee`, standardNames.body, standardNames.headers);
		expect(rejected.status).toBe(401);
		expect(rejected.json).toMatchObject({ error: 'missing_signature' });
	});

	it('answers 2xx to a duplicate and does not enqueue or deliver it again', async () => {
		const callback = signNowCallback({ documentId: 'doc_duplicate' });
		const first = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
		const id = (first.json as { events: Array<{ id: string }> }).events[0].id;
		await waitFor(() => sink.received.some((r) => r.headers['webhook-id'] === `signnow:${id}`), 10_000, 'first delivery');
		const again = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
		expect(again.status).toBe(200);
		expect(again.json).toMatchObject({ events: [{ id, duplicate: true }] });
		await sleep(300);
		expect(sink.received.filter((r) => r.headers['webhook-id'] === `signnow:${id}`)).toHaveLength(1);
	});

	it('enqueues and delivers exactly once when 50 copies of one event arrive at once', async () => {
		const callback = signNowCallback({ documentId: 'doc_concurrent' });
		const enqueuedBefore = await metric('relay_events_enqueued_total', 'source="signnow"');
		const duplicatesBefore = await metric('relay_events_duplicate_total', 'source="signnow"');
		const responses = await Promise.all(
			Array.from({ length: 50 }, () => post(`${relay.url}/ingest/signnow`, callback.body, callback.headers)),
		);
		expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
		const ids = new Set(responses.map((r) => (r.json as { events: Array<{ id: string }> }).events[0].id));
		expect(ids.size).toBe(1);
		const [id] = [...ids];
		expect(responses.filter((r) => !(r.json as { events: Array<{ duplicate: boolean }> }).events[0].duplicate)).toHaveLength(1);
		expect(await metric('relay_events_enqueued_total', 'source="signnow"')).toBe(enqueuedBefore + 1);
		expect(await metric('relay_events_duplicate_total', 'source="signnow"')).toBe(duplicatesBefore + 49);
		// Fanned out once (after the acknowledgement): exactly one delivery, whose id is deterministic.
		await waitFor(() => sink.received.some((r) => r.headers['webhook-id'] === `signnow:${id}`), 10_000, 'fan-out');
		const delivery = await relay.deliveries.get(deliveryId(subscriptionId, 'signnow', id));
		expect(delivery?.id).toBe(`${subscriptionId}.signnow.${id}`);
		await waitFor(() => sink.received.some((r) => r.headers['webhook-id'] === `signnow:${id}`), 10_000, 'delivery');
		await sleep(500);
		expect(sink.received.filter((r) => r.headers['webhook-id'] === `signnow:${id}`)).toHaveLength(1);
	});
});

describe('rejections', () => {
	it('401 without a signature, with a bad one, or with a stale Standard Webhooks timestamp', async () => {
		const callback = signNowCallback();
		const missing = await post(`${relay.url}/ingest/signnow`, callback.body, { 'content-type': 'application/json' });
		expect(missing.status).toBe(401);
		expect(missing.json).toMatchObject({ error: 'missing_signature' });

		const wrong = await post(`${relay.url}/ingest/signnow`, callback.body, {
			...callback.headers,
			'x-signnow-signature': signBody('not-the-secret', callback.body),
		});
		expect(wrong.status).toBe(401);
		expect(wrong.json).toMatchObject({ error: 'bad_signature' });

		const tampered = await post(`${relay.url}/ingest/signnow`, callback.body.replace('NDA.pdf', 'NDA2.pdf'), callback.headers);
		expect(tampered.status).toBe(401);

		const stale = standardCallback(STANDARD_SECRET, undefined, { timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60 });
		const staleResponse = await post(`${relay.url}/ingest/standard`, stale.body, stale.headers);
		expect(staleResponse.status).toBe(401);
		expect(staleResponse.json).toMatchObject({ error: 'stale_timestamp' });
	});

	it('400 for a correctly signed body that is not a valid callback', async () => {
		const body = 'this is not json';
		const response = await post(`${relay.url}/ingest/signnow`, body, {
			'content-type': 'application/json',
			'x-signnow-signature': signBody('signnow-test-secret-key', body),
		});
		expect(response.status).toBe(400);
		expect(response.json).toMatchObject({ error: 'malformed_body' });
	});

	it('415 for a correctly signed callback in a media type the provider never sends', async () => {
		const callback = signNowCallback();
		for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
			const headers: Record<string, string> = { 'x-signnow-signature': callback.headers['x-signnow-signature'] };
			if (contentType) headers['content-type'] = contentType;
			const response = await fetch(`${relay.url}/ingest/signnow`, {
				method: 'POST',
				body: new Uint8Array(Buffer.from(callback.body)),
				headers,
			});
			expect(response.status).toBe(415);
			expect(await response.json()).toMatchObject({ error: 'unsupported_media_type' });
		}
	});

	it('413 over the body limit, 404 for an unknown source', async () => {
		const big = signNowCallback({ extra: { padding: 'x'.repeat(20_000) } });
		const tooLarge = await post(`${relay.url}/ingest/signnow`, big.body, big.headers);
		expect(tooLarge.status).toBe(413);
		expect(tooLarge.json).toMatchObject({ error: 'too_large' });

		const callback = signNowCallback();
		const unknown = await post(`${relay.url}/ingest/nope`, callback.body, callback.headers);
		expect(unknown.status).toBe(404);
		expect(unknown.json).toMatchObject({ error: 'unknown_source' });
		expect(await metric('relay_events_rejected_total', 'reason="bad_signature"')).toBeGreaterThan(0);
	});

	it('nothing rejected was stored or delivered', async () => {
		const callback = signNowCallback({ documentId: 'doc_rejected_only' });
		await post(`${relay.url}/ingest/signnow`, callback.body, { ...callback.headers, 'x-signnow-signature': 'bad' });
		await sleep(300);
		expect(sink.received.some((r) => r.body.includes('doc_rejected_only'))).toBe(false);
	});
});

describe('Redis unavailable', () => {
	const downPrefix = uniquePrefix('ingest-down');
	let proxy: TcpServer;
	const sockets = new Set<Socket>();
	let downRelay: Relay;

	beforeAll(async () => {
		// A TCP proxy in front of the real Redis that the test can cut.
		proxy = createTcpServer((client) => {
			const upstream = tcpConnect(6379, '127.0.0.1');
			sockets.add(client).add(upstream);
			client.pipe(upstream).pipe(client);
			const drop = () => {
				client.destroy();
				upstream.destroy();
			};
			client.on('error', drop).on('close', drop);
			upstream.on('error', drop).on('close', drop);
		});
		await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
		downRelay = await startRelay(downPrefix, {
			redisUrl: `redis://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
			shutdownTimeoutMs: '2s',
		});
	});

	afterAll(async () => {
		await downRelay.stop();
		await cleanRedis(downPrefix);
	});

	it('answers 503 (never a 2xx) when Redis cannot store the event, and readyz reports it', async () => {
		const before = signNowCallback();
		expect((await post(`${downRelay.url}/ingest/signnow`, before.body, before.headers)).status).toBe(200);

		await new Promise<void>((resolve) => {
			proxy.close(() => resolve());
			for (const socket of sockets) socket.destroy();
		});
		const callback = signNowCallback({ documentId: 'doc_while_down' });
		const response = await post(`${downRelay.url}/ingest/signnow`, callback.body, callback.headers);
		expect(response.status).toBe(503);
		expect(response.json).toMatchObject({ error: 'unavailable' });
		const ready = await fetch(`${downRelay.url}/readyz`);
		expect(ready.status).toBe(503);
	});
});
