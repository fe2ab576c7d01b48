/**
 * What a subscription costs, at each size of BENCH_SIZES (default 1 / 10 / 100 / 1,000 /
 * 10,000 here; `npm run bench` uses a smaller default): Redis connections per relay process,
 * idle Redis commands/s and relay RSS with the subscriptions idle, then, on the same relay,
 * events ingested one after another while their fan-out to every subscription runs: ingest
 * ack p50/p99, fan-out deliveries/s (first ingest → last delivery) and peak RSS under that
 * load. Each size runs on a Redis of its own (loopback, free port), so `INFO` counts nothing
 * but this relay. The suite (bench/suite/run.ts) imports `scalingTable` from here.
 *
 *   node -r ./bench/suite/ts-register.js bench/relay/subscriptions.ts
 *   BENCH_RELAY_CLI=/path/to/other/relay/dist/relay/src/cli.js ...   # e.g. a build of main
 *   BENCH_SIZES=10,100,1000 BENCH_RUNS=3 ...
 *   BENCH_FANOUT_EVENTS=20 ...   # events per size (default: ~BENCH_DELIVERIES deliveries, 20-500 events); 0: idle rows only
 *
 * Prints each figure as the median and range of BENCH_RUNS runs (bench/repeat.ts); never fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { Redis } from 'ioredis';

import { RELAY_CLI, REPO_ROOT } from '../../test/helpers/relay-build';
import { RedisServer } from '../../test/faults/harness/redis-server';
import { RELAY_NODE_FLAGS } from '../../relay/src/node-flags';
import { SOURCES, TOKEN, signNowCallback } from '../../relay/test/helpers';
import { CountingSink } from '../suite/counting-sink';
import { formatSummary, perRunRatios, quantile, repeat, RUNS } from '../repeat';

const CLI = process.env.BENCH_RELAY_CLI ?? RELAY_CLI;
/** BENCH_SIZES as numbers, or `fallback` when unset. */
export function sizesFromEnv(fallback: string): number[] {
	return (process.env.BENCH_SIZES ?? fallback)
		.split(',')
		.map((size) => Number(size.trim()))
		.filter((size) => Number.isInteger(size) && size > 0);
}
const FANOUT_EVENTS = process.env.BENCH_FANOUT_EVENTS === undefined ? undefined : Number(process.env.BENCH_FANOUT_EVENTS);
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 20_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 5);

/**
 * Events ingested at a size: about BENCH_DELIVERIES deliveries in all, but never fewer than 20
 * events (a p99 of fewer acks is a maximum) nor more than 500 (the small sizes would take long).
 */
export function eventsFor(size: number): number {
	if (FANOUT_EVENTS !== undefined) return FANOUT_EVENTS;
	return Math.max(20, Math.min(500, Math.ceil(DELIVERIES / size)));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Relay {
	child: ChildProcess;
	url: string;
	output: string;
}

async function startRelay(redis: RedisServer): Promise<Relay> {
	const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, CLI], {
		env: {
			PATH: process.env.PATH ?? '',
			// A BENCH_RELAY_CLI built outside this worktree finds the relay's packages through it.
			NODE_PATH: process.env.NODE_PATH ?? '',
			RELAY_PORT: '0',
			RELAY_API_TOKEN: TOKEN,
			RELAY_REDIS_URL: redis.url,
			RELAY_REDIS_PREFIX: 'bench:',
			RELAY_SOURCES: JSON.stringify(SOURCES),
			RELAY_LOG_LEVEL: 'info',
		},
		cwd: REPO_ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const relay: Relay = { child, url: '', output: '' };
	child.stdout?.on('data', (chunk: Buffer) => (relay.output = (relay.output + chunk.toString()).slice(-50_000)));
	child.stderr?.on('data', (chunk: Buffer) => (relay.output = (relay.output + chunk.toString()).slice(-50_000)));
	const deadline = Date.now() + 60_000;
	while (!relay.url) {
		const line = relay.output.split('\n').find((l) => l.includes('esign-relay listening'));
		if (line) relay.url = (JSON.parse(line) as { url: string }).url;
		else if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the relay did not start: ${relay.output.slice(-2000)}`);
		else await sleep(50);
	}
	return relay;
}

async function stopRelay(relay: Relay): Promise<void> {
	if (relay.child.exitCode !== null) return;
	const exited = new Promise((resolve) => relay.child.once('exit', resolve));
	relay.child.kill('SIGTERM');
	await Promise.race([exited, sleep(15_000)]);
	if (relay.child.exitCode === null) relay.child.kill('SIGKILL');
}

function rssMb(pid: number): number {
	const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return match ? Number(match[1]) / 1024 : NaN;
}

function info(text: string, field: string): number {
	const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(text);
	return match ? Number(match[1]) : NaN;
}

async function createSubscriptions(relay: Relay, urls: string[]): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < urls.length) {
			const url = urls[next++];
			const response = await fetch(`${relay.url}/v1/subscriptions`, {
				method: 'POST',
				headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
				body: JSON.stringify({ url }),
			});
			if (response.status !== 201) throw new Error(`POST /v1/subscriptions answered ${response.status}: ${await response.text()}`);
			await response.arrayBuffer();
		}
	};
	await Promise.all(Array.from({ length: 16 }, worker));
}

export interface SizeFigures {
	connections: number;
	commandsPerSecond: number;
	idleRssMb: number;
	/** Undefined when no events were sent (BENCH_FANOUT_EVENTS=0). */
	ackP50?: number;
	ackP99?: number;
	deliveriesPerSecond?: number;
	loadRssMb?: number;
}

/**
 * One relay with `size` subscriptions: what it holds and does while idle, then `events` events
 * ingested one after another (the fan-out of the earlier ones running meanwhile).
 */
export async function measureSize(size: number, events: number, sink: CountingSink): Promise<SizeFigures | string> {
	const redis = await RedisServer.start({ appendfsync: 'everysec' });
	const probe = new Redis(redis.url);
	let relay: Relay | undefined;
	try {
		const before = info(await probe.info('clients'), 'connected_clients');
		relay = await startRelay(redis);
		await createSubscriptions(relay, Array.from({ length: size }, (_, i) => sink.url(`sub-${i}`)));
		// Let whatever starts per subscription start (workers, connections), then settle.
		let connected = -1;
		for (let i = 0; i < 60; i++) {
			await sleep(1_000);
			const now = info(await probe.info('clients'), 'connected_clients');
			if (now === connected) break;
			connected = now;
		}
		const start = info(await probe.info('stats'), 'total_commands_processed');
		await sleep(IDLE_SECONDS * 1000);
		const end = info(await probe.info('stats'), 'total_commands_processed');
		// The probe's own INFO between the two readings counts one command.
		const figures: SizeFigures = {
			connections: info(await probe.info('clients'), 'connected_clients') - before,
			commandsPerSecond: (end - start - 1) / IDLE_SECONDS,
			idleRssMb: rssMb(relay.child.pid!),
		};
		if (relay.child.exitCode !== null) return `relay exited (${relay.child.exitCode})`;
		if (events === 0) return figures;

		sink.reset();
		const expected = size * events;
		const pid = relay.child.pid!;
		let peak = figures.idleRssMb;
		const sampler = setInterval(() => {
			try {
				peak = Math.max(peak, rssMb(pid));
			} catch {
				// Exited between samples: the exit is reported below.
			}
		}, 200);
		try {
			const started = Date.now();
			const acks: number[] = [];
			for (let i = 0; i < events; i++) {
				const callback = signNowCallback({ documentId: `doc_size${size}_${i}` });
				const sent = performance.now();
				const response = await fetch(`${relay.url}/ingest/signnow`, { method: 'POST', body: callback.body, headers: callback.headers });
				await response.arrayBuffer();
				acks.push(performance.now() - sent);
				if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
			}
			const deadline = Date.now() + 300_000;
			while (sink.count < expected && Date.now() < deadline && relay.child.exitCode === null) await sleep(20);
			if (sink.count < expected) return `${sink.count}/${expected} delivered${relay.child.exitCode !== null ? ' (relay exited)' : ''}`;
			acks.sort((a, b) => a - b);
			figures.ackP50 = quantile(acks, 0.5);
			figures.ackP99 = quantile(acks, 0.99);
			figures.deliveriesPerSecond = expected / Math.max(0.001, (sink.last - started) / 1000);
		} finally {
			clearInterval(sampler);
		}
		figures.loadRssMb = peak;
		return figures;
	} catch (error) {
		return `failed: ${(error as Error).message.slice(0, 200)}${relay && relay.child.exitCode !== null ? ` (relay exited ${relay.child.exitCode}: ${relay.output.slice(-300)})` : ''}`;
	} finally {
		if (relay) await stopRelay(relay);
		probe.disconnect();
		await redis.stop();
	}
}

/**
 * Every size RUNS times (the runs of one size back to back, a fresh Redis and relay each),
 * rendered as a Markdown table of `median (min–max)`. The ack p99 ratio pairs each run with
 * the same run of the smallest size (the baseline of the same pass).
 */
export async function scalingTable(sizes: readonly number[], sink: CountingSink): Promise<string[]> {
	const results = new Map<number, { runs: SizeFigures[]; problems: string[] }>();
	for (const size of sizes) {
		const entry = { runs: [] as SizeFigures[], problems: [] as string[] };
		results.set(size, entry);
		const events = eventsFor(size);
		await repeat(
			async () => {
				if (entry.problems.length > 0) return; // A size that broke once is not retried: its trouble is the finding.
				const result = await measureSize(size, events, sink);
				if (typeof result === 'string') entry.problems.push(result);
				else entry.runs.push(result);
			},
			RUNS,
			(run) => log(`[bench] ${size} subscriptions: run ${run + 1}/${RUNS} (${events} events)`),
		);
	}
	const baseline = results.get(sizes[0])?.runs.map((r) => r.ackP99) ?? [];
	const lines = [
		`| subscriptions | events | Redis connections | idle Redis commands/s | RSS MB idle | RSS MB under load | ack p50 ms | ack p99 ms | ack p99 × ${sizes[0].toLocaleString('en')} sub${sizes[0] > 1 ? 's' : ''} | fan-out deliveries/s | notes |`,
		'|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
	];
	for (const [size, { runs, problems }] of results) {
		const col = (pick: (r: SizeFigures) => number | undefined, digits = 0) => formatSummary(runs.map(pick), digits);
		lines.push(
			`| ${size.toLocaleString('en')} | ${eventsFor(size)} | ${col((r) => r.connections)} | ${col((r) => r.commandsPerSecond, 1)} | ${col((r) => r.idleRssMb)} | ${col((r) => r.loadRssMb)} | ${col((r) => r.ackP50, 1)} | ${col((r) => r.ackP99, 1)} | ${formatSummary(perRunRatios(runs.map((r) => r.ackP99), baseline), 2)} | ${col((r) => r.deliveriesPerSecond)} | ${problems.join('; ')} |`,
		);
	}
	return lines;
}

async function main(): Promise<void> {
	const sink = await CountingSink.start();
	try {
		log(`relay: ${CLI}; ${RUNS} run(s) per figure`);
		const lines = await scalingTable(sizesFromEnv('1,10,100,1000,10000'), sink);
		process.stdout.write(`Relay: ${CLI}; each figure median (min–max) of ${RUNS} runs\n\n${lines.join('\n')}\n`);
	} finally {
		await sink.close();
	}
}

if (require.main === module) {
	main().catch((error: unknown) => {
		// Information, not a gate: report what broke and exit 0.
		process.stderr.write(`${(error as Error).stack}\n`);
	});
}
