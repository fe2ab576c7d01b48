/** The admin API: auth, subscription CRUD, validation, target allowlist, operational endpoints. */
import type { Relay } from '../src/app';
import { TOKEN, api, cleanRedis, startRelay, uniquePrefix } from './helpers';

const prefix = uniquePrefix('admin');
let relay: Relay;

beforeAll(async () => {
	relay = await startRelay(prefix);
});

afterAll(async () => {
	await relay.stop();
	await cleanRedis(prefix);
});

describe('authentication', () => {
	it.each([
		['GET', '/v1/subscriptions'],
		['POST', '/v1/subscriptions'],
		['GET', '/v1/deliveries'],
		['POST', '/v1/dead-letter/replay'],
		['GET', '/v1/events/evt_x'],
		['GET', '/v1/tokens'],
		['POST', '/v1/tokens'],
	])('%s %s: 401 without a token, 403 with a wrong one', async (method, path) => {
		const missing = await api(relay, method, path, method === 'POST' ? {} : undefined, null);
		expect(missing.status).toBe(401);
		expect(missing.json).toMatchObject({ error: 'unauthorized' });
		const wrong = await api(relay, method, path, method === 'POST' ? {} : undefined, `${TOKEN}x`);
		expect(wrong.status).toBe(403);
		expect(wrong.json).toMatchObject({ error: 'forbidden' });
		const short = await api(relay, method, path, method === 'POST' ? {} : undefined, 'x');
		expect(short.status).toBe(403);
	});
});

describe('subscriptions', () => {
	it('creates, lists, gets and deletes; the secret is shown only once', async () => {
		const created = await api(relay, 'POST', '/v1/subscriptions', {
			url: 'http://127.0.0.1:5678/webhook/abc',
			sources: ['signnow'],
			providers: ['signnow'],
			eventTypes: ['document.completed', 'invite.signed'],
			documentId: 'doc_1',
			description: 'NDA flow',
		});
		expect(created.status).toBe(201);
		expect(created.json).toMatchObject({
			url: 'http://127.0.0.1:5678/webhook/abc',
			sources: ['signnow'],
			providers: ['signnow'],
			eventTypes: ['document.completed', 'invite.signed'],
			documentId: 'doc_1',
			description: 'NDA flow',
			status: 'active',
		});
		expect(created.json.id).toMatch(/^sub_/);
		expect(created.json.secret).toMatch(/^whsec_/);
		expect(Number.isNaN(Date.parse(created.json.createdAt as string))).toBe(false);
		const id = created.json.id as string;

		const got = await api(relay, 'GET', `/v1/subscriptions/${id}`);
		expect(got.status).toBe(200);
		expect(got.json.id).toBe(id);
		expect(got.json).not.toHaveProperty('secret');

		const list = await api(relay, 'GET', '/v1/subscriptions');
		const data = list.json.data as Array<Record<string, unknown>>;
		expect(data.map((s) => s.id)).toContain(id);
		expect(data.every((s) => !('secret' in s))).toBe(true);

		expect((await api(relay, 'DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
		expect((await api(relay, 'GET', `/v1/subscriptions/${id}`)).status).toBe(404);
		expect((await api(relay, 'DELETE', `/v1/subscriptions/${id}`)).status).toBe(404);
	});

	it('rejects invalid bodies with a readable 400', async () => {
		const noUrl = await api(relay, 'POST', '/v1/subscriptions', { sources: ['signnow'] });
		expect(noUrl.status).toBe(400);
		expect(noUrl.json.message).toMatch(/url/);
		const badType = await api(relay, 'POST', '/v1/subscriptions', { url: 'http://127.0.0.1/x', eventTypes: ['document.exploded'] });
		expect(badType.status).toBe(400);
		expect(badType.json.message).toMatch(/eventTypes/);
		const unknownField = await api(relay, 'POST', '/v1/subscriptions', { url: 'http://127.0.0.1/x', colour: 'red' });
		expect(unknownField.status).toBe(400);
		const notJson = await fetch(`${relay.url}/v1/subscriptions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
			body: '{nope',
		});
		expect(notJson.status).toBe(400);
		const badStatus = await api(relay, 'GET', '/v1/deliveries?status=lost');
		expect(badStatus.status).toBe(400);
	});

	it('refuses targets outside the allowlist, and link-local/metadata addresses always', async () => {
		for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x', 'http://metadata.google.internal/x', 'http://8.8.8.8/hook', 'ftp://127.0.0.1/x']) {
			const response = await api(relay, 'POST', '/v1/subscriptions', { url });
			expect([400, 422]).toContain(response.status);
			if (!url.startsWith('ftp')) expect(response.json).toMatchObject({ error: 'target_not_allowed' });
		}
		for (const url of ['http://10.1.2.3:5678/webhook/x', 'http://192.168.1.20/x', 'http://localhost:5678/webhook/y']) {
			expect((await api(relay, 'POST', '/v1/subscriptions', { url })).status).toBe(201);
		}
	});

	it('404s unknown events, deliveries and subscriptions', async () => {
		expect((await api(relay, 'GET', '/v1/events/evt_unknown')).status).toBe(404);
		expect((await api(relay, 'GET', '/v1/deliveries/nonsense')).status).toBe(404);
		expect((await api(relay, 'POST', '/v1/subscriptions/sub_0/test')).status).toBe(404);
		expect((await api(relay, 'POST', '/v1/dead-letter/replay', { subscriptionId: 'sub_0' })).status).toBe(404);
	});
});

describe('operations', () => {
	it('serves health, readiness, metrics and the OpenAPI document', async () => {
		expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
		const ready = await fetch(`${relay.url}/readyz`);
		expect(ready.status).toBe(200);
		expect(await ready.json()).toEqual({ ok: true, checks: { redis: true, workers: true } });
		const metrics = await (await fetch(`${relay.url}/metrics`)).text();
		for (const name of [
			'relay_events_received_total',
			'relay_events_rejected_total',
			'relay_events_duplicate_total',
			'relay_events_enqueued_total',
			'relay_deliveries_delivered_total',
			'relay_deliveries_retried_total',
			'relay_deliveries_dead_lettered_total',
			'relay_delivery_latency_seconds',
			'relay_queue_depth',
		]) {
			expect(metrics).toContain(name);
		}
		expect(metrics).toMatch(/relay_queue_depth\{queue="delivery",state="waiting"\} \d+/);
		const openapi = (await (await fetch(`${relay.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
		expect(openapi.openapi).toBe('3.1.0');
		expect(Object.keys(openapi.paths)).toEqual(
			expect.arrayContaining(['/ingest/{source}', '/v1/subscriptions', '/v1/subscriptions/{id}', '/v1/events/{id}', '/v1/deliveries', '/v1/deliveries/{id}/retry', '/v1/dead-letter/replay', '/v1/subscriptions/{id}/test', '/v1/tokens', '/v1/tokens/{id}']),
		);
	});

	it('echoes a request id', async () => {
		const response = await fetch(`${relay.url}/healthz`, { headers: { 'x-request-id': 'req-123' } });
		expect(response.headers.get('x-request-id')).toBe('req-123');
		expect((await fetch(`${relay.url}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
	});
});
