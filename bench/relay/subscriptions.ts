/**
 * What a subscription costs: Redis connections per relay process, idle Redis commands/s and
 * relay RSS at 10 / 100 / 1,000 / 10,000 idle subscriptions, and fan-out deliveries/s (and
 * the ack time of one event) at 1,000 subscriptions. Each size runs on a Redis of its own
 * (loopback, free port), so `INFO` counts nothing but this relay.
 *
 *   node -r ./bench/suite/ts-register.js bench/relay/subscriptions.ts
 *   BENCH_RELAY_CLI=/path/to/other/relay/dist/relay/src/cli.js ...   # e.g. a build of main
 *   BENCH_SIZES=10,100,1000 BENCH_RUNS=3 BENCH_FANOUT_EVENTS=5 ...   # BENCH_FANOUT_EVENTS=0: idle rows only
 *
 * Prints each figure as the median and range of BENCH_RUNS runs; never fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { Redis } from 'ioredis';

import { RELAY_CLI, REPO_ROOT } from '../../test/helpers/relay-build';
import { RedisServer } from '../../test/faults/harness/redis-server';
import { RELAY_NODE_FLAGS } from '../../relay/src/node-flags';
import { SOURCES, TOKEN, signNowCallback } from '../../relay/test/helpers';
import { CountingSink } from '../suite/counting-sink';

const CLI = process.env.BENCH_RELAY_CLI ?? RELAY_CLI;
const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000,10000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FANOUT_SUBSCRIPTIONS = Number(process.env.BENCH_FANOUT_SUBSCRIPTIONS ?? 1000);
const FANOUT_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);

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

interface IdleFigures {
	connections: number;
	commandsPerSecond: number;
	rssMb: number;
}

/** One relay, `size` idle subscriptions: what it holds and what it does while nothing happens. */
async function idle(size: number, sink: CountingSink): Promise<IdleFigures | string> {
	const redis = await RedisServer.start({ appendfsync: 'everysec' });
	const probe = new Redis(redis.url);
	let relay: Relay | undefined;
	try {
		const before = info(await probe.info('clients'), 'connected_clients');
		relay = await startRelay(redis);
		await createSubscriptions(relay, Array.from({ length: size }, (_, i) => sink.url(`idle-${i}`)));
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
		const figures = {
			connections: info(await probe.info('clients'), 'connected_clients') - before,
			commandsPerSecond: (end - start - 1) / IDLE_SECONDS,
			rssMb: rssMb(relay.child.pid!),
		};
		if (relay.child.exitCode !== null) return `relay exited (${relay.child.exitCode})`;
		return figures;
	} catch (error) {
		return `failed: ${(error as Error).message.slice(0, 200)}${relay?.child.exitCode !== null && relay ? ` (relay exited ${relay.child.exitCode}: ${relay.output.slice(-300)})` : ''}`;
	} finally {
		if (relay) await stopRelay(relay);
		probe.disconnect();
		await redis.stop();
	}
}

interface FanoutFigures {
	deliveriesPerSecond: number;
	ackMs: number;
}

/** `events` events to `subscriptions` subscriptions: deliveries/s from the first ingest to the last delivery. */
async function fanout(subscriptions: number, events: number, sink: CountingSink): Promise<FanoutFigures | string> {
	const redis = await RedisServer.start({ appendfsync: 'everysec' });
	let relay: Relay | undefined;
	try {
		relay = await startRelay(redis);
		await createSubscriptions(relay, Array.from({ length: subscriptions }, (_, i) => sink.url(`fan-${i}`)));
		await sleep(3_000);
		sink.reset();
		const expected = subscriptions * events;
		const started = Date.now();
		const acks: number[] = [];
		for (let i = 0; i < events; i++) {
			const callback = signNowCallback({ documentId: `doc_fan_${i}` });
			const sent = performance.now();
			const response = await fetch(`${relay.url}/ingest/signnow`, { method: 'POST', body: callback.body, headers: callback.headers });
			acks.push(performance.now() - sent);
			if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
			await response.arrayBuffer();
		}
		const deadline = Date.now() + 300_000;
		while (sink.count < expected && Date.now() < deadline && relay.child.exitCode === null) await sleep(20);
		if (sink.count < expected) return `${sink.count}/${expected} delivered${relay.child.exitCode !== null ? ' (relay exited)' : ''}`;
		return { deliveriesPerSecond: expected / ((sink.last - started) / 1000), ackMs: acks.sort((a, b) => a - b)[Math.floor(acks.length / 2)] };
	} catch (error) {
		return `failed: ${(error as Error).message.slice(0, 200)}`;
	} finally {
		if (relay) await stopRelay(relay);
		await redis.stop();
	}
}

function summary(values: number[], digits = 0): string {
	if (values.length === 0) return '–';
	const sorted = [...values].sort((a, b) => a - b);
	const median = sorted[Math.floor(sorted.length / 2)];
	const fmt = (n: number) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
	return sorted.length === 1 ? fmt(median) : `${fmt(median)} (${fmt(sorted[0])}–${fmt(sorted[sorted.length - 1])})`;
}

async function main(): Promise<void> {
	const sink = await CountingSink.start();
	log(`relay: ${CLI}; ${RUNS} run(s) per figure`);
	const lines = [
		`Relay: ${CLI}`,
		'',
		'| idle subscriptions | Redis connections | idle Redis commands/s | relay RSS MB | notes |',
		'|---:|---:|---:|---:|---|',
	];
	for (const size of SIZES) {
		const runs: IdleFigures[] = [];
		const problems: string[] = [];
		for (let run = 0; run < RUNS; run++) {
			log(`idle ${size}: run ${run + 1}`);
			const result = await idle(size, sink);
			if (typeof result === 'string') {
				problems.push(result);
				break;
			}
			runs.push(result);
		}
		lines.push(
			`| ${size.toLocaleString('en')} | ${summary(runs.map((r) => r.connections))} | ${summary(runs.map((r) => r.commandsPerSecond), 1)} | ${summary(runs.map((r) => r.rssMb))} | ${problems.join('; ')} |`,
		);
	}
	const fan: FanoutFigures[] = [];
	const fanProblems: string[] = [];
	for (let run = 0; run < (FANOUT_EVENTS > 0 ? RUNS : 0); run++) {
		log(`fan-out ${FANOUT_SUBSCRIPTIONS}: run ${run + 1}`);
		const result = await fanout(FANOUT_SUBSCRIPTIONS, FANOUT_EVENTS, sink);
		if (typeof result === 'string') {
			fanProblems.push(result);
			break;
		}
		fan.push(result);
	}
	lines.push(
		'',
		`Fan-out: ${FANOUT_EVENTS} events to ${FANOUT_SUBSCRIPTIONS.toLocaleString('en')} subscriptions (first ingest → last delivery): ` +
			`${summary(fan.map((f) => f.deliveriesPerSecond))} deliveries/s; ack of one event ${summary(fan.map((f) => f.ackMs))} ms (median per run)` +
			(fanProblems.length ? `; ${fanProblems.join('; ')}` : ''),
	);
	process.stdout.write(`${lines.join('\n')}\n`);
	await sink.close();
}

main().catch((error: unknown) => {
	process.stderr.write(`${(error as Error).stack}\n`);
	process.exit(1);
});
