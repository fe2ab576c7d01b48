/**
 * OpenTelemetry traces (issue 15): one trace from the provider's POST to the delivery, across
 * two relay processes (the built CLI) on one Redis, exported over real OTLP/HTTP (JSON) to a
 * receiver in this test. Process A acknowledges and fans out, and exits with the delivery
 * still queued; process B claims it from Redis and must continue A's trace from the
 * traceparent stored with the delivery. And with tracing off, the SDK is not even loaded.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { DeliveryHold } from '../../bench/delivery-hold';
import { RelayProcess, newPrefix } from '../../test/faults/harness/relay-process';
import { SIGNNOW_SECRET, Sink, TOKEN, cleanRedis, post, signNowCallback, waitFor } from './helpers';

interface OtlpSpan {
	traceId: string;
	spanId: string;
	parentSpanId?: string;
	name: string;
	kind: number;
	attributes?: Array<{ key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }>;
	status?: { code?: number; message?: string };
}
interface ExportedSpan extends OtlpSpan {
	service: string;
}

/** An OTLP/HTTP receiver: what the exporter POSTs to /v1/traces, as JSON. */
class OtlpReceiver {
	readonly spans: ExportedSpan[] = [];
	readonly contentTypes: string[] = [];
	private readonly server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			this.contentTypes.push(String(req.headers['content-type']));
			if (req.method !== 'POST' || req.url !== '/v1/traces') {
				res.writeHead(404).end();
				return;
			}
			const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
				resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
			};
			for (const resourceSpans of body.resourceSpans) {
				const service = resourceSpans.resource.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
				for (const scope of resourceSpans.scopeSpans) for (const span of scope.spans) this.spans.push({ ...span, service });
			}
			res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
		});
	});

	async start(): Promise<this> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		return this;
	}

	get endpoint(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}

function attribute(span: OtlpSpan, key: string): string | number | boolean | undefined {
	const value = span.attributes?.find((a) => a.key === key)?.value;
	if (!value) return undefined;
	return value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue);
}

const SERVER = 2;
const CLIENT = 3;
const prefix = newPrefix('tracing');
const source = { name: 'signnow', provider: 'signnow' as const, secrets: [SIGNNOW_SECRET] };
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
let receiver: OtlpReceiver;
let sink: Sink;
const relays: RelayProcess[] = [];

/** A relay process (the built CLI) exporting to the receiver under its own service name. */
async function tracedRelay(service: string): Promise<RelayProcess> {
	const relay = await RelayProcess.start({
		redisUrl: 'redis://127.0.0.1:6379',
		redisPrefix: prefix,
		apiToken: TOKEN,
		sources: [source],
		// OTEL_EXPORTER_OTLP_ENDPOINT is a base URL: the relay posts to <endpoint>/v1/traces.
		env: { RELAY_OTEL_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: service },
	});
	relays.push(relay);
	return relay;
}

beforeAll(async () => {
	receiver = await new OtlpReceiver().start();
	sink = await new Sink().start();
});

afterAll(async () => {
	await Promise.all(relays.map((relay) => relay.stop()));
	await sink.close();
	await receiver.close();
	await cleanRedis(prefix);
	redis.disconnect();
});

it('one trace from the ingest in one relay process to the delivery made by another: ingest → verify, store → fan-out → POST', async () => {
	const a = await tracedRelay('relay-a');
	const { id: subscription } = await a.subscribe(sink.url);
	// Held, so A stores the delivery but cannot send it: B, started after A is gone, does.
	const hold = new DeliveryHold(redis, prefix);
	await hold.hold([subscription]);
	const callback = signNowCallback({ documentId: 'doc_traced' });
	const response = await post(`${a.baseUrl}/ingest/signnow`, callback.body, callback.headers);
	expect(response.status).toBe(200);
	const eventId = (response.json as { events: Array<{ id: string }> }).events[0].id;
	await waitFor(async () => (await hold.waiting([subscription])) === 1, 10_000, 'the queued delivery');
	// SIGTERM: A exports what it traced before it exits.
	await a.stop();

	const b = await tracedRelay('relay-b');
	await hold.release([subscription]);
	const delivered = await waitFor(() => sink.received.find((r) => r.headers['webhook-id'] === `signnow:${eventId}`), 15_000, 'the delivery');
	await b.stop();
	await waitFor(() => receiver.spans.some((s) => s.name === 'POST' && s.service === 'relay-b'), 10_000, 'the delivery span');
	expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);

	const ingest = receiver.spans.find((s) => s.name === 'POST /ingest/:source' && s.service === 'relay-a');
	expect(ingest).toBeDefined();
	const trace = receiver.spans.filter((s) => s.traceId === ingest!.traceId);
	const byName = (name: string) => trace.filter((s) => s.name === name);
	expect(ingest!.kind).toBe(SERVER);
	expect(ingest!.parentSpanId || undefined).toBeUndefined();
	expect(attribute(ingest!, 'http.response.status_code')).toBe(200);
	expect(attribute(ingest!, 'relay.source')).toBe('signnow');

	const [verify] = byName('verify');
	expect(verify.parentSpanId).toBe(ingest!.spanId);
	const [store] = byName('store');
	expect(store.parentSpanId).toBe(ingest!.spanId);
	expect(attribute(store, 'relay.event_id')).toBe(eventId);
	expect(attribute(store, 'relay.duplicate')).toBe(false);

	const [fanout] = byName('fan-out');
	expect(fanout.service).toBe('relay-a');
	expect(fanout.parentSpanId).toBe(store.spanId);
	expect(attribute(fanout, 'relay.subscriptions')).toBe(1);

	const attempts = byName('POST');
	expect(attempts).toHaveLength(1);
	const [attempt] = attempts;
	// Claimed by the other process from Redis, it still belongs to the ingest's trace.
	expect(attempt.service).toBe('relay-b');
	expect(attempt.kind).toBe(CLIENT);
	expect(attempt.parentSpanId).toBe(fanout.spanId);
	expect(attribute(attempt, 'http.response.status_code')).toBe(200);
	expect(attribute(attempt, 'relay.subscription_id')).toBe(subscription);
	expect(attribute(attempt, 'relay.attempt')).toBe(1);
	expect(attribute(attempt, 'url.full')).toBe(sink.url);

	// The target gets the trace context too, as the child of the attempt span.
	expect(delivered.headers.traceparent).toBe(`00-${ingest!.traceId}-${attempt.spanId}-01`);
	// Every span of this event is in that one trace.
	expect(receiver.spans.filter((s) => attribute(s, 'relay.event_id') === eventId).every((s) => s.traceId === ingest!.traceId)).toBe(true);
});

it('a failed attempt is an error span with its HTTP status, and the retry a second attempt in the same trace', async () => {
	const relay = await tracedRelay('relay-retry');
	let calls = 0;
	sink.handler = (_request, _index, res) => {
		calls += 1;
		res.writeHead(calls === 1 ? 502 : 200).end();
	};
	try {
		await relay.subscribe(sink.url);
		const callback = signNowCallback({ documentId: 'doc_traced_retry' });
		const response = await post(`${relay.baseUrl}/ingest/signnow`, callback.body, callback.headers);
		const eventId = (response.json as { events: Array<{ id: string }> }).events[0].id;
		await waitFor(() => sink.received.filter((r) => r.headers['webhook-id'] === `signnow:${eventId}`).length >= 2, 15_000, 'the retry');
	} finally {
		await relay.stop();
		sink.handler = (_request, _index, res) => {
			res.writeHead(200).end('ok');
		};
	}
	await waitFor(() => receiver.spans.filter((s) => s.service === 'relay-retry' && s.name === 'POST').length >= 2, 10_000, 'both attempt spans');
	const attempts = receiver.spans
		.filter((s) => s.service === 'relay-retry' && s.name === 'POST')
		.sort((x, y) => Number(attribute(x, 'relay.attempt')) - Number(attribute(y, 'relay.attempt')));
	expect(attempts.map((s) => attribute(s, 'http.response.status_code'))).toEqual([502, 200]);
	expect(attempts[0].status?.code).toBe(2); // ERROR
	expect(attempts[0].status?.message).toBe('HTTP 502 Bad Gateway');
	expect(attribute(attempts[0], 'error.type')).toBe('http_5xx');
	expect(attempts[1].status?.code ?? 0).not.toBe(2);
	expect(attempts[0].traceId).toBe(attempts[1].traceId);
	expect(attempts[0].parentSpanId).toBe(attempts[1].parentSpanId);
});

it('with tracing off (the default) the OpenTelemetry SDK and exporter are never loaded', () => {
	// A process of its own: jest's module registry is not require.cache.
	const root = join(__dirname, '../..');
	const script = `
		const { Relay } = require('./relay/src/app.ts');
		const { loadConfig } = require('./relay/src/config.ts');
		const relay = new Relay(loadConfig(process.env, { apiToken: 'x'.repeat(20) }), { processMetrics: false });
		const loaded = Object.keys(require.cache).filter((path) => /@opentelemetry[\\\\/](sdk-|exporter-|resources|otlp-)/.test(path));
		process.stdout.write(JSON.stringify({ tracing: relay.tracing === undefined ? 'off' : 'on', loaded }));
		process.exit(0);
	`;
	const run = (env: Record<string, string>) =>
		JSON.parse(execFileSync(process.execPath, ['-r', './bench/suite/ts-register.js', '-e', script], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env } }).toString()) as { tracing: string; loaded: string[] };
	expect(run({})).toEqual({ tracing: 'off', loaded: [] });
	// The same check sees the SDK when it is on (so the assertion above can fail).
	const on = run({ RELAY_OTEL_EXPORTER: 'otlp' });
	expect(on.tracing).toBe('on');
	expect(on.loaded.length).toBeGreaterThan(0);
});
