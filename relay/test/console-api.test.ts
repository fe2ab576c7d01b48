/**
 * The admin API behind the operator console, on two relay processes sharing one Redis prefix:
 * sources added and rotated at run time (validated like RELAY_SOURCES, picked up by the other
 * process without restart, secrets never shown), a document's timeline and its scoping to a
 * subscriber token, and the per-minute counters every process contributes to.
 */
import { generateSecret, signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import type { Relay } from '../src/app';
import { Sink, api, cleanRedis, post, signNowCallback, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

const prefix = uniquePrefix('console');
let one: Relay;
let two: Relay;
let sink: Sink;

function standardEvent(secret: string, id: string, documentId: string, atMs = Date.now()) {
	const body = JSON.stringify({ type: 'document.signed', timestamp: new Date(atMs).toISOString(), data: { document_id: documentId } });
	return { body, headers: { 'content-type': 'application/json', ...signedHeaders(secret, id, Math.floor(atMs / 1000), body) } };
}

beforeAll(async () => {
	sink = await new Sink().start();
	one = await startRelay(prefix);
	two = await startRelay(prefix);
});

afterAll(async () => {
	await Promise.all([one?.stop(), two?.stop()]);
	await sink?.close();
	await cleanRedis(prefix);
});

describe('sources added from the console', () => {
	const secret = generateSecret();

	it('adds a source on one process; the other takes events on it without a restart', async () => {
		expect((await post(`${two.url}/ingest/signbee2`, '{}', { 'content-type': 'application/json' })).status).toBe(404);
		const created = await api(one, 'POST', '/v1/sources/signbee2', { type: 'standard-webhooks', secret });
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({ id: 'signbee2', origin: 'console', ingestPath: '/ingest/signbee2' });
		const event = standardEvent(secret, 'msg_first', 'doc-sb');
		const accepted = await waitFor(async () => {
			const answer = await post(`${two.url}/ingest/signbee2`, event.body, event.headers);
			return answer.status === 200 && answer;
		}, 5_000, 'the second process to accept the new source');
		expect(accepted.json).toMatchObject({ ok: true, events: [{ duplicate: false }] });
	});

	it('never shows a secret back, only a hint; lists RELAY_SOURCES as read-only', async () => {
		const list = await api(two, 'GET', '/v1/sources');
		expect(JSON.stringify(list.json)).not.toContain(secret);
		const sources = list.json.data as Array<{ id: string; origin: string; secrets: Array<{ hint: string }> }>;
		expect(sources.find((source) => source.id === 'signbee2')?.secrets).toEqual([{ hint: `…${secret.slice(-4)} (${secret.length} characters)`, expiresAt: null }]);
		expect(sources.find((source) => source.id === 'signnow')?.origin).toBe('env');
		expect(JSON.stringify(list.json)).not.toContain('signnow-test-secret-key');
	});

	it('validates like RELAY_SOURCES and refuses what it may not change', async () => {
		expect((await api(one, 'POST', '/v1/sources/signnow', { type: 'signnow', secret: 'x' })).json).toMatchObject({ error: 'read_only' });
		expect((await api(one, 'PUT', '/v1/sources/signnow', { secret: 'x' })).status).toBe(409);
		expect((await api(one, 'POST', '/v1/sources/signbee2', { type: 'standard-webhooks', secret })).json).toMatchObject({ error: 'exists' });
		expect((await api(one, 'POST', '/v1/sources/nope', { type: 'fax-machine', secret })).status).toBe(400);
		// A generic HMAC sender without a signed time could be replayed once its id is forgotten.
		const unbounded = await api(one, 'POST', '/v1/sources/hmac', { type: 'generic-hmac', secret: 'k', options: { signatureHeader: 'x-sig' } });
		expect(unbounded.status).toBe(400);
		expect(String(unbounded.json.message)).toMatch(/RELAY_DEDUP_WINDOW|options/);
		expect((await api(one, 'POST', '/v1/sources/bad%20id', { type: 'signnow', secret })).status).toBe(400);
		expect((await api(one, 'POST', '/v1/sources/relay-test', { type: 'signnow', secret })).status).toBe(400);
		expect((await api(one, 'PUT', '/v1/sources/missing', { secret })).status).toBe(404);
	});

	it('is admin only', async () => {
		const token = (await api(one, 'POST', '/v1/tokens', { name: 'tenant' })).json.token as string;
		expect((await api(one, 'POST', '/v1/sources/mine', { type: 'standard-webhooks', secret }, token)).status).toBe(403);
		expect((await api(one, 'PUT', '/v1/sources/signbee2', { secret }, token)).status).toBe(403);
		const list = await api(one, 'GET', '/v1/sources', undefined, token);
		expect((list.json.data as Array<{ secrets: unknown[] }>).every((source) => source.secrets.length === 0)).toBe(true);
	});

	it('rotation keeps the old secret valid for the grace period only, on every process', async () => {
		const next = generateSecret();
		const rotated = await api(one, 'PUT', '/v1/sources/signbee2', { secret: next, graceSeconds: 2 });
		expect(rotated.status).toBe(200);
		expect((rotated.json.secrets as unknown[]).length).toBe(2);
		await sleep(300);
		for (const relay of [one, two]) {
			const old = standardEvent(secret, `msg_old_${relay === one ? 1 : 2}`, 'doc-sb');
			expect((await post(`${relay.url}/ingest/signbee2`, old.body, old.headers)).status).toBe(200);
		}
		await sleep(2_000);
		for (const relay of [one, two]) {
			const old = standardEvent(secret, 'msg_late', 'doc-sb');
			expect((await post(`${relay.url}/ingest/signbee2`, old.body, old.headers)).status).toBe(401);
			const fresh = standardEvent(next, `msg_new_${relay === one ? 1 : 2}`, 'doc-sb');
			expect((await post(`${relay.url}/ingest/signbee2`, fresh.body, fresh.headers)).status).toBe(200);
		}
		const list = await api(two, 'GET', '/v1/sources');
		expect((list.json.data as Array<{ id: string; secrets: unknown[] }>).find((source) => source.id === 'signbee2')?.secrets).toHaveLength(1);
	});
});

describe('document timeline', () => {
	it('lists every event of a document from every source, with each delivery and its attempts', async () => {
		const sub = await api(one, 'POST', '/v1/subscriptions', { url: sink.url, sources: ['signnow'], description: 'n8n workflow "CRM", node "Trigger"' });
		const documentId = 'doc_timeline_1';
		for (const event of ['document.fieldinvite.create', 'document.complete']) {
			const callback = signNowCallback({ event, documentId });
			expect((await post(`${one.url}/ingest/signnow`, callback.body, callback.headers)).status).toBe(200);
		}
		const timeline = await waitFor(async () => {
			const answer = await api(two, 'GET', `/v1/documents/${documentId}/timeline`);
			const events = answer.json.events as Array<{ deliveries: Array<{ status: string }> }>;
			return events?.length === 2 && events.every((event) => event.deliveries[0]?.status === 'delivered') && answer.json;
		}, 10_000, 'both events delivered');
		expect(timeline).toMatchObject({
			documentId,
			steps: { uploaded: true, invite_sent: true, signed: true, delivered: true, failed: false },
			events: [
				{ source: 'signnow', type: 'invite.sent', label: 'Invite sent', stage: 'invite_sent' },
				{ source: 'signnow', type: 'document.completed', label: 'Signed by everyone', stage: 'signed' },
			],
		});
		const delivery = (timeline.events as Array<{ deliveries: Array<Record<string, unknown>> }>)[1].deliveries[0];
		expect(delivery).toMatchObject({ subscriptionId: sub.json.id, description: 'n8n workflow "CRM", node "Trigger"' });
		expect(delivery.history).toEqual([expect.objectContaining({ outcome: 'delivered', status: 200, error: null })]);
		// Listed first among the recent documents, with its source.
		const recent = await api(one, 'GET', '/v1/documents?limit=5');
		expect((recent.json.data as Array<{ documentId: string; sources: string[] }>)[0]).toMatchObject({ documentId, sources: ['signnow'] });
		// The same attempts through the deliveries API.
		const listed = await api(one, 'GET', `/v1/deliveries?subscriptionId=${String(sub.json.id)}&include=attempts`);
		expect((listed.json.data as Array<{ history: unknown[] }>)[0].history).toHaveLength(1);
	});

	it('shows a subscriber token only the events its subscriptions matched, and only their deliveries', async () => {
		const token = (await api(one, 'POST', '/v1/tokens', { name: 'team b' })).json.token as string;
		const documentId = 'doc_timeline_2';
		const first = signNowCallback({ event: 'document.fieldinvite.create', documentId });
		expect((await post(`${one.url}/ingest/signnow`, first.body, first.headers)).status).toBe(200);
		await sleep(200);
		// Created after the first event: it saw only the second.
		const own = await api(one, 'POST', '/v1/subscriptions', { url: `${sink.url}?team=b`, sources: ['signnow'] }, token);
		expect(own.status).toBe(201);
		const second = signNowCallback({ event: 'document.complete', documentId });
		expect((await post(`${one.url}/ingest/signnow`, second.body, second.headers)).status).toBe(200);
		const timeline = await waitFor(async () => {
			const answer = await api(one, 'GET', `/v1/documents/${documentId}/timeline`, undefined, token);
			return answer.status === 200 && (answer.json.events as unknown[]).length === 1 && answer.json;
		}, 10_000, "the subscriber's timeline");
		const [event] = timeline.events as Array<{ type: string; deliveries: Array<{ subscriptionId: string }> }>;
		expect(event.type).toBe('document.completed');
		expect(event.deliveries.map((delivery) => delivery.subscriptionId)).toEqual([own.json.id]);
		// Among the recent documents it sees only this one.
		const recent = await api(one, 'GET', '/v1/documents', undefined, token);
		expect((recent.json.data as Array<{ documentId: string }>).map((item) => item.documentId)).toEqual([documentId]);
		// A document none of its subscriptions saw does not exist for it.
		expect((await api(one, 'GET', '/v1/documents/doc_timeline_1/timeline', undefined, token)).status).toBe(404);
		expect((await api(one, 'GET', '/v1/stats', undefined, token)).json.lastHour).toBeNull();
	});
});

describe('per-minute counters', () => {
	it('adds up what every process counted', async () => {
		// What earlier tests counted is written within 5 seconds (FLUSH_MS): let it land first.
		await sleep(5_500);
		const before = (await api(one, 'GET', '/v1/stats')).json.lastHour as { totals: { received: number }; rejectedByReason: Record<string, number> };
		for (const relay of [one, two]) {
			const good = signNowCallback({ documentId: `doc_stats_${relay === one ? 1 : 2}` });
			expect((await post(`${relay.url}/ingest/signnow`, good.body, good.headers)).status).toBe(200);
			const forged = signNowCallback({ documentId: 'doc_forged' }, 'not-the-secret');
			expect((await post(`${relay.url}/ingest/signnow`, forged.body, forged.headers)).status).toBe(401);
		}
		const after = await waitFor(async () => {
			const stats = (await api(two, 'GET', '/v1/stats')).json.lastHour as typeof before;
			return stats.totals.received >= before.totals.received + 4 && stats;
		}, 8_000, 'both processes to flush');
		expect(after.totals.received).toBe(before.totals.received + 4);
		expect(after.rejectedByReason.bad_signature).toBe((before.rejectedByReason.bad_signature ?? 0) + 2);
		expect((after as unknown as { minutes: unknown[] }).minutes).toHaveLength(60);
	});
});
