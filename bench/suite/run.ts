/**
 * The benchmark suite in one run (prints a table, never fails): bare node:http and bare
 * Express 5 (the ceilings), the relay's ingest for SignNow and Standard Webhooks sources,
 * at a fixed 1,000/s, at 100 KB bodies and with 1 M dedup keys held in Redis, its fan-out
 * to 1, 10 and 100 subscriptions, Redis memory per key and per event, RSS, and n8n's own
 * Webhook node when a real n8n is installed. `npm run bench:suite`; sizes: BENCH_EVENTS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { DeliveryHold } from '../delivery-hold';
import { sendAll } from '../../test/faults/harness/load';
import { makeEvents, newSignNowSource, newStandardSource, type GeneratedEvent, type SourceSpec } from '../../test/faults/harness/provider';
import { RedisServer } from '../../test/faults/harness/redis-server';
import { newPrefix, newToken, RelayProcess } from '../../test/faults/harness/relay-process';
import { sleep, waitFor } from '../../test/faults/harness/util';
import { drive, type LoadFigures } from './cannon';
import { CountingSink } from './counting-sink';
import { measureN8n, N8N_DOCUMENTED_RPS } from './n8n';
import { renderSummary, summarize } from './profile';
import { BareServer } from './servers';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 30_000);
const DEDUP_KEYS = Number(process.env.BENCH_DEDUP_KEYS ?? 1_000_000);
const MB = 1024 * 1024;

interface Row {
	name: string;
	eventsPerSecond: number;
	p50?: number;
	p99?: number;
	rssMb?: number;
	note: string;
	/** Ingest rows compare to the Express ceiling; fan-out rows to the fan-out goal. */
	kind: 'ceiling' | 'ingest' | 'fixed-rate' | 'fanout' | 'n8n' | 'info';
}

const rows: Row[] = [];
function log(message: string): void {
	process.stderr.write(`[bench] ${message}\n`);
}

function row(name: string, figures: LoadFigures, kind: Row['kind'], note = ''): Row {
	const result: Row = {
		name,
		eventsPerSecond: figures.eventsPerSecond,
		p50: figures.p50,
		p99: figures.p99,
		rssMb: figures.maxRssBytes / MB,
		kind,
		note: `${figures.ok} ok${figures.failed ? `, ${figures.failed} failed` : ''}${note ? `; ${note}` : ''}`,
	};
	rows.push(result);
	log(`${name}: ${Math.round(result.eventsPerSecond)}/s p50 ${result.p50} ms p99 ${result.p99} ms RSS ${Math.round(result.rssMb ?? 0)} MB`);
	return result;
}

interface RelayHandle {
	relay: RelayProcess;
	redis: RedisServer;
	prefix: string;
}

async function startRelay(redis: RedisServer, sources: SourceSpec[], env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<RelayHandle> {
	const prefix = newPrefix('bench');
	const relay = await RelayProcess.start({
		redisUrl: redis.url,
		redisPrefix: prefix,
		apiToken: newToken(),
		sources,
		env: { RELAY_LOG_LEVEL: 'warn', ...env },
		nodeArgs,
	});
	return { relay, redis, prefix };
}

/**
 * Deliveries/s to a sink that answers at once. The events go in first with every delivery
 * queue paused, then the queues resume and the drain alone is timed: ingest and delivery
 * would otherwise share the two cores, and the ingest rows above already measure ingest.
 */
async function fanout(
	redis: RedisServer,
	sink: CountingSink,
	source: SourceSpec,
	subscriptions: number,
	events: GeneratedEvent[],
	env: Record<string, string> = {},
	nodeArgs: string[] = [],
): Promise<void> {
	const { relay, prefix } = await startRelay(redis, [source], env, nodeArgs);
	const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
	const hold = new DeliveryHold(connection, prefix);
	const ids: string[] = [];
	try {
		for (let i = 0; i < subscriptions; i++) {
			const { id } = await relay.subscribe(sink.url(`sub-${i}`));
			ids.push(id);
		}
		await hold.hold(ids);
		await sleep(500);
		sink.reset();
		const expected = events.length * subscriptions;
		const ingestStarted = Date.now();
		await sendAll(events, { concurrency: 32, target: () => relay.baseUrl });
		const ingestSeconds = (Date.now() - ingestStarted) / 1000;
		let maxRss = 0;
		const sampler = setInterval(() => (maxRss = Math.max(maxRss, relay.rss())), 200);
		const started = Date.now();
		await hold.release(ids);
		await waitFor(`${expected} deliveries`, () => sink.count >= expected, 300_000, 20).catch(() => undefined);
		clearInterval(sampler);
		const seconds = Math.max(0.001, (sink.last - started) / 1000);
		const bytes = events[0].body.length;
		rows.push({
			name: `relay fan-out to ${subscriptions} subscription${subscriptions > 1 ? 's' : ''} (${bytes >= 50_000 ? '100 KB' : '1 KB'})${env.RELAY_MAX_IN_FLIGHT ? `, max in flight ${env.RELAY_MAX_IN_FLIGHT}` : ''}`,
			eventsPerSecond: sink.count / seconds,
			rssMb: maxRss / MB,
			kind: 'fanout',
			note: `${sink.count}/${expected} deliveries (${events.length} events, ingested in ${ingestSeconds.toFixed(1)} s with the queues paused) drained in ${seconds.toFixed(1)} s`,
		});
		log(`fan-out ${subscriptions}: ${Math.round(sink.count / seconds)} deliveries/s`);
	} finally {
		connection.disconnect();
		await relay.stop();
	}
}

async function fillDedupKeys(redis: RedisServer, prefix: string, count: number): Promise<number> {
	const client = new Redis(redis.url);
	try {
		const before = (await redis.memory()).usedMemory;
		const batch = 10_000;
		for (let start = 0; start < count; start += batch) {
			const pipeline = client.pipeline();
			for (let i = start; i < Math.min(count, start + batch); i++) {
				// The relay's own format: "<prefix>dedup:<event id>" = "q", expiring after the dedup window.
				pipeline.set(`${prefix}dedup:evt_bench${String(i).padStart(22, '0')}`, 'q', 'PX', 72 * 3_600_000);
			}
			await pipeline.exec();
		}
		const after = (await redis.memory()).usedMemory;
		return (after - before) / count;
	} finally {
		client.disconnect();
	}
}

/** JIT, connection pools and Redis warmed up before a measured run (its figures discarded). */
async function warmUp(url: string, source: SourceSpec, rss: () => number): Promise<void> {
	await drive(url, makeEvents(source, `warm-${Date.now()}`, 1500), { rss });
}

function fmt(n: number | undefined, digits = 0): string {
	return n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits);
}

async function main(): Promise<void> {
	const started = Date.now();
	const signnow = newSignNowSource('bench-signnow');
	const standard = newStandardSource('bench-standard');
	log(`generating ${EVENTS} pre-signed unique callbacks per pool…`);
	const pool = (source: SourceSpec, label: string, count: number, bytes = 1024) =>
		makeEvents(source, `${label}-${Date.now()}`, count, { bytes });

	// Ceilings, with the pool the relay's SignNow ingest will use next (never sent to the relay before).
	const signnowPool = pool(signnow, 'sn', EVENTS);
	for (const kind of ['node-http', 'express'] as const) {
		const server = await BareServer.start(kind);
		await warmUp(server.baseUrl, signnow, () => server.rss());
		row(`bare ${kind === 'express' ? 'Express 5' : 'node:http'} (ceiling)`, await drive(server.baseUrl, signnowPool, { rss: () => server.rss() }), 'ceiling');
		await server.stop();
	}

	const redis = await RedisServer.start({ appendfsync: 'everysec' });
	const sink = await CountingSink.start();
	try {
		// Ingest, no subscriptions: verify + dedup + durable enqueue + 2xx.
		{
			const { relay } = await startRelay(redis, [signnow, standard]);
			await warmUp(relay.baseUrl, signnow, () => relay.rss());
			await warmUp(relay.baseUrl, standard, () => relay.rss());
			await sleep(1000);
			const memBefore = await redis.memory();
			const sn = await drive(relay.baseUrl, signnowPool, { rss: () => relay.rss() });
			row('relay ingest, SignNow (1 KB)', sn, 'ingest');
			await sleep(1000);
			const memAfter = await redis.memory();
			const perEvent = (memAfter.usedMemory - memBefore.usedMemory) / Math.max(1, sn.ok);
			rows.push({
				name: 'Redis memory per ingested 1 KB event',
				eventsPerSecond: NaN,
				kind: 'info',
				note: `${Math.round(perEvent)} B/event (dedup key + the event stored for RELAY_EVENT_RETENTION; no subscriber, so no delivery job); ${memAfter.keys - memBefore.keys} keys for ${EVENTS} events`,
			});
			const standardPool = pool(standard, 'sw', EVENTS);
			row('relay ingest, Standard Webhooks (1 KB)', await drive(relay.baseUrl, standardPool, { rss: () => relay.rss() }), 'ingest');
			const fixedPool = pool(signnow, 'fixed', 10_000);
			row('relay ingest, SignNow at a fixed 1,000/s', await drive(relay.baseUrl, fixedPool, { overallRate: 1000, connections: 20, rss: () => relay.rss() }), 'fixed-rate', 'latency at a fixed offered rate (goal p99 ≤ 20 ms); no ratio: the rate is imposed');
			const bigPool = pool(signnow, 'big', Math.min(3000, EVENTS), 100 * 1024);
			row('relay ingest, SignNow (100 KB)', await drive(relay.baseUrl, bigPool, { rss: () => relay.rss() }), 'ingest');

			await relay.stop();
		}

		// Fan-out: deliveries/s to a sink that answers at once.
		const fanEvents = (n: number, bytes = 1024) => pool(signnow, `fan${n}-${bytes}`, n, bytes);
		await fanout(redis, sink, signnow, 1, fanEvents(Math.min(EVENTS, 6000)));
		await fanout(redis, sink, signnow, 1, fanEvents(Math.min(EVENTS, 6000)), { RELAY_MAX_IN_FLIGHT: '32' });
		await fanout(redis, sink, signnow, 10, fanEvents(Math.min(EVENTS, 1000)));
		await fanout(redis, sink, signnow, 100, fanEvents(Math.min(EVENTS, 100)));
		await fanout(redis, sink, signnow, 1, fanEvents(Math.min(EVENTS, 2000), 100 * 1024));

		// Ingest with 1 M dedup keys held, measured once Redis has finished the AOF rewrite the
		// fill sets off (after the fan-out rows, which that rewrite would otherwise slow down).
		{
			const { relay, prefix } = await startRelay(redis, [signnow]);
			await warmUp(relay.baseUrl, signnow, () => relay.rss());
			log(`filling ${DEDUP_KEYS} dedup keys…`);
			const perKey = await fillDedupKeys(redis, prefix, DEDUP_KEYS);
			const mem = await redis.memory();
			rows.push({
				name: `Redis memory per dedup key (${DEDUP_KEYS.toLocaleString('en')} held)`,
				eventsPerSecond: NaN,
				kind: 'info',
				note: `${Math.round(perKey)} B/key; Redis used_memory ${Math.round(mem.usedMemory / MB)} MB for ${mem.keys} keys`,
			});
			await waitFor('the AOF rewrite to end', async () => !(await redis.rewritingAof()), 300_000, 500).catch(() => undefined);
			const afterKeys = pool(signnow, 'after-keys', EVENTS);
			row(`relay ingest, SignNow (1 KB), ${DEDUP_KEYS.toLocaleString('en')} dedup keys held`, await drive(relay.baseUrl, afterKeys, { rss: () => relay.rss() }), 'ingest');
			await relay.stop();
		}

		const bestFanout = Math.max(...rows.filter((r) => r.kind === 'fanout').map((r) => r.eventsPerSecond));
		if (process.env.BENCH_PROFILE === '1' || bestFanout < 3000) {
			const dir = mkdtempSync(join(tmpdir(), 'esign-bench-prof-'));
			await fanout(redis, sink, signnow, 10, fanEvents(Math.min(EVENTS, 1000)), {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
			rows.pop();
			process.stdout.write(`\nProfile of the relay fanning out to 10 subscriptions (fan-out below 3,000/s):\n${renderSummary(summarize(dir))}\n`);
			rmSync(dir, { recursive: true, force: true });
		}

		const n8n = await measureN8n(signnowPool.slice(0, 1500)).catch((error: Error) => ({ error: error.message }));
		if ('error' in n8n) {
			rows.push({ name: "n8n Webhook node (real n8n)", eventsPerSecond: NaN, kind: 'n8n', note: n8n.error });
		} else {
			row('n8n Webhook node (real n8n 2.40.7, respond immediately)', n8n, 'n8n');
		}

		// Where the time goes when a goal is missed.
		const express = rows.find((r) => r.kind === 'ceiling' && r.name.includes('Express'));
		const ingest = rows.find((r) => r.name === 'relay ingest, SignNow (1 KB)');
		if (process.env.BENCH_PROFILE === '1' || (express && ingest && ingest.eventsPerSecond < 0.6 * express.eventsPerSecond)) {
			const dir = mkdtempSync(join(tmpdir(), 'esign-bench-prof-'));
			const { relay } = await startRelay(redis, [signnow], {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
			await drive(relay.baseUrl, pool(signnow, 'prof', Math.min(EVENTS, 15_000)), { rss: () => relay.rss() });
			await relay.stop();
			process.stdout.write(`\nProfile of the relay's SignNow ingest (ingest below 0.6 × Express):\n${renderSummary(summarize(dir))}\n`);
			rmSync(dir, { recursive: true, force: true });
		}
	} finally {
		await sink.close();
		await redis.stop();
	}

	const express = rows.find((r) => r.kind === 'ceiling' && r.name.includes('Express'))?.eventsPerSecond ?? NaN;
	const n8nRow = rows.find((r) => r.kind === 'n8n' && !Number.isNaN(r.eventsPerSecond));
	const n8nRps = n8nRow?.eventsPerSecond ?? N8N_DOCUMENTED_RPS;
	const lines = [
		`| run | events/s (fan-out: deliveries/s) | p50 ms | p99 ms | RSS MB | × bare Express | × n8n${n8nRow ? '' : ` (documented ~${N8N_DOCUMENTED_RPS}/s)`} | notes |`,
		'|---|---:|---:|---:|---:|---:|---:|---|',
		...rows.map((r) => {
			const eps = r.eventsPerSecond;
			const ratio = (base: number) => (Number.isNaN(eps) || r.kind === 'info' || r.kind === 'fixed-rate' ? '' : (eps / base).toFixed(2));
			return `| ${r.name} | ${fmt(eps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.rssMb)} | ${r.kind === 'ingest' || r.kind === 'ceiling' || r.kind === 'n8n' ? ratio(express) : ''} | ${ratio(n8nRps)} | ${r.note} |`;
		}),
	];
	process.stdout.write(`\nBenchmark (${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s, 2 shared cores: noisy):\n\n${lines.join('\n')}\n`);
}

main().then(
	() => process.exit(0),
	(error) => {
		// The bench never fails CI: it reports what broke and exits 0.
		process.stderr.write(`[bench] failed: ${(error as Error).stack ?? error}\n`);
		process.exit(0);
	},
);
