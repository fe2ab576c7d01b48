/**
 * Isolation between subscriptions on one origin (every n8n trigger's URL is on n8n's one
 * origin): one workflow answering 5xx slows only itself; an origin that cannot be reached at
 * all pauses every subscription to it.
 */
import type { Relay } from '../src/app';
import { Sink, api, cleanRedis, post, signNowCallback, startRelay, uniquePrefix, waitFor } from './helpers';

const prefix = uniquePrefix('isolation');
let relay: Relay;
let sink: Sink;

beforeAll(async () => {
	// The production breaker defaults (5 failures, 30 s cool-down): long enough that a healthy
	// subscription stalled behind a shared breaker could not catch up within the test.
	relay = await startRelay(prefix, {
		retrySchedule: '50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms,50ms',
		circuitFailureThreshold: 5,
		circuitCooldownMs: '30s',
	});
	sink = await new Sink().start();
	// One origin, two n8n webhooks: /webhook/failing answers 500, anything else 200.
	sink.handler = (request, _index, res) => {
		res.writeHead(request.path.startsWith('/webhook/failing') ? 500 : 200).end();
	};
});

afterAll(async () => {
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
});

async function subscribe(path: string, documentId: string): Promise<string> {
	const origin = new URL(sink.url).origin;
	const response = await api(relay, 'POST', '/v1/subscriptions', { url: `${origin}${path}`, documentId });
	expect(response.status).toBe(201);
	return response.json.id as string;
}

async function ingest(documentId: string, n: number): Promise<void> {
	const callback = signNowCallback({ documentId, extra: { n } });
	expect((await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers)).status).toBe(200);
}

it("one workflow's 5xx does not hold up another subscription on the same origin", async () => {
	await subscribe('/webhook/failing', 'doc_failing');
	for (let i = 0; i < 6; i += 1) await ingest('doc_failing', i);
	// Five consecutive 5xx: the breaker (threshold 5) opens on the failing subscription.
	await waitFor(() => sink.received.filter((r) => r.path.startsWith('/webhook/failing')).length >= 5, 10_000, "failing attempts");

	await subscribe('/webhook/healthy', 'doc_healthy');
	for (let i = 0; i < 12; i += 1) await ingest('doc_healthy', i);
	// Well within the 30 s cool-down: a breaker shared by the origin would still be open.
	await waitFor(() => sink.received.filter((r) => r.path === '/webhook/healthy').length === 12, 8_000, 'all 12 healthy deliveries');
});

it('an origin nobody answers on is paused for every subscription to it', async () => {
	// A port that refuses connections: no process listens on it any more.
	const gone = await new Sink().start();
	const origin = new URL(gone.url).origin;
	await gone.close();
	const ids: string[] = [];
	for (let i = 0; i < 4; i += 1) {
		const response = await api(relay, 'POST', '/v1/subscriptions', { url: `${origin}/webhook/down-${i}`, documentId: 'doc_down' });
		ids.push(response.json.id as string);
	}
	for (let i = 0; i < 2; i += 1) await ingest('doc_down', i);
	await new Promise((resolve) => setTimeout(resolve, 2_000));
	let attempts = 0;
	for (const id of ids) {
		const listed = await api(relay, 'GET', `/v1/deliveries?subscriptionId=${id}`);
		for (const delivery of listed.json.data as Array<{ attempts: number }>) attempts += delivery.attempts;
	}
	// Retries every 50 ms: each subscription alone would try until its own breaker opened
	// (5 failures, 20 in all); the origin pause stops them all after the first few refusals.
	expect(attempts).toBeGreaterThanOrEqual(5);
	expect(attempts).toBeLessThanOrEqual(10);
});
