/**
 * Ingest and fan-out on a Redis Cluster when every relay key sits on one master (a prefix with
 * a hash tag, `{bench}:`: the layout the relay required before, and the baseline) against keys
 * spread over the 3 masters (a prefix without a tag). Same real local Cluster (3 masters, AOF
 * everysec, no replicas), same relay, same run: 4 Standard Webhooks sources, S subscriptions
 * taking every event, E events with 32 in flight.
 *
 *   node -r ./bench/suite/ts-register.js bench/relay/cluster-spread.ts [events per run] [subscriptions]
 *
 * Per run: acknowledgements per second (ingest), deliveries per second from the first ingest
 * to the last delivery (fan-out + dispatch), and the share of Redis commands the busiest
 * master served (INFO commandstats; 1/3 is an even spread). Prints median (min–max) of
 * BENCH_RUNS (3) runs and the per-run ratios spread ÷ one master; never fails. The relay is
 * one Node process here: on a small machine it, not Redis, is usually the limit, so the
 * ratio says what spreading costs or gains at this size, not what a larger Cluster could take.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import pino from 'pino';

import { signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { Relay } from '../../relay/src/app';
import { loadConfig } from '../../relay/src/config';
import { RedisClusterSet, redisCli } from '../../test/faults/harness/redis-topology';
import { RUNS, formatSummary, perRunRatios } from '../repeat';

const EVENTS = Number(process.argv[2] ?? process.env.BENCH_CLUSTER_EVENTS ?? 300);
const SUBSCRIPTIONS = Number(process.argv[3] ?? process.env.BENCH_CLUSTER_SUBSCRIPTIONS ?? 20);
const CONCURRENCY = 32;
const TOKEN = 'bench-admin-token-0123456789';
const SOURCES = [0, 1, 2, 3].map((n) => ({
	id: `acct-${n + 1}`,
	type: 'standard-webhooks',
	secrets: [`whsec_${Buffer.from(`bench-cluster-spread-${n}-0123456789`).toString('base64')}`],
}));

interface RunFigures {
	acksPerSecond: number;
	deliveriesPerSecond: number;
	busiestShare: number;
}

/** A target that answers 204 and counts. */
async function countingSink(): Promise<{ server: Server; url: string; count: () => number; reset: () => void }> {
	let received = 0;
	const server = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			received += 1;
			res.writeHead(204).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		server,
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
		count: () => received,
		reset: () => (received = 0),
	};
}

async function post(url: string, secret: string): Promise<void> {
	const id = `msg_${randomBytes(8).toString('hex')}`;
	const body = JSON.stringify({ type: 'document.signed', timestamp: new Date().toISOString(), data: { document_id: 'doc_1' } });
	const headers = { 'content-type': 'application/json', ...signedHeaders(secret, id, Math.floor(Date.now() / 1000), body) };
	const response = await fetch(url, { method: 'POST', body, headers });
	await response.arrayBuffer();
	if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
}

/** Commands each master served since the last CONFIG RESETSTAT. */
async function commandsPerMaster(masters: number[]): Promise<number[]> {
	return Promise.all(
		masters.map(async (port) => {
			const stats = await redisCli(port, 'INFO', 'commandstats');
			let total = 0;
			for (const match of stats.matchAll(/^cmdstat_([a-z|_-]+):calls=(\d+)/gm)) if (!['info', 'config|resetstat', 'config', 'cluster|slots', 'cluster', 'ping'].includes(match[1])) total += Number(match[2]);
			return total;
		}),
	);
}

async function measure(cluster: RedisClusterSet, prefix: string, sink: Awaited<ReturnType<typeof countingSink>>): Promise<RunFigures> {
	const config = loadConfig(
		{},
		{ port: 0, apiToken: TOKEN, sources: SOURCES, redisClusterNodes: cluster.seeds, redisPrefix: prefix, logLevel: 'silent', maxInFlight: 16 },
	);
	const relay = new Relay(config, { logger: pino({ level: 'silent' }), processMetrics: false });
	await relay.start();
	try {
		for (let n = 0; n < SUBSCRIPTIONS; n++) {
			const response = await fetch(`${relay.url}/v1/subscriptions`, {
				method: 'POST',
				headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
				body: JSON.stringify({ url: `${sink.url}/${n}` }),
			});
			if (response.status !== 201) throw new Error(`subscription create answered ${response.status}`);
		}
		// Warm-up: connections to every master, scripts loaded.
		for (const source of SOURCES) await post(`${relay.url}/ingest/${source.id}`, source.secrets[0]);
		await waitUntil(() => sink.count() >= SOURCES.length * SUBSCRIPTIONS, 30_000);
		const masters = await cluster.masters();
		for (const port of masters) await redisCli(port, 'CONFIG', 'RESETSTAT');
		sink.reset();
		let next = 0;
		const started = performance.now();
		await Promise.all(
			Array.from({ length: CONCURRENCY }, async () => {
				while (next < EVENTS) {
					const source = SOURCES[next++ % SOURCES.length];
					await post(`${relay.url}/ingest/${source.id}`, source.secrets[0]);
				}
			}),
		);
		const acked = performance.now();
		await waitUntil(() => sink.count() >= EVENTS * SUBSCRIPTIONS, 120_000);
		const delivered = performance.now();
		const commands = await commandsPerMaster(masters);
		const total = commands.reduce((sum, n) => sum + n, 0);
		return {
			acksPerSecond: EVENTS / ((acked - started) / 1000),
			deliveriesPerSecond: (EVENTS * SUBSCRIPTIONS) / ((delivered - started) / 1000),
			busiestShare: total > 0 ? Math.max(...commands) / total : NaN,
		};
	} finally {
		await relay.stop();
	}
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

/** The table's lines; a failure is reported as a line, never thrown. */
export async function clusterSpreadTable(): Promise<string[]> {
	const cluster = await RedisClusterSet.start(3, 0, 'everysec');
	const sink = await countingSink();
	const pinned: RunFigures[] = [];
	const spread: RunFigures[] = [];
	try {
		for (let run = 0; run < RUNS; run++) {
			// Baseline and spread in the same pass, so a ratio pairs figures measured a moment apart.
			pinned.push(await measure(cluster, `{bench-${randomBytes(3).toString('hex')}}:`, sink));
			spread.push(await measure(cluster, `bench-${randomBytes(3).toString('hex')}:`, sink));
		}
	} finally {
		await new Promise<void>((resolve) => sink.server.close(() => resolve()));
		await cluster.stop();
	}
	const line = (label: string, runs: RunFigures[]) =>
		`| ${label} | ${formatSummary(runs.map((r) => r.acksPerSecond))}/s | ${formatSummary(runs.map((r) => r.deliveriesPerSecond))}/s | ${formatSummary(runs.map((r) => r.busiestShare * 100))} % |`;
	return [
		`Redis Cluster, 3 masters (bench/relay/cluster-spread.ts): ${EVENTS} events over 4 sources, ${CONCURRENCY} in flight, ${SUBSCRIPTIONS} subscriptions each; median (min–max) of ${RUNS} runs`,
		'',
		'| keys | acks/s | deliveries/s (ingest → last delivery) | busiest master\'s share of commands |',
		'|---|---:|---:|---:|',
		line('on one master (prefix `{bench}:`, baseline)', pinned),
		line('spread (prefix `bench:`)', spread),
		`| spread ÷ one master, per run | ${formatSummary(perRunRatios(spread.map((r) => r.acksPerSecond), pinned.map((r) => r.acksPerSecond)), 2)} | ${formatSummary(perRunRatios(spread.map((r) => r.deliveriesPerSecond), pinned.map((r) => r.deliveriesPerSecond)), 2)} | |`,
	];
}

if (require.main === module) {
	clusterSpreadTable().then(
		(lines) => {
			process.stdout.write(`${lines.join('\n')}\n`);
			process.exit(0);
		},
		(error: unknown) => {
			process.stderr.write(`cluster-spread benchmark failed: ${String((error as Error)?.stack ?? error)}\n`);
			process.exit(0);
		},
	);
}
