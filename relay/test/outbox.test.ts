/**
 * The acknowledgement does not wait for the fan-out, and the fan-out survives the process
 * that acknowledged: an event whose fan-out never ran (the process "died" right after its
 * 2xx) is fanned out by another relay once its lease passes, exactly once per subscription.
 */
import { Redis } from 'ioredis';

import type { Relay } from '../src/app';
import { SOURCES, Sink, api, cleanRedis, post, signNowCallback, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

const prefix = uniquePrefix('outbox');
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
let sink: Sink;
const relays: Relay[] = [];

beforeAll(async () => {
	sink = await new Sink().start();
});

afterAll(async () => {
	await Promise.all(relays.map((relay) => relay.stop()));
	await sink.close();
	await cleanRedis(prefix);
	redis.disconnect();
});

it('another relay fans out what an acknowledging relay never did, once the lease passes', async () => {
	const first = await startRelay(prefix, { fanoutLeaseMs: '600ms' });
	relays.push(first);
	const subscriptions = await Promise.all(
		[1, 2, 3].map(async () => (await api(first, 'POST', '/v1/subscriptions', { url: sink.url })).json.id as string),
	);
	// As if the process were killed between its 2xx and the fan-out.
	first.fanout.holdForTests = true;
	const ids: string[] = [];
	for (let n = 0; n < 5; n += 1) {
		const callback = signNowCallback({ documentId: `doc_outbox_${n}` });
		const response = await post(`${first.url}/ingest/signnow`, callback.body, callback.headers);
		expect(response.status).toBe(200);
		ids.push((response.json as { events: Array<{ id: string }> }).events[0].id);
	}
	await sleep(300);
	expect(sink.received).toHaveLength(0);
	expect(await redis.zcard(first.keys.outbox('signnow'))).toBe(5);

	const second = await startRelay(prefix, { fanoutLeaseMs: '600ms' });
	relays.push(second);
	await waitFor(() => sink.received.length >= 15, 15_000, '5 events × 3 subscriptions');
	await sleep(1_000);
	expect(sink.received).toHaveLength(15);
	for (const id of ids) expect(sink.received.filter((r) => r.headers['webhook-id'] === `signnow:${id}`)).toHaveLength(3);
	expect(await redis.zcard(first.keys.outbox('signnow'))).toBe(0);
	expect(Number((await second.metrics.registry.getSingleMetricAsString('relay_fanout_recovered_total')).split(' ').pop())).toBeGreaterThanOrEqual(5);
	for (const id of subscriptions) await api(second, 'DELETE', `/v1/subscriptions/${id}`);
});

it('a fan-out that fails (Redis refuses a job add) is retried after the lease and delivered once', async () => {
	const relay = await startRelay(prefix, { fanoutLeaseMs: '400ms' });
	relays.push(relay);
	const before = sink.received.length;
	const created = await api(relay, 'POST', '/v1/subscriptions', { url: sink.url, documentId: 'doc_fail_once' });
	const original = relay.deliveries.enqueue.bind(relay.deliveries);
	let failures = 1;
	relay.deliveries.enqueue = async (...args) => {
		if (failures-- > 0) throw new Error('simulated: Redis refused the job add');
		return original(...args);
	};
	const callback = signNowCallback({ documentId: 'doc_fail_once' });
	const response = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
	expect(response.status).toBe(200);
	await waitFor(() => sink.received.length === before + 1, 10_000, 'the delivery after the failed fan-out');
	await sleep(800);
	expect(sink.received).toHaveLength(before + 1);
	await api(relay, 'DELETE', `/v1/subscriptions/${created.json.id as string}`);
});

it('finishes the outbox of a source removed from RELAY_SOURCES while it still had acknowledged events', async () => {
	// The events were acknowledged with 2xx: whatever the configuration says now, they are owed.
	const first = await startRelay(prefix, { fanoutLeaseMs: '400ms' });
	relays.push(first);
	const created = await api(first, 'POST', '/v1/subscriptions', { url: sink.url, sources: ['signnow'] });
	first.fanout.holdForTests = true;
	const ids: string[] = [];
	for (let n = 0; n < 3; n += 1) {
		const callback = signNowCallback({ documentId: `doc_removed_source_${n}` });
		const response = await post(`${first.url}/ingest/signnow`, callback.body, callback.headers);
		expect(response.status).toBe(200);
		ids.push((response.json as { events: Array<{ id: string }> }).events[0].id);
	}
	expect(await redis.zcard(first.keys.outbox('signnow'))).toBe(3);
	await first.stop();
	relays.splice(relays.indexOf(first), 1);

	// Restarted without the signnow source (another source kept, so the relay has something to sweep).
	const second = await startRelay(prefix, { fanoutLeaseMs: '400ms', sources: SOURCES.filter((source) => source.id !== 'signnow') });
	relays.push(second);
	await waitFor(
		() => ids.every((id) => sink.received.some((r) => r.headers['webhook-id'] === `signnow:${id}`)),
		10_000,
		'the removed source\'s 3 acknowledged events delivered',
	);
	await sleep(600);
	for (const id of ids) {
		expect(sink.received.filter((r) => r.headers['webhook-id'] === `signnow:${id}`)).toHaveLength(1);
	}
	expect(await redis.zcard(second.keys.outbox('signnow'))).toBe(0);
	await api(second, 'DELETE', `/v1/subscriptions/${created.json.id as string}`);
});
