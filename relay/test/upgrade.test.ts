/**
 * Upgrading from the relay that kept deliveries in BullMQ queues: what those queues hold when
 * the new relay starts is delivered (pending) or kept as a dead letter, and the old keys go.
 */
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

import type { Relay } from '../src/app';
import { Keys } from '../src/redis';
import { SubscriptionStore } from '../src/subscriptions';
import { Sink, api, cleanRedis, startRelay, uniquePrefix, waitFor } from './helpers';

const prefix = uniquePrefix('upgrade');
let relay: Relay | undefined;
let sink: Sink;
let redis: Redis;

beforeAll(async () => {
	sink = await new Sink().start();
	redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
});

afterAll(async () => {
	await relay?.stop();
	await sink.close();
	redis.disconnect();
	await cleanRedis(prefix);
});

it('moves pending deliveries and dead letters out of the old BullMQ queues', async () => {
	const keys = new Keys(prefix);
	const subscription = await new SubscriptionStore(redis, keys, { maxInFlight: 4, rateLimitPerSecond: 0 }).create({ url: sink.url });
	// As relay 0.1 wrote them: a queue per subscription, job id = subscription + event.
	const queue = new Queue(`delivery-${subscription.id}`, { connection: redis, prefix: keys.bull });
	const job = (eventId: string) => ({
		eventId,
		subscriptionId: subscription.id,
		body: JSON.stringify({ id: eventId, source: 'signnow' }),
		target: new URL(sink.url).origin,
		receivedAtMs: Date.now(),
	});
	// A dead letter the way BullMQ made one: a worker's last attempt failed.
	const worker = new Worker(`delivery-${subscription.id}`, () => Promise.reject(new Error('HTTP 500')), { connection: redis.duplicate(), prefix: keys.bull });
	await queue.add('deliver', job('evt_dead'), { jobId: `${subscription.id}.evt_dead`, attempts: 1 });
	await waitFor(async () => (await queue.getJobState(`${subscription.id}.evt_dead`)) === 'failed', 10_000, 'the old dead letter');
	await worker.close();
	await queue.add('deliver', job('evt_waiting'), { jobId: `${subscription.id}.evt_waiting`, attempts: 3 });
	await queue.add('deliver', job('evt_delayed'), { jobId: `${subscription.id}.evt_delayed`, attempts: 3, delay: 60_000 });
	await queue.close();

	relay = await startRelay(prefix);
	await waitFor(() => sink.received.length >= 2, 10_000, 'the pending deliveries');
	expect(sink.received.map((r) => r.headers['webhook-id']).sort()).toEqual(['signnow:evt_delayed', 'signnow:evt_waiting']);
	const listed = await api(relay, 'GET', `/v1/deliveries?status=dead&subscriptionId=${subscription.id}`);
	expect(listed.json.data).toEqual([
		expect.objectContaining({ id: `${subscription.id}.signnow.evt_dead`, status: 'dead', attempts: 1, lastError: 'HTTP 500' }),
	]);
	expect(await redis.keys(`${keys.bull}:delivery-${subscription.id}:*`)).toEqual([]);
});
