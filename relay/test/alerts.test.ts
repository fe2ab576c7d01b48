/**
 * Alerts to a Slack-compatible webhook, with a real HTTP sink and a real Redis: a dead letter,
 * a breaker opening and a rejection spike each send one `{"text"}`; several processes send an
 * alert once; alerts are rate-limited; a hanging alert webhook delays nothing; the URL passes
 * the delivery target checks.
 */
import { Redis } from 'ioredis';
import pino from 'pino';

import { Alerts } from '../src/alerts';
import type { Relay } from '../src/app';
import { loadConfig } from '../src/config';
import { Metrics } from '../src/metrics';
import { Keys } from '../src/redis';
import { api, cleanRedis, post, signNowCallback, Sink, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

let prefix: string;
let alertSink: Sink;
let target: Sink;
const relays: Relay[] = [];
const clients: Redis[] = [];

beforeEach(async () => {
	prefix = uniquePrefix('alerts');
	alertSink = await new Sink().start();
	target = await new Sink().start();
});

afterEach(async () => {
	for (const relay of relays.splice(0)) await relay.stop();
	for (const client of clients.splice(0)) client.disconnect();
	await alertSink.close();
	await target.close();
	await cleanRedis(prefix);
});

function texts(): string[] {
	return alertSink.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
}

async function relayWithAlerts(overrides: Record<string, unknown> = {}): Promise<Relay> {
	const relay = await startRelay(prefix, { alertWebhookUrl: alertSink.url, ...overrides });
	relays.push(relay);
	return relay;
}

async function subscribe(relay: Relay): Promise<string> {
	const { status, json } = await api(relay, 'POST', '/v1/subscriptions', { url: target.url });
	expect(status).toBe(201);
	return String(json.id);
}

describe('alerts', () => {
	it('a dead-lettered delivery: one alert per subscription and window, as {"text"}', async () => {
		const relay = await relayWithAlerts({ retrySchedule: '' });
		const subscriptionId = await subscribe(relay);
		target.handler = (_request, _index, res) => void res.writeHead(500).end();
		for (let i = 0; i < 3; i++) {
			const { body, headers } = signNowCallback();
			expect((await post(`${relay.url}/ingest/signnow`, body, headers)).status).toBe(200);
		}
		await waitFor(() => target.received.length >= 3 || undefined, 10_000, 'three failed attempts');
		await waitFor(() => alertSink.received.length >= 1 || undefined, 10_000, 'the alert');
		await relay.alerts.drain();
		await sleep(300);
		expect(alertSink.received).toHaveLength(1);
		expect(alertSink.received[0].headers['content-type']).toBe('application/json');
		expect(texts()[0]).toMatch(new RegExp(`delivery ${subscriptionId}\\.signnow\\.evt_\\S+ to subscription ${subscriptionId} was dead-lettered after 1 attempt\\(s\\) \\(HTTP 500 Internal Server Error\\)`));
	});

	it('a circuit breaker opening', async () => {
		const relay = await relayWithAlerts({ circuitFailureThreshold: 2, retrySchedule: '50ms,50ms,50ms', circuitCooldownMs: '10s' });
		const subscriptionId = await subscribe(relay);
		target.handler = (_request, _index, res) => void res.writeHead(503).end();
		const { body, headers } = signNowCallback();
		await post(`${relay.url}/ingest/signnow`, body, headers);
		await waitFor(() => texts().find((text) => text.includes('circuit breaker')), 10_000, 'the breaker alert');
		expect(texts().filter((text) => text.includes('circuit breaker'))).toEqual([
			`esign-relay: the circuit breaker of subscription ${subscriptionId} opened after 2 consecutive failures (last: HTTP 503 Service Unavailable); its deliveries wait and are probed every 10 s.`,
		]);
	});

	it('a rejection spike of one source, counted over two processes', async () => {
		const a = await relayWithAlerts({ alertRejectionsPerMinute: 5 });
		const b = await relayWithAlerts({ alertRejectionsPerMinute: 5 });
		const { body } = signNowCallback();
		const forged = { 'content-type': 'application/json', 'x-signnow-signature': 'f'.repeat(64) };
		// Three each: neither process alone is over 5; together they are.
		for (const relay of [a, b, a, b, a, b]) expect((await post(`${relay.url}/ingest/signnow`, body, forged)).status).toBe(401);
		await waitFor(() => alertSink.received.length >= 1 || undefined, 10_000, 'the rejection alert');
		await sleep(1_500);
		expect(texts()).toEqual([
			expect.stringMatching(/^esign-relay: source signnow rejected 6 webhooks in the last minute \(threshold 5\)/),
		]);
	});

	it('sent once by several processes, at most RELAY_ALERT_MAX_PER_MINUTE a minute', async () => {
		const config = loadConfig({}, { redisPrefix: prefix, alertWebhookUrl: alertSink.url, alertMaxPerMinute: 3 });
		const keys = new Keys(prefix);
		const metrics = new Metrics(async () => [], false);
		const processes = [0, 1, 2].map(() => {
			const client = new Redis({ host: '127.0.0.1', port: 6379 });
			clients.push(client);
			return new Alerts(config, keys, client, metrics, pino({ level: 'silent' }));
		});
		for (const alerts of processes) alerts.notify('dead_letter', 'sub_same', 'the same dead letter');
		await Promise.all(processes.map((alerts) => alerts.drain()));
		expect(texts()).toEqual(['the same dead letter']);
		for (let i = 0; i < 6; i++) processes[i % 3].notify('breaker_open', `sub_${i}`, `breaker ${i}`);
		await Promise.all(processes.map((alerts) => alerts.drain()));
		// One minute's budget of 3, the first alert included.
		expect(alertSink.received).toHaveLength(3);
		const counted = await metrics.registry.getSingleMetricAsString('relay_alerts_total');
		expect(counted).toContain('relay_alerts_total{kind="dead_letter",outcome="deduplicated"} 2');
		expect(counted).toContain('relay_alerts_total{kind="breaker_open",outcome="rate_limited"} 4');
	});

	it('a webhook that never answers delays neither ingest nor delivery', async () => {
		alertSink.handler = () => undefined; // never answers
		const relay = await relayWithAlerts({ alertRejectionsPerMinute: 1 });
		await subscribe(relay);
		const forged = { 'content-type': 'application/json', 'x-signnow-signature': 'f'.repeat(64) };
		for (let i = 0; i < 3; i++) await post(`${relay.url}/ingest/signnow`, signNowCallback().body, forged);
		await waitFor(() => alertSink.received.length >= 1 || undefined, 10_000, 'the alert request, left hanging');
		const started = Date.now();
		const { body, headers } = signNowCallback();
		expect((await post(`${relay.url}/ingest/signnow`, body, headers)).status).toBe(200);
		expect(Date.now() - started).toBeLessThan(500);
		await waitFor(() => target.received.length >= 1 || undefined, 5_000, 'the delivery');
	});

	it('the URL passes the delivery target checks at start-up (metadata, RELAY_ALLOWED_TARGETS)', async () => {
		await expect(startRelay(prefix, { alertWebhookUrl: 'http://169.254.169.254/latest/hook-secret' })).rejects.toThrow(
			/^RELAY_ALERT_WEBHOOK_URL is not an allowed target: .*(metadata|link-local)/,
		);
		await expect(startRelay(prefix, { alertWebhookUrl: 'http://10.1.2.3/hook-secret', allowedTargets: 'loopback' })).rejects.toThrow(
			/RELAY_ALERT_WEBHOOK_URL is not an allowed target/,
		);
		await startRelay(prefix, { alertWebhookUrl: 'http://10.1.2.3/hook-secret', allowedTargets: 'loopback' }).catch((error: Error) =>
			expect(error.message).not.toContain('hook-secret'),
		);
	});
});
