/**
 * Sources are separate namespaces: two sources whose providers number events the same way
 * (two Standard Webhooks senders, two accounts) must both be delivered, and an upgrade from
 * the unscoped keys must not redeliver what the old relay already took.
 */
import { Redis } from 'ioredis';

import { stableEventId } from '../../nodes/providers/webhook';

import type { Relay } from '../src/app';
import { deliveryId } from '../src/deliveries';
import { Keys } from '../src/redis';
import {
	SIGNBEE_SECRET,
	STANDARD_SECRET,
	Sink,
	api,
	cleanRedis,
	post,
	sleep,
	standardCallback,
	startRelay,
	uniquePrefix,
	waitFor,
} from './helpers';

// ioredis's own slot function (CRC16 of the hash tag, as Redis Cluster computes it); it ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const calculateSlot = require('cluster-key-slot') as (key: string) => number;

const SIGNBEE_HEADERS = { id: 'x-signbee-event-id', timestamp: 'x-signbee-timestamp', signature: 'x-signbee-signature' };
const prefix = uniquePrefix('namespaces');
let relay: Relay;
let sink: Sink;
let subscriptionId: string;
const redis = new Redis({ host: '127.0.0.1', port: 6379 });

beforeAll(async () => {
	sink = await new Sink().start();
	relay = await startRelay(prefix);
	const created = await api(relay, 'POST', '/v1/subscriptions', { url: sink.url });
	expect(created.status).toBe(201);
	subscriptionId = created.json.id as string;
});

afterAll(async () => {
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
	redis.disconnect();
});

/** The deliveries of one canonical event id, whichever source (the body's id; webhook-id adds the source). */
function deliveredIds(id: string): Array<{ source: string }> {
	return sink.received
		.map((r) => JSON.parse(r.body) as { id: string; source: string })
		.filter((event) => event.id === id);
}

it('gives colliding events of two sources different webhook-ids, each stable across retries', async () => {
	// A receiver deduplicating on webhook-id (as Standard Webhooks and the n8n docs tell it to)
	// must not drop the second source's genuine event.
	const id = `${Date.now().toString(36)}-webhook-id`;
	let failFirst = true;
	const failing = await new Sink().start();
	failing.handler = (request, _index, res) => {
		const event = JSON.parse(request.body) as { source: string };
		if (event.source === 'signbee' && failFirst) {
			failFirst = false;
			res.statusCode = 500;
		}
		res.end();
	};
	const own = await api(relay, 'POST', '/v1/subscriptions', { url: failing.url, sources: ['standard', 'signbee'] });
	try {
		const first = standardCallback(STANDARD_SECRET, undefined, { id, documentId: 'doc_wid_a' });
		const second = standardCallback(SIGNBEE_SECRET, SIGNBEE_HEADERS, { id, documentId: 'doc_wid_b' });
		expect((await post(`${relay.url}/ingest/standard`, first.body, first.headers)).status).toBe(200);
		expect((await post(`${relay.url}/ingest/signbee`, second.body, second.headers)).status).toBe(200);
		// Two deliveries plus the retry of signbee's (refused once).
		await waitFor(() => failing.received.length === 3, 10_000, 'both deliveries and one retry');
		const bySource = new Map<string, Set<string>>();
		for (const received of failing.received) {
			const event = JSON.parse(received.body) as { source: string };
			bySource.set(event.source, (bySource.get(event.source) ?? new Set()).add(String(received.headers['webhook-id'])));
		}
		const standardIds = [...(bySource.get('standard') ?? [])];
		const signbeeIds = [...(bySource.get('signbee') ?? [])];
		// One id per source, the same on the retry, and not the same as the other source's.
		expect(standardIds).toHaveLength(1);
		expect(signbeeIds).toHaveLength(1);
		expect(standardIds[0]).not.toBe(signbeeIds[0]);
	} finally {
		await api(relay, 'DELETE', `/v1/subscriptions/${own.json.id as string}`);
		await failing.close();
	}
});

it('delivers the genuine events of two sources that number their events alike (1, 2, 3)', async () => {
	const run = Date.now().toString(36);
	const ids: string[] = [];
	for (const n of [1, 2, 3]) {
		const first = standardCallback(STANDARD_SECRET, undefined, { id: `${run}-${n}`, documentId: `doc_a_${n}` });
		const second = standardCallback(SIGNBEE_SECRET, SIGNBEE_HEADERS, { id: `${run}-${n}`, documentId: `doc_b_${n}` });
		const a = await post(`${relay.url}/ingest/standard`, first.body, first.headers);
		const b = await post(`${relay.url}/ingest/signbee`, second.body, second.headers);
		const idA = (a.json as { events: Array<{ id: string }> }).events[0].id;
		// Both providers derive the event id from the message id alone: the ids collide.
		expect(a.json).toEqual({ ok: true, events: [{ id: idA, duplicate: false }] });
		expect(b.json).toEqual({ ok: true, events: [{ id: idA, duplicate: false }] });
		ids.push(idA);
	}
	for (const id of ids) {
		await waitFor(() => deliveredIds(id).length === 2, 10_000, `both deliveries of ${id}`);
		expect(deliveredIds(id).map((e) => e.source).sort()).toEqual(['signbee', 'standard']);
	}
	// Each source's copy is stored and addressable on its own.
	const stored = await api(relay, 'GET', `/v1/events/${ids[1]}?source=signbee`);
	expect(stored.json).toMatchObject({ source: 'signbee', documentId: 'doc_b_2' });
	expect((await api(relay, 'GET', `/v1/events/${ids[1]}?source=standard`)).json).toMatchObject({ documentId: 'doc_a_2' });
	expect((await api(relay, 'GET', `/v1/events/${ids[1]}`)).status).toBe(409);
	const job = await relay.deliveries.get(deliveryId(subscriptionId, 'standard', ids[1]));
	expect(job).toMatchObject({ id: `${subscriptionId}.standard.${ids[1]}`, subscriptionId, eventId: ids[1] });
	// A resend is still a duplicate within its own source.
	const again = standardCallback(STANDARD_SECRET, undefined, { id: `${run}-1` });
	expect((await post(`${relay.url}/ingest/standard`, again.body, again.headers)).json).toMatchObject({
		events: [{ id: ids[0], duplicate: true }],
	});
	await sleep(300);
	expect(deliveredIds(ids[0])).toHaveLength(2);
});

it('after an upgrade, takes an event the old relay had fully queued (unscoped key "q") for a duplicate', async () => {
	const messageId = `legacy-${Date.now().toString(36)}`;
	const id = stableEventId('standard-webhooks', messageId);
	// What the previous version left: dedup:<id> = "q" (all jobs added) and event:<id>.
	await redis.set(`${prefix}dedup:${id}`, 'q', 'PX', 60_000);
	await redis.set(`${prefix}event:${id}`, JSON.stringify({ id, source: 'standard' }), 'PX', 60_000);
	const resend = standardCallback(STANDARD_SECRET, undefined, { id: messageId });
	const response = await post(`${relay.url}/ingest/standard`, resend.body, resend.headers);
	expect(response.json).toMatchObject({ events: [{ id, duplicate: true }] });
	await sleep(500);
	expect(deliveredIds(id)).toHaveLength(0);
	// The old event stays readable through the API.
	expect((await api(relay, 'GET', `/v1/events/${id}`)).json).toMatchObject({ id, source: 'standard' });
});

it('after an upgrade, fans out an event the old relay stored but had not finished queueing ("p")', async () => {
	const messageId = `legacy-p-${Date.now().toString(36)}`;
	const id = stableEventId('standard-webhooks', messageId);
	await redis.set(`${prefix}dedup:${id}`, 'p', 'PX', 60_000);
	const resend = standardCallback(STANDARD_SECRET, undefined, { id: messageId });
	const response = await post(`${relay.url}/ingest/standard`, resend.body, resend.headers);
	expect(response.status).toBe(200);
	// Delivered (at least once is the promise; the old relay may have queued some of it).
	await waitFor(() => deliveredIds(id).length === 1, 10_000, 'delivery of the half-queued event');
});

it('keeps the per-source keys in one Cluster slot per source, apart from other sources', () => {
	const keys = relay.keys;
	expect(keys.dedup('standard', 'e1')).toBe(`${prefix}{src:standard}:dedup:e1`);
	expect(keys.event('standard', 'e1')).toBe(`${prefix}{src:standard}:event:e1`);
	expect(keys.outbox('standard')).toBe(`${prefix}{src:standard}:outbox`);
	expect(keys.dedup('signbee', 'e1')).not.toBe(keys.dedup('standard', 'e1'));
});

it('on a Cluster, each ingest script touches one slot; sources spread over slots; old keys are read only where they can share it', () => {
	const untagged = new Keys('esign-relay:', { cluster: true });
	const scriptSlots = (keys: Keys, source: string) =>
		new Set([keys.dedup(source, 'evt_1'), keys.event(source, 'evt_1'), keys.outbox(source)].map((key) => calculateSlot(key)));
	expect(scriptSlots(untagged, 'signnow').size).toBe(1);
	const sourceSlots = new Set(['signnow', 'docusign', 'standard', 'signbee', 'acme-1', 'acme-2'].map((source) => calculateSlot(untagged.outbox(source))));
	expect(sourceSlots.size).toBeGreaterThan(1);
	// Without a tag in the prefix the old layout could not have run on a Cluster (CROSSSLOT): nothing to read.
	expect(untagged.legacyInSlot).toBe(false);
	const tagged = new Keys('{esign-relay}:', { cluster: true });
	expect(tagged.legacyInSlot).toBe(true);
	expect(new Set([...scriptSlots(tagged, 'signnow'), calculateSlot(tagged.legacyDedup('evt_1'))]).size).toBe(1);
	expect(new Keys('esign-relay:').legacyInSlot).toBe(true);
});
