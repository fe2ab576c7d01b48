/**
 * Relay benchmark: ingest throughput against bare node:http and bare Express 5 driven by the
 * same autocannon load with the same pre-signed unique ~1 KB SignNow-style bodies; p99 at a
 * fixed 1,000/s; fan-out deliveries/s to a local sink; ingest-ack -> sink latency at an evenly paced 500/s;
 * relay RSS. Prints a table; never fails (a benchmark is information, not a gate).
 *
 *   npx tsc -p relay/tsconfig.json && npx tsc -p bench/relay/tsconfig.json && node bench/relay/dist/bench/relay/run.js
 *
 * BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (default 50), BENCH_FANOUT_EVENTS (default 20000),
 * BENCH_RUNS (default 3): every row, the ceilings too, runs that many times and prints `median (min–max)`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import autocannon from 'autocannon';
import { Redis } from 'ioredis';

import { signBody } from '../../nodes/providers/signnow/webhook';
import { RELAY_NODE_FLAGS } from '../../relay/src/node-flags';
import { DeliveryHold } from '../delivery-hold';
import { formatSummary, perRunRatios, repeat, RUNS } from '../repeat';

const ROOT = join(__dirname, '..', '..', '..', '..', '..');
const RELAY_CLI = join(ROOT, 'relay', 'dist', 'relay', 'src', 'cli.js');
const BASELINES = join(__dirname, 'baselines.js');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const FANOUT_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 20_000);
const SECRET = 'bench-signnow-secret';
const TOKEN = 'bench-admin-token-0123456789';

interface Signed {
	body: string;
	signature: string;
}

/** Unique, pre-signed SignNow-style callbacks of about 1 KB each. */
function makeBodies(count: number): Signed[] {
	const run = randomBytes(4).toString('hex');
	const padding = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(10);
	const bodies: Signed[] = [];
	for (let i = 0; i < count; i += 1) {
		const body = JSON.stringify({
			meta: {
				// Fresh: the relay refuses a SignNow callback older than its max age (60 h).
				timestamp: Math.floor(Date.now() / 1000),
				event: 'document.complete',
				environment: 'https://api.signnow.com',
				initiator_id: 'b3c1f2e4a5d6',
				callback_url: 'https://relay.example.com/ingest/signnow',
				access_token: 'not-a-real-token-0123456789abcdef',
			},
			content: {
				document_id: `${run}${i.toString(16).padStart(32, '0')}`,
				document_name: 'Mutual NDA - Acme Corp and Example Ltd.pdf',
				user_id: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
				viewer_user_unique_id: null,
				notes: padding,
			},
		});
		bodies.push({ body, signature: signBody(SECRET, body) });
	}
	return bodies;
}

function progress(message: string): void {
	process.stderr.write(`[bench] ${message}\n`);
}

function load(url: string, bodies: Signed[], options: { duration?: number; amount?: number; overallRate?: number; connections?: number }) {
	let next = 0;
	return autocannon({
		url,
		connections: options.connections ?? CONNECTIONS,
		...(options.duration !== undefined ? { duration: options.duration } : {}),
		...(options.amount !== undefined ? { amount: options.amount } : {}),
		...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
		requests: [
			{
				method: 'POST',
				setupRequest: (request) => {
					const item = bodies[next % bodies.length];
					next += 1;
					return {
						...request,
						method: 'POST',
						body: item.body,
						headers: { 'content-type': 'application/json', 'x-signnow-signature': item.signature },
					};
				},
			},
		],
	});
}

/**
 * An evenly paced load: request i leaves at start + i / rate. autocannon's overallRate is not
 * that: each connection sends its per-second budget back to back, then waits for the next
 * second, so "500/s" arrives as a burst of 500 in the first few hundred ms of every second,
 * and what a delivery latency measured under it shows is mostly the time to drain the burst.
 */
async function paced(url: string, bodies: Signed[], rate: number): Promise<{ sent: number; non2xx: number }> {
	const agent = new Agent({ keepAlive: true, maxSockets: 64 });
	const target = new URL(url);
	const started = performance.now();
	let sent = 0;
	let finished = 0;
	let non2xx = 0;
	await new Promise<void>((resolve) => {
		const fire = (item: Signed) => {
			const outgoing = request(target, {
				method: 'POST',
				agent,
				headers: { 'content-type': 'application/json', 'x-signnow-signature': item.signature },
			});
			const done = () => {
				finished += 1;
				if (finished === bodies.length) resolve();
			};
			outgoing.on('response', (response) => {
				if ((response.statusCode ?? 0) >= 300) non2xx += 1;
				response.resume();
				response.on('end', done);
			});
			outgoing.on('error', () => {
				non2xx += 1;
				done();
			});
			outgoing.end(item.body);
		};
		const tick = () => {
			const due = Math.min(bodies.length, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
			while (sent < due) fire(bodies[sent++]);
			if (sent < bodies.length) setTimeout(tick, 1);
		};
		tick();
	});
	agent.destroy();
	return { sent, non2xx };
}

interface Child {
	process: ChildProcess;
	url: string;
}

function startProcess(args: string[], env: Record<string, string>, parseUrl: (line: string) => string | undefined): Promise<Child> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
		let buffered = '';
		let stderr = '';
		child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
		child.stdout?.on('data', (chunk: Buffer) => {
			buffered += chunk.toString();
			for (const line of buffered.split('\n')) {
				const url = parseUrl(line);
				if (url) {
					buffered = '';
					resolve({ process: child, url });
					return;
				}
			}
		});
		child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`)));
	});
}

function startBaseline(mode: 'http' | 'express'): Promise<Child> {
	return startProcess([BASELINES, mode], {}, (line) => (/^\d+$/.test(line.trim()) ? `http://127.0.0.1:${line.trim()}` : undefined));
}

function startRelay(prefix: string): Promise<Child> {
	return startProcess(
		[...RELAY_NODE_FLAGS, RELAY_CLI],
		{
			RELAY_PORT: '0',
			RELAY_REDIS_PREFIX: prefix,
			RELAY_API_TOKEN: TOKEN,
			RELAY_SOURCES: JSON.stringify([{ id: 'signnow', type: 'signnow', secrets: [SECRET] }]),
			RELAY_LOG_LEVEL: 'info',
			// Longer than SignNow's accepted age (60 h + skew): the relay refuses a shorter window (a replay could outlive its dedup key).
			RELAY_DEDUP_WINDOW: '61h',
			RELAY_EVENT_RETENTION: '30m',
			RELAY_KEEP_DELIVERED: '100',
		},
		(line) => {
			if (!line.includes('esign-relay listening')) return undefined;
			return (JSON.parse(line) as { url: string }).url;
		},
	);
}

async function stop(child: Child): Promise<void> {
	if (child.process.exitCode !== null) return;
	const exited = new Promise((resolve) => child.process.once('exit', resolve));
	child.process.kill('SIGTERM');
	await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
	if (child.process.exitCode === null) child.process.kill('SIGKILL');
}

/** Peak resident memory of a process, sampled from /proc while a phase runs. */
function sampleRss(pid: number): { stop: () => number } {
	let peak = 0;
	const read = () => {
		try {
			const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
			if (match) peak = Math.max(peak, Number(match[1]) / 1024);
		} catch {
			// The process may have exited between samples.
		}
	};
	const timer = setInterval(read, 200);
	read();
	return {
		stop: () => {
			clearInterval(timer);
			read();
			return peak;
		},
	};
}

class Sink {
	count = 0;
	latencies: number[] | undefined;
	private server: Server;
	constructor() {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				this.count += 1;
				if (this.latencies) {
					const { receivedAt } = JSON.parse(Buffer.concat(chunks).toString()) as { receivedAt: string };
					this.latencies.push(Date.now() - Date.parse(receivedAt));
				}
				res.writeHead(204).end();
			});
		});
	}
	async start(): Promise<string> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
	}
	close(): void {
		this.server.closeAllConnections();
		this.server.close();
	}
}

async function adminPost(relayUrl: string, path: string, body: unknown): Promise<Record<string, unknown>> {
	const response = await fetch(`${relayUrl}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
	});
	return (await response.json()) as Record<string, unknown>;
}

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return true;
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return false;
}

function percentile(values: number[], p: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function cleanRedis(prefix: string): Promise<void> {
	const redis = new Redis({ host: '127.0.0.1', port: 6379 });
	let cursor = '0';
	do {
		const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
		cursor = next;
		if (keys.length > 0) await redis.del(...keys);
	} while (cursor !== '0');
	redis.disconnect();
}

interface Row {
	measure: string;
	value: string;
	goal: string;
}

async function fanout(relay: Child, prefix: string, sink: Sink, sinkUrl: string, cap: number, events: number): Promise<number> {
	const created = await adminPost(relay.url, '/v1/subscriptions', { url: sinkUrl, maxInFlight: cap });
	const subscriptionId = created.id as string;
	const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
	const hold = new DeliveryHold(connection, prefix);
	try {
		// Hold deliveries while the events go in, then time the drain alone.
		await hold.hold([subscriptionId]);
		progress(`fan-out cap ${cap}: ingesting ${events}`);
		await load(`${relay.url}/ingest/signnow`, makeBodies(events), { amount: events });
		await waitUntil(async () => (await hold.waiting([subscriptionId])) >= events, 120_000);
		progress('fan-out: draining');
		sink.count = 0;
		const started = performance.now();
		await hold.release([subscriptionId]);
		await waitUntil(() => sink.count >= events, 300_000);
		const seconds = (performance.now() - started) / 1000;
		await fetch(`${relay.url}/v1/subscriptions/${subscriptionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
		return sink.count / seconds;
	} finally {
		connection.disconnect();
	}
}

const rows: Row[] = [];

function printTable(): void {
	const widths = [0, 1, 2].map((i) => Math.max(...[['measure', 'value', 'goal'][i], ...rows.map((r) => [r.measure, r.value, r.goal][i])].map((s) => s.length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
	process.stdout.write(
		[
			'',
			`esign-relay benchmark (autocannon -c ${CONNECTIONS}, ${DURATION}s runs, ~1 KB pre-signed unique SignNow bodies, Node ${process.version}; each figure median (min–max) of ${RUNS} runs, ratios per run)`,
			'',
			line(['measure', 'value', 'goal']),
			`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
			...rows.map((r) => line([r.measure, r.value, r.goal])),
			'',
		].join('\n'),
	);
}

/** One run's figures, every row's; a row a run did not reach stays undefined. */
interface RunFigures {
	http?: { rps: number; p50: number; p99: number };
	express?: { rps: number; p50: number; p99: number };
	ingest?: { rps: number; p50: number; p99: number; non2xx: number };
	fixed?: { rps: number; p50: number; p99: number };
	wide?: number;
	narrow?: number;
	paced?: { p50: number; p99: number; delivered: number; non2xx: number };
	peakRssMb?: number;
}

/** One pass over every row, ceilings first: a fresh baseline process, relay and Redis prefix each run. */
async function measureRun(run: number, figures: RunFigures): Promise<void> {
	const bodies = makeBodies(Math.ceil(DURATION * 12_000));
	for (const mode of ['http', 'express'] as const) {
		const server = await startBaseline(mode);
		try {
			await load(`${server.url}/ingest/signnow`, bodies, { duration: 2 });
			progress(`run ${run + 1}/${RUNS}: bare ${mode}`);
			const result = await load(`${server.url}/ingest/signnow`, bodies, { duration: DURATION });
			figures[mode] = { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
		} finally {
			await stop(server);
		}
	}

	const prefix = `bench:relay:${randomBytes(4).toString('hex')}:`;
	const sink = new Sink();
	const sinkUrl = await sink.start();
	const relay = await startRelay(prefix);
	const rss = sampleRss(relay.process.pid ?? 0);
	try {
		await load(`${relay.url}/ingest/signnow`, makeBodies(5_000), { duration: 2 });
		progress(`run ${run + 1}/${RUNS}: relay ingest`);
		const ingest = await load(`${relay.url}/ingest/signnow`, makeBodies(Math.ceil(DURATION * 8_000)), { duration: DURATION });
		figures.ingest = { rps: ingest.requests.average, p50: ingest.latency.p50, p99: ingest.latency.p99, non2xx: ingest.non2xx };

		progress(`run ${run + 1}/${RUNS}: relay ingest at a fixed 1,000/s`);
		const fixed = await load(`${relay.url}/ingest/signnow`, makeBodies(DURATION * 1_000 + 1_000), {
			duration: DURATION,
			overallRate: 1_000,
			connections: 20,
		});
		figures.fixed = { rps: fixed.requests.average, p50: fixed.latency.p50, p99: fixed.latency.p99 };

		progress(`run ${run + 1}/${RUNS}: fan-out, maxInFlight 64`);
		figures.wide = await fanout(relay, prefix, sink, sinkUrl, 64, FANOUT_EVENTS);
		progress(`run ${run + 1}/${RUNS}: fan-out, maxInFlight 4`);
		figures.narrow = await fanout(relay, prefix, sink, sinkUrl, 4, Math.min(FANOUT_EVENTS, 5_000));

		const { id: pacedSubscription } = (await adminPost(relay.url, '/v1/subscriptions', { url: sinkUrl })) as { id: string };
		progress(`run ${run + 1}/${RUNS}: ingest ack -> sink latency, evenly paced 500/s`);
		sink.latencies = [];
		const latencyEvents = DURATION * 500;
		const paceResult = await paced(`${relay.url}/ingest/signnow`, makeBodies(latencyEvents), 500);
		await waitUntil(() => (sink.latencies?.length ?? 0) >= latencyEvents - paceResult.non2xx, 30_000);
		figures.paced = { p50: percentile(sink.latencies, 50), p99: percentile(sink.latencies, 99), delivered: sink.latencies.length, non2xx: paceResult.non2xx };
		await fetch(`${relay.url}/v1/subscriptions/${pacedSubscription}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
	} finally {
		figures.peakRssMb = rss.stop();
		await stop(relay);
		sink.close();
		await cleanRedis(prefix);
	}
}

function buildRows(runs: RunFigures[]): void {
	const s = (pick: (f: RunFigures) => number | undefined, digits = 0) => formatSummary(runs.map(pick), digits);
	const latency = (pick: (f: RunFigures) => { p50: number; p99: number } | undefined, digits = 0) =>
		`${s((f) => pick(f)?.p50, digits)} / ${s((f) => pick(f)?.p99, digits)} ms`;
	rows.push(
		{ measure: 'bare node:http: req/s, p50/p99', value: `${s((f) => f.http?.rps)} /s, ${latency((f) => f.http)}`, goal: 'ceiling' },
		{ measure: 'bare Express 5 (express.raw): req/s, p50/p99', value: `${s((f) => f.express?.rps)} /s, ${latency((f) => f.express)}`, goal: 'ceiling' },
		{
			measure: 'relay ingest (verify + dedup + durable enqueue): events/s, p50/p99',
			value: `${s((f) => f.ingest?.rps)} /s (${formatSummary(perRunRatios(runs.map((f) => f.ingest?.rps), runs.map((f) => f.express?.rps)), 2)} x Express), ${latency((f) => f.ingest)}, non-2xx ${s((f) => f.ingest?.non2xx)}`,
			goal: '>= 0.6 x bare Express',
		},
		{ measure: 'relay ingest at a fixed 1,000 events/s: p50/p99', value: `${latency((f) => f.fixed)} (${s((f) => f.fixed?.rps)} /s)`, goal: 'p99 <= 20 ms' },
		{ measure: 'fan-out to a local sink, 1 subscription, maxInFlight 64', value: `${s((f) => f.wide)} deliveries/s`, goal: '>= 3,000/s' },
		{ measure: 'fan-out, default maxInFlight 4', value: `${s((f) => f.narrow)} deliveries/s`, goal: '(pacing default)' },
		{
			measure: 'ingest ack -> sink, evenly paced 500 events/s (default cap 4): p50/p99',
			value: `${latency((f) => f.paced)} (${s((f) => f.paced?.delivered)} delivered, non-2xx ${s((f) => f.paced?.non2xx)})`,
			goal: 'p50 <= 5 ms, p99 <= 25 ms',
		},
		{ measure: 'relay peak RSS under load', value: `${s((f) => f.peakRssMb)} MB`, goal: '<= 200 MB' },
	);
}

async function main(): Promise<void> {
	const runs: RunFigures[] = [];
	try {
		await repeat(async (run) => {
			const figures: RunFigures = {};
			runs.push(figures);
			await measureRun(run, figures);
		});
	} finally {
		// Whatever the runs reached is printed, even when one of them broke.
		buildRows(runs);
	}
}

main()
	.catch((error) => process.stdout.write(`benchmark did not complete: ${(error as Error).stack ?? String(error)}\n`))
	.finally(() => {
		printTable();
		process.exit(0);
	});
