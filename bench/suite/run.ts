/**
 * The benchmark suite in one run (prints a table, never fails): bare node:http and bare
 * Express 5 (the ceilings), the relay's ingest for SignNow and Standard Webhooks sources,
 * at a fixed 1,000/s, at 100 KB bodies and with 1 M dedup keys held in Redis, its fan-out
 * to 1, 10 and 100 subscriptions, Redis memory per key and per event, RSS, and n8n's own
 * Webhook node when a real n8n is installed, then the subscription-scaling rows
 * (bench/relay/subscriptions.ts) and keys on one Redis Cluster master against spread over three
 * (bench/relay/cluster-spread.ts). Every measured row, the ceilings too, runs BENCH_RUNS times
 * (default 3; each pass measures its own ceilings, so ratios are per run) and prints
 * `median (min–max)` (bench/repeat.ts). `npm run bench:suite`; sizes: BENCH_EVENTS,
 * BENCH_DEDUP_KEYS, BENCH_N8N_EVENTS, BENCH_SIZES, BENCH_CLUSTER_EVENTS, BENCH_CLUSTER_SUBSCRIPTIONS.
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
import { renderSummary, summarize as summarizeProfile } from './profile';
import { formatSummary, perRunRatios, repeat, RUNS, summarize } from '../repeat';
import { BareServer } from './servers';
import { clusterSpreadTable } from '../relay/cluster-spread';
import { scalingTable, sizesFromEnv } from '../relay/subscriptions';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 15_000);
const DEDUP_KEYS = Number(process.env.BENCH_DEDUP_KEYS ?? 1_000_000);
const N8N_EVENTS = Number(process.env.BENCH_N8N_EVENTS ?? 500);
/**
 * Subscription-scaling sizes (BENCH_SIZES). 1 is the ack baseline; 10,000 is left to
 * BENCH_SIZES=1,10,100,1000,10000 because its three runs alone take several minutes here.
 */
const SCALING_SIZES = sizesFromEnv('1,10,100,1000');
const MB = 1024 * 1024;

/** One run's figures of a row (undefined: the run did not produce it). */
interface RunFigures {
	eventsPerSecond?: number;
	p50?: number;
	p99?: number;
	rssMb?: number;
	/** The figure of an 'info' row (its unit in Row.unit). */
	value?: number;
}

interface Row {
	name: string;
	/** Ingest rows compare to the Express ceiling; fan-out rows to the fan-out goal. */
	kind: 'ceiling' | 'ingest' | 'fixed-rate' | 'fanout' | 'n8n' | 'info';
	/** Indexed by run, so ratios pair figures of the same run. */
	runs: RunFigures[];
	unit?: string;
	/** The last run's note (counts of ok/failed, drain times). */
	note: string;
}

const rows = new Map<string, Row>();
function log(message: string): void {
	process.stderr.write(`[bench] ${message}\n`);
}

function record(name: string, kind: Row['kind'], run: number, figures: RunFigures, note = '', unit?: string): void {
	const entry = rows.get(name) ?? { name, kind, runs: [], note: '', unit };
	entry.runs[run] = figures;
	entry.note = note;
	rows.set(name, entry);
}

function row(name: string, run: number, figures: LoadFigures, kind: Row['kind'], note = ''): void {
	const rssMb = figures.maxRssBytes / MB;
	record(name, kind, run, { eventsPerSecond: figures.eventsPerSecond, p50: figures.p50, p99: figures.p99, rssMb }, `${figures.ok} ok${figures.failed ? `, ${figures.failed} failed` : ''}${note ? `; ${note}` : ''}`);
	log(`run ${run + 1}: ${name}: ${Math.round(figures.eventsPerSecond)}/s p50 ${figures.p50} ms p99 ${figures.p99} ms RSS ${Math.round(rssMb)} MB`);
}

interface RelayHandle {
	relay: RelayProcess;
	redis: RedisServer;
	prefix: string;
}

async function startRelay(redis: RedisServer, sources: SourceSpec[], env: Record<string, string> = {}, nodeArgs: string[] = [], prefix = newPrefix('bench')): Promise<RelayHandle> {
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
 * Returns the figures instead of recording them when `run` is undefined (the profiled pass).
 */
async function fanout(
	redis: RedisServer,
	sink: CountingSink,
	source: SourceSpec,
	subscriptions: number,
	events: GeneratedEvent[],
	run: number | undefined,
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
		if (run === undefined) return;
		record(
			`relay fan-out to ${subscriptions} subscription${subscriptions > 1 ? 's' : ''} (${bytes >= 50_000 ? '100 KB' : '1 KB'})${env.RELAY_MAX_IN_FLIGHT ? `, max in flight ${env.RELAY_MAX_IN_FLIGHT}` : ''}`,
			'fanout',
			run,
			{ eventsPerSecond: sink.count / seconds, rssMb: maxRss / MB },
			`${sink.count}/${expected} deliveries (${events.length} events, ingested in ${ingestSeconds.toFixed(1)} s with the queues paused) drained in ${seconds.toFixed(1)} s`,
		);
		log(`run ${run + 1}: fan-out ${subscriptions}: ${Math.round(sink.count / seconds)} deliveries/s`);
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

/** One pass over every measured row, baselines first, so each run's ratios pair figures of that run. */
async function measureRun(run: number, redis: RedisServer, sink: CountingSink, signnow: SourceSpec, standard: SourceSpec, dedupPrefix: string): Promise<void> {
	const pool = (source: SourceSpec, label: string, count: number, bytes = 1024) => makeEvents(source, `${label}-${run}-${Date.now()}`, count, { bytes });
	log(`run ${run + 1}/${RUNS}: generating ${EVENTS} pre-signed unique callbacks per pool…`);

	// Ceilings, with the pool the relay's SignNow ingest will use next (never sent to the relay before).
	const signnowPool = pool(signnow, 'sn', EVENTS);
	for (const kind of ['node-http', 'express'] as const) {
		const server = await BareServer.start(kind);
		try {
			await warmUp(server.baseUrl, signnow, () => server.rss());
			row(`bare ${kind === 'express' ? 'Express 5' : 'node:http'} (ceiling)`, run, await drive(server.baseUrl, signnowPool, { rss: () => server.rss() }), 'ceiling');
		} finally {
			await server.stop();
		}
	}

	// Ingest, no subscriptions: verify + dedup + durable enqueue + 2xx.
	{
		const { relay } = await startRelay(redis, [signnow, standard]);
		try {
			await warmUp(relay.baseUrl, signnow, () => relay.rss());
			await warmUp(relay.baseUrl, standard, () => relay.rss());
			await sleep(1000);
			const memBefore = await redis.memory();
			const sn = await drive(relay.baseUrl, signnowPool, { rss: () => relay.rss() });
			row('relay ingest, SignNow (1 KB)', run, sn, 'ingest');
			await sleep(1000);
			const memAfter = await redis.memory();
			record(
				'Redis memory per ingested 1 KB event',
				'info',
				run,
				{ value: (memAfter.usedMemory - memBefore.usedMemory) / Math.max(1, sn.ok) },
				`dedup key + the event stored for RELAY_EVENT_RETENTION; no subscriber, so no delivery job; ${memAfter.keys - memBefore.keys} keys for ${EVENTS} events`,
				'B/event',
			);
			row('relay ingest, Standard Webhooks (1 KB)', run, await drive(relay.baseUrl, pool(standard, 'sw', EVENTS), { rss: () => relay.rss() }), 'ingest');
			row(
				'relay ingest, SignNow at a fixed 1,000/s',
				run,
				await drive(relay.baseUrl, pool(signnow, 'fixed', 10_000), { overallRate: 1000, connections: 20, rss: () => relay.rss() }),
				'fixed-rate',
				'latency at a fixed offered rate (goal p99 ≤ 20 ms); no ratio: the rate is imposed',
			);
			row('relay ingest, SignNow (100 KB)', run, await drive(relay.baseUrl, pool(signnow, 'big', Math.min(3000, EVENTS), 100 * 1024), { rss: () => relay.rss() }), 'ingest');
		} finally {
			await relay.stop();
		}
	}

	// Fan-out: deliveries/s to a sink that answers at once.
	const fanEvents = (n: number, bytes = 1024) => pool(signnow, `fan${n}-${bytes}`, n, bytes);
	await fanout(redis, sink, signnow, 1, fanEvents(Math.min(EVENTS, 6000)), run);
	await fanout(redis, sink, signnow, 1, fanEvents(Math.min(EVENTS, 6000)), run, { RELAY_MAX_IN_FLIGHT: '32' });
	await fanout(redis, sink, signnow, 10, fanEvents(Math.min(EVENTS, 1000)), run);
	await fanout(redis, sink, signnow, 100, fanEvents(Math.min(EVENTS, 100)), run);
	await fanout(redis, sink, signnow, 1, fanEvents(Math.min(EVENTS, 2000), 100 * 1024), run);

	// Ingest with the dedup keys held, measured once Redis has finished the AOF rewrite the
	// fill sets off (after the fan-out rows, which that rewrite would otherwise slow down).
	// The keys are written once, in the first run, under a prefix every run's relay shares:
	// writing them again would only hold 3 × the memory, and the keys expire after 72 h anyway.
	{
		const { relay } = await startRelay(redis, [signnow], {}, [], dedupPrefix);
		try {
			await warmUp(relay.baseUrl, signnow, () => relay.rss());
			if (run === 0) {
				log(`filling ${DEDUP_KEYS} dedup keys…`);
				const perKey = await fillDedupKeys(redis, dedupPrefix, DEDUP_KEYS);
				const mem = await redis.memory();
				record(
					`Redis memory per dedup key (${DEDUP_KEYS.toLocaleString('en')} held)`,
					'info',
					run,
					{ value: perKey },
					`written once (a size, not a speed: the later runs reuse the keys); Redis used_memory ${Math.round(mem.usedMemory / MB)} MB for ${mem.keys} keys`,
					'B/key',
				);
			}
			await waitFor('the AOF rewrite to end', async () => !(await redis.rewritingAof()), 300_000, 500).catch(() => undefined);
			row(`relay ingest, SignNow (1 KB), ${DEDUP_KEYS.toLocaleString('en')} dedup keys held`, run, await drive(relay.baseUrl, pool(signnow, 'after-keys', EVENTS), { rss: () => relay.rss() }), 'ingest');
		} finally {
			await relay.stop();
		}
	}
}

/** The row's summary for one figure across runs. */
function column(r: Row, pick: (f: RunFigures) => number | undefined, digits = 0): string {
	return formatSummary(r.runs.map((f) => (f ? pick(f) : undefined)), digits);
}

function renderTable(n8nMeasured: boolean): string[] {
	const all = [...rows.values()];
	const express = all.find((r) => r.kind === 'ceiling' && r.name.includes('Express'));
	const n8n = n8nMeasured ? all.find((r) => r.kind === 'n8n') : undefined;
	const eps = (r: Row | undefined) => (r ? r.runs.map((f) => f?.eventsPerSecond) : []);
	// Without a measured n8n, every run compares with the documented figure.
	const n8nBase = n8n ? eps(n8n) : Array.from({ length: RUNS }, () => N8N_DOCUMENTED_RPS);
	return [
		`| run | events/s (fan-out: deliveries/s) | p50 ms | p99 ms | RSS MB | × bare Express | × n8n${n8n ? '' : ` (documented ~${N8N_DOCUMENTED_RPS}/s)`} | notes |`,
		'|---|---:|---:|---:|---:|---:|---:|---|',
		...all.map((r) => {
			if (r.kind === 'info') return `| ${r.name} | – | – | – | – |  |  | ${column(r, (f) => f.value)} ${r.unit ?? ''}; ${r.note} |`;
			const noRatio = r.kind === 'fixed-rate';
			const vsExpress = !noRatio && (r.kind === 'ingest' || r.kind === 'ceiling' || r.kind === 'n8n') ? formatSummary(perRunRatios(eps(r), eps(express)), 2) : '';
			const vsN8n = noRatio ? '' : formatSummary(perRunRatios(eps(r), n8nBase), 2);
			return `| ${r.name} | ${column(r, (f) => f.eventsPerSecond)} | ${column(r, (f) => f.p50)} | ${column(r, (f) => f.p99)} | ${column(r, (f) => f.rssMb)} | ${vsExpress} | ${vsN8n} | ${r.note} |`;
		}),
	];
}

async function main(): Promise<void> {
	const started = Date.now();
	const signnow = newSignNowSource('bench-signnow');
	const standard = newStandardSource('bench-standard');
	const sections: string[] = [];

	const redis = await RedisServer.start({ appendfsync: 'everysec' });
	const sink = await CountingSink.start();
	let n8nMeasured = false;
	try {
		const dedupPrefix = newPrefix('bench-dedup');
		await repeat((run) => measureRun(run, redis, sink, signnow, standard, dedupPrefix));

		// n8n starts once (it takes most of a minute) and is driven RUNS times, a fresh pool each.
		const n8nPools = Array.from({ length: RUNS }, (_, run) => makeEvents(signnow, `n8n-${run}-${Date.now()}`, N8N_EVENTS));
		const n8n = await measureN8n(n8nPools).catch((error: Error) => ({ error: error.message }));
		if ('error' in n8n) {
			record('n8n Webhook node (real n8n)', 'n8n', 0, {}, n8n.error);
		} else {
			n8nMeasured = true;
			n8n.forEach((figures, run) => row('n8n Webhook node (real n8n 2.40.7, respond immediately)', run, figures, 'n8n'));
		}

		const medianOf = (name: string) => summarize(rows.get(name)?.runs.map((f) => f?.eventsPerSecond) ?? [])?.median ?? NaN;
		const bestFanout = Math.max(...[...rows.values()].filter((r) => r.kind === 'fanout').map((r) => medianOf(r.name)));
		if (process.env.BENCH_PROFILE === '1' || bestFanout < 3000) {
			const dir = mkdtempSync(join(tmpdir(), 'esign-bench-prof-'));
			await fanout(redis, sink, signnow, 10, makeEvents(signnow, `prof-fan-${Date.now()}`, Math.min(EVENTS, 1000)), undefined, {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
			sections.push(`Profile of the relay fanning out to 10 subscriptions (best median fan-out below 3,000/s):\n${renderSummary(summarizeProfile(dir))}`);
			rmSync(dir, { recursive: true, force: true });
		}

		// Where the time goes when a goal is missed (judged on the medians).
		const express = medianOf('bare Express 5 (ceiling)');
		const ingest = medianOf('relay ingest, SignNow (1 KB)');
		if (process.env.BENCH_PROFILE === '1' || ingest < 0.6 * express) {
			const dir = mkdtempSync(join(tmpdir(), 'esign-bench-prof-'));
			const { relay } = await startRelay(redis, [signnow], {}, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
			await drive(relay.baseUrl, makeEvents(signnow, `prof-${Date.now()}`, Math.min(EVENTS, 15_000)), { rss: () => relay.rss() });
			await relay.stop();
			sections.push(`Profile of the relay's SignNow ingest (median ingest below 0.6 × Express):\n${renderSummary(summarizeProfile(dir))}`);
			rmSync(dir, { recursive: true, force: true });
		}
	} finally {
		await redis.stop();
	}
	let scaling: string[];
	try {
		// After the suite's own Redis is gone: each size brings a Redis of its own, so INFO counts only its relay.
		scaling = await scalingTable(SCALING_SIZES, sink);
	} catch (error) {
		scaling = [`subscription scaling did not complete: ${(error as Error).message}`];
	} finally {
		await sink.close();
	}
	let cluster: string[];
	try {
		// Last, on a Cluster of its own: keys on one master against keys spread over three.
		cluster = await clusterSpreadTable();
	} catch (error) {
		cluster = [`cluster spread did not complete: ${(error as Error).message}`];
	}

	process.stdout.write(
		`\nBenchmark (${new Date().toISOString()}, ${Math.round((Date.now() - started) / 1000)} s, 2 shared cores: noisy; each figure median (min–max) of ${RUNS} runs, ratios per run):\n\n${renderTable(n8nMeasured).join('\n')}\n`,
	);
	process.stdout.write(
		`\nSubscription scaling (bench/relay/subscriptions.ts; events ingested one after another while their fan-out runs; median (min–max) of ${RUNS} runs):\n\n${scaling.join('\n')}\n`,
	);
	process.stdout.write(`\n${cluster.join('\n')}\n`);
	for (const section of sections) process.stdout.write(`\n${section}\n`);
}

main().then(
	() => process.exit(0),
	(error) => {
		// The bench never fails CI: it reports what broke and exits 0.
		process.stderr.write(`[bench] failed: ${(error as Error).stack ?? error}\n`);
		process.exit(0);
	},
);
