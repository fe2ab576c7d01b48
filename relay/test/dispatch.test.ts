/**
 * The shared dispatcher: fair between subscriptions, limits that hold across processes,
 * take-over of a dead process's deliveries, and a flat Redis cost per subscription.
 */
import { Redis } from 'ioredis';

import type { Relay } from '../src/app';
import { deliveryId } from '../src/deliveries';
import { DeliveryStore } from '../src/delivery-store';
import { ReadySet, readyKey } from '../src/ready';
import type { Subscription } from '../src/subscriptions';
import { Sink, api, cleanRedis, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

jest.setTimeout(60_000);

const prefix = uniquePrefix('dispatch');
let relay: Relay;
let redis: Redis;
const sinks: Sink[] = [];

async function newSink(): Promise<Sink> {
	const sink = await new Sink().start();
	sinks.push(sink);
	return sink;
}

async function subscribe(target: Relay, body: Record<string, unknown>): Promise<Subscription> {
	const response = await api(target, 'POST', '/v1/subscriptions', body);
	expect(response.status).toBe(201);
	return (await target.subscriptions.get(response.json.id as string))!;
}

function enqueue(target: Relay, subscription: Subscription, n: number, tag: string): Promise<string[]> {
	return Promise.all(
		Array.from({ length: n }, (_, i) =>
			target.deliveries.enqueue(subscription, {
				eventId: `evt_${tag}_${i}`,
				source: 'signnow',
				body: JSON.stringify({ id: `evt_${tag}_${i}` }),
				receivedAtMs: Date.now(),
			}),
		),
	);
}

beforeAll(async () => {
	relay = await startRelay(prefix);
	redis = new Redis({ host: '127.0.0.1', port: 6379 });
});

afterAll(async () => {
	await relay.stop();
	redis.disconnect();
	await Promise.all(sinks.map((sink) => sink.close()));
	await cleanRedis(prefix);
});

it("one subscription's backlog does not delay a fresh event to another", async () => {
	const busy = await newSink();
	busy.handler = async (_request, _index, res) => {
		await sleep(20);
		res.writeHead(200).end();
	};
	const fresh = await newSink();
	const backlogged = await subscribe(relay, { url: busy.url, maxInFlight: 4 });
	const other = await subscribe(relay, { url: fresh.url });
	await enqueue(relay, backlogged, 2_000, 'backlog');
	await waitFor(() => busy.received.length > 0, 10_000, 'the backlog to start');
	await enqueue(relay, other, 1, 'fresh');
	await waitFor(() => fresh.received.length === 1, 10_000, 'the fresh event');
	// 4 in flight at 20 ms each: the backlog takes ~10 s. Served in line behind it, the fresh
	// event would have waited for all 2,000; served fairly, it went out almost at once.
	expect(busy.received.length).toBeLessThan(200);
	await api(relay, 'DELETE', `/v1/subscriptions/${backlogged.id}`);
});

it('holds the rate limit across two processes', async () => {
	const sink = await newSink();
	const second = await startRelay(prefix);
	try {
		const subscription = await subscribe(relay, { url: sink.url, rateLimitPerSecond: 5, maxInFlight: 10 });
		// Half queued through each process, so both dispatchers claim.
		await Promise.all([enqueue(relay, subscription, 10, 'rate-a'), enqueue(second, subscription, 10, 'rate-b')]);
		await waitFor(() => sink.received.length === 20, 15_000, 'twenty deliveries');
		// Five per one-second window: twenty need at least four windows (three full seconds).
		expect(sink.received[19].at - sink.received[0].at).toBeGreaterThanOrEqual(2_900);
		const perSecond = new Map<number, number>();
		for (const r of sink.received) perSecond.set(Math.floor((r.at - sink.received[0].at) / 1000), (perSecond.get(Math.floor((r.at - sink.received[0].at) / 1000)) ?? 0) + 1);
		expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(10);
	} finally {
		await second.stop();
	}
});

it("takes over a delivery whose process died holding it, once its lease ends", async () => {
	const sink = await newSink();
	const subscription = await subscribe(relay, { url: sink.url });
	// Play the process that dies: store a delivery and claim it with a short lease, never answering.
	const store = new DeliveryStore(prefix, redis, redis);
	const id = deliveryId(subscription.id, 'signnow', 'evt_orphan');
	await store.add(subscription.id, id, { eventId: 'evt_orphan', source: 'signnow', body: '{"id":"evt_orphan"}', receivedAtMs: Date.now() }, 3);
	const { claimed } = await store.claim(subscription.id, {
		now: Date.now(),
		most: 1,
		maxInFlight: 4,
		perSecond: 0,
		leaseMs: 1_000,
		token: 'dead-process',
		probeLeaseMs: 1_000,
	});
	expect(claimed.map((c) => c.id)).toEqual([id]);
	await new ReadySet(readyKey(prefix), redis).offer(subscription.id, Date.now());
	const claimedAt = Date.now();
	await waitFor(() => sink.received.length === 1, 10_000, 'the taken-over delivery');
	expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(900);
	expect(sink.received[0].headers['webhook-id']).toBe('signnow:evt_orphan');
	await waitFor(async () => (await relay.deliveries.get(id))?.status === 'delivered', 5_000, 'delivered');
	// The dead process's late answer changes nothing.
	expect(await store.complete(subscription.id, id, 'dead-process', 200, 10, 60_000)).toBe(-2);
	await sleep(200);
	expect(sink.received).toHaveLength(1);
});

/**
 * Commands a client sent on this test's keys during `ms`. MONITOR also shows the commands a
 * script runs; ioredis sends command names in lower case and the relay's scripts call them in
 * upper case, which tells the two apart.
 */
async function commandsDuring(ms: number): Promise<string[]> {
	const monitor = await redis.duplicate().monitor();
	const seen: string[] = [];
	monitor.on('monitor', (_time: string, args: string[]) => {
		if (args[0] === args[0].toLowerCase() && args.some((arg) => arg.includes(prefix))) seen.push(args.slice(0, 3).join(' '));
	});
	await sleep(ms);
	monitor.disconnect();
	return seen;
}

it('idle subscriptions cost no Redis commands', async () => {
	const sink = await newSink();
	const idle: Subscription[] = [];
	for (let i = 0; i < 100; i += 1) idle.push(await subscribe(relay, { url: `${sink.url}/${i}` }));
	await enqueue(relay, idle[0], 1, 'idle-once');
	await waitFor(() => sink.received.length === 1, 10_000, 'one delivery');
	await sleep(300);
	// One look at the ready set a second (and the 5-second subscription check), not one per subscription.
	const seen = await commandsDuring(3_000);
	expect(seen.length).toBeLessThanOrEqual(8);
	await Promise.all(idle.map((s) => api(relay, 'DELETE', `/v1/subscriptions/${s.id}`)));
});

it('a subscription waiting out its rate limit is not polled', async () => {
	const sink = await newSink();
	const subscription = await subscribe(relay, { url: sink.url, rateLimitPerSecond: 1 });
	await enqueue(relay, subscription, 4, 'slow-rate');
	await waitFor(() => sink.received.length === 1, 10_000, 'the first delivery');
	const seen = await commandsDuring(2_000);
	// A few commands per one-second window (take, read, claim, settle, outcome), not a claim per event-loop turn.
	expect(seen.length).toBeLessThanOrEqual(30);
	await waitFor(() => sink.received.length === 4, 10_000, 'all four');
	await api(relay, 'DELETE', `/v1/subscriptions/${subscription.id}`);
});
