/** Fan-out and delivery against local sinks: signatures, filters, retries, DLQ, pacing. */
import { verifySignature } from '../../nodes/providers/standard-webhooks/signature';
import type { Relay } from '../src/app';
import { Sink, api, cleanRedis, post, signNowCallback, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

const prefix = uniquePrefix('delivery');
let relay: Relay;
const sinks: Sink[] = [];

async function newSink(): Promise<Sink> {
	const sink = await new Sink().start();
	sinks.push(sink);
	return sink;
}

async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
	const response = await api(relay, 'POST', '/v1/subscriptions', body);
	expect(response.status).toBe(201);
	return { id: response.json.id as string, secret: response.json.secret as string };
}

async function ingest(options: Parameters<typeof signNowCallback>[0] = {}): Promise<string> {
	const callback = signNowCallback(options);
	const response = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
	expect(response.status).toBe(200);
	return (response.json as { events: Array<{ id: string }> }).events[0].id;
}

beforeAll(async () => {
	relay = await startRelay(prefix, { retrySchedule: '100ms,200ms,300ms' });
});

afterAll(async () => {
	await relay.stop();
	await Promise.all(sinks.map((sink) => sink.close()));
	await cleanRedis(prefix);
});

it('signs each delivery with the subscription secret under the Standard Webhooks scheme', async () => {
	const sink = await newSink();
	const { secret } = await subscribe({ url: sink.url, documentId: 'doc_signed' });
	const eventId = await ingest({ documentId: 'doc_signed' });
	const [received] = await waitFor(() => sink.received.length > 0 && sink.received, 10_000, 'delivery');
	// The source and the event id: event ids are unique per source only.
	expect(received.headers['webhook-id']).toBe(`signnow:${eventId}`);
	expect(received.headers['content-type']).toBe('application/json');
	expect(() =>
		verifySignature(
			{
				id: received.headers['webhook-id'] as string,
				timestamp: received.headers['webhook-timestamp'] as string,
				signature: received.headers['webhook-signature'] as string,
				body: Buffer.from(received.body),
			},
			[secret],
			Date.now(),
		),
	).not.toThrow();
	expect(() =>
		verifySignature(
			{
				id: received.headers['webhook-id'] as string,
				timestamp: received.headers['webhook-timestamp'] as string,
				signature: received.headers['webhook-signature'] as string,
				body: Buffer.from(received.body),
			},
			['whsec_' + Buffer.from('some other secret key').toString('base64')],
			Date.now(),
		),
	).toThrow();
	const body = JSON.parse(received.body);
	expect(body).toMatchObject({ id: eventId, provider: 'signnow', type: 'document.completed', source: 'signnow', documentId: 'doc_signed' });
	expect(typeof body.receivedAt).toBe('string');
});

it('delivers only to subscriptions whose filters match', async () => {
	const all = await newSink();
	const completedOnly = await newSink();
	const viewedOnly = await newSink();
	const otherSource = await newSink();
	const otherDocument = await newSink();
	const documentId = 'doc_filters';
	await subscribe({ url: all.url, documentId });
	await subscribe({ url: completedOnly.url, eventTypes: ['document.completed'], providers: ['signnow'], documentId });
	await subscribe({ url: viewedOnly.url, eventTypes: ['document.viewed'], documentId });
	await subscribe({ url: otherSource.url, sources: ['standard'], documentId });
	await subscribe({ url: otherDocument.url, documentId: 'doc_something_else' });
	const completed = await ingest({ documentId, event: 'document.complete' });
	const viewed = await ingest({ documentId, event: 'document.open' });
	await waitFor(() => all.received.length === 2 && completedOnly.received.length === 1 && viewedOnly.received.length === 1, 10_000, 'deliveries');
	await sleep(300);
	expect(all.received.map((r) => r.headers['webhook-id']).sort()).toEqual([`signnow:${completed}`, `signnow:${viewed}`].sort());
	expect(completedOnly.received.map((r) => r.headers['webhook-id'])).toEqual([`signnow:${completed}`]);
	expect(viewedOnly.received.map((r) => r.headers['webhook-id'])).toEqual([`signnow:${viewed}`]);
	expect(otherSource.received).toHaveLength(0);
	expect(otherDocument.received).toHaveLength(0);
});

it('retries a failing target with the same webhook-id until it answers 2xx', async () => {
	const sink = await newSink();
	sink.handler = (_request, index, res) => {
		res.writeHead(index < 2 ? 500 : 204).end(index < 2 ? 'boom' : undefined);
	};
	const { id: subscriptionId } = await subscribe({ url: sink.url, documentId: 'doc_retry' });
	const eventId = await ingest({ documentId: 'doc_retry' });
	await waitFor(() => sink.received.length === 3, 10_000, 'three attempts');
	expect(new Set(sink.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([`signnow:${eventId}`]));
	// The schedule starts at 100 ms, then 200 ms (jitter off in tests).
	expect(sink.received[1].at - sink.received[0].at).toBeGreaterThanOrEqual(90);
	expect(sink.received[2].at - sink.received[1].at).toBeGreaterThanOrEqual(190);
	const delivery = await waitFor(async () => {
		const response = await api(relay, 'GET', `/v1/deliveries/${subscriptionId}.signnow.${eventId}`);
		return response.json.status === 'delivered' && response.json;
	});
	expect(delivery).toMatchObject({ attempts: 3, lastStatus: 204, eventId, subscriptionId });
});

it('dead-letters after the last attempt, lists it, and replays it', async () => {
	const sink = await newSink();
	let failing = true;
	sink.handler = (_request, _index, res) => {
		res.writeHead(failing ? 502 : 200).end();
	};
	const { id: subscriptionId } = await subscribe({ url: sink.url, documentId: 'doc_dead' });
	const eventId = await ingest({ documentId: 'doc_dead' });
	const deliveryId = `${subscriptionId}.signnow.${eventId}`;
	const dead = await waitFor(async () => {
		const response = await api(relay, 'GET', `/v1/deliveries?status=dead&subscriptionId=${subscriptionId}`);
		const data = response.json.data as Array<Record<string, unknown>>;
		return data.length === 1 && data[0];
	}, 10_000, 'dead letter');
	expect(dead).toMatchObject({ id: deliveryId, status: 'dead', attempts: 4, maxAttempts: 4, lastStatus: 502 });
	expect(sink.received).toHaveLength(4);

	failing = false;
	const replay = await api(relay, 'POST', '/v1/dead-letter/replay', { subscriptionId });
	expect(replay.status).toBe(202);
	expect(replay.json).toEqual({ replayed: 1 });
	await waitFor(async () => (await api(relay, 'GET', `/v1/deliveries/${deliveryId}`)).json.status === 'delivered', 10_000, 'replayed delivery');
	expect(sink.received).toHaveLength(5);
	expect(sink.received[4].headers['webhook-id']).toBe(`signnow:${eventId}`);

	// One delivery can also be retried by id (here: delivered again on request).
	const retried = await api(relay, 'POST', `/v1/deliveries/${deliveryId}/retry`);
	expect(retried.status).toBe(202);
	await waitFor(() => sink.received.length === 6, 10_000, 'manual retry');
	expect((await api(relay, 'POST', '/v1/deliveries/sub_00.signnow.evt_missing/retry')).status).toBe(404);
});

it('disables a subscription whose target answers 410 Gone', async () => {
	const sink = await newSink();
	sink.handler = (_request, _index, res) => {
		res.writeHead(410).end();
	};
	const { id } = await subscribe({ url: sink.url, documentId: 'doc_gone' });
	await ingest({ documentId: 'doc_gone' });
	const subscription = await waitFor(async () => {
		const response = await api(relay, 'GET', `/v1/subscriptions/${id}`);
		return response.json.status === 'disabled' && response.json;
	}, 10_000, 'disabled subscription');
	expect(subscription.disabledReason).toMatch(/410/);
	expect(sink.received).toHaveLength(1);
	await ingest({ documentId: 'doc_gone' });
	await sleep(300);
	expect(sink.received).toHaveLength(1);
});

it('honours Retry-After on 429 before trying again', async () => {
	const sink = await newSink();
	sink.handler = (_request, index, res) => {
		if (index === 0) res.writeHead(429, { 'retry-after': '1' }).end();
		else res.writeHead(200).end();
	};
	await subscribe({ url: sink.url, documentId: 'doc_429' });
	const first = await ingest({ documentId: 'doc_429' });
	await waitFor(() => sink.received.length === 1, 10_000, 'first attempt');
	const second = await ingest({ documentId: 'doc_429', event: 'document.open' });
	await waitFor(() => sink.received.length === 3, 10_000, 'both delivered');
	// Nothing reached the target during the second it asked for, neither the retry nor the other event.
	expect(sink.received[1].at - sink.received[0].at).toBeGreaterThanOrEqual(950);
	expect(sink.received.slice(1).map((r) => r.headers['webhook-id']).sort()).toEqual([`signnow:${first}`, `signnow:${second}`].sort());
});

it('never has more deliveries in flight to one subscription than its cap', async () => {
	const sink = await newSink();
	sink.handler = async (_request, _index, res) => {
		await sleep(60);
		res.writeHead(200).end();
	};
	// A second relay process on the same Redis: each runs 2 workers for the subscription,
	// and the cap must still hold across both.
	const second = await startRelay(prefix, { retrySchedule: '100ms,200ms,300ms' });
	try {
		await subscribe({ url: sink.url, documentId: 'doc_cap', maxInFlight: 2 });
		await waitFor(() => second.deliveries.running() && second.deliveries.workerCount() > 0, 10_000, 'second relay workers');
		for (let i = 0; i < 16; i += 1) await ingest({ documentId: 'doc_cap', extra: { n: i } });
		await waitFor(() => sink.received.length === 16, 15_000, 'all sixteen');
		expect(sink.maxInFlight).toBe(2);
	} finally {
		await second.stop();
	}
});

it('sends a test event on request', async () => {
	const sink = await newSink();
	const { id } = await subscribe({ url: sink.url, eventTypes: ['invite.signed'] });
	const response = await api(relay, 'POST', `/v1/subscriptions/${id}/test`);
	expect(response.status).toBe(202);
	const [received] = await waitFor(() => sink.received.length > 0 && sink.received, 10_000, 'test delivery');
	expect(received.headers['webhook-id']).toBe(`relay-test:${response.json.eventId as string}`);
	expect(JSON.parse(received.body)).toMatchObject({ providerEvent: 'relay.test', source: 'relay-test' });
	expect((await api(relay, 'GET', `/v1/events/${response.json.eventId as string}`)).status).toBe(200);
});

it('opens the circuit after consecutive failures and holds deliveries without spending attempts', async () => {
	const sink = await newSink();
	sink.handler = (_request, _index, res) => {
		res.writeHead(500).end();
	};
	const circuitPrefix = uniquePrefix('delivery-circuit');
	const circuitRelay = await startRelay(circuitPrefix, {
		retrySchedule: '50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms',
		circuitFailureThreshold: 3,
		circuitCooldownMs: '1500ms',
	});
	try {
		const created = await api(circuitRelay, 'POST', '/v1/subscriptions', { url: sink.url });
		const callback = signNowCallback();
		await post(`${circuitRelay.url}/ingest/signnow`, callback.body, callback.headers);
		await waitFor(() => sink.received.length === 3, 10_000, 'three failures');
		const openedAt = Date.now();
		await waitFor(() => sink.received.length === 4, 10_000, 'probe after cool-down');
		expect(Date.now() - openedAt).toBeGreaterThanOrEqual(1_200);
		const delivery = await api(circuitRelay, 'GET', `/v1/deliveries?subscriptionId=${created.json.id as string}`);
		expect((delivery.json.data as Array<{ attempts: number }>)[0].attempts).toBeLessThanOrEqual(4);
	} finally {
		await circuitRelay.stop();
		await cleanRedis(circuitPrefix);
	}
});
