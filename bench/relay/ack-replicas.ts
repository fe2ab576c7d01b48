/**
 * What RELAY_ACK_REPLICAS=1 costs (issue 17): ingest acknowledgement latency and throughput
 * with the relay answering as soon as the master has the event (0, the default) against
 * waiting for one replica (Redis WAIT), on a real local Sentinel set (1 master, 1 replica,
 * 3 sentinels) and a real local Cluster (3 masters, 1 replica each), AOF everysec. The `0`
 * row is the baseline of the same run, on the same servers.
 *
 *   node -r ./bench/suite/ts-register.js bench/relay/ack-replicas.ts [events per run] [concurrency]
 *
 * Sequential events give the latency a single provider sees; `concurrency` requests at once
 * give the throughput. Prints median and range of 3 runs; never fails.
 */
import { randomBytes } from 'node:crypto';

import pino from 'pino';

import { signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { Relay } from '../../relay/src/app';
import { loadConfig, type RelayConfigInput } from '../../relay/src/config';
import { RedisClusterSet, RedisSentinelSet } from '../../test/faults/harness/redis-topology';
import { RUNS, formatSummary, quantile } from '../repeat';

const SECRET = `whsec_${Buffer.from('bench-ack-replicas-0123456789ab').toString('base64')}`;
const EVENTS = Number(process.argv[2] ?? 400);
const CONCURRENCY = Number(process.argv[3] ?? 32);

interface RunFigures {
	p50: number;
	p99: number;
	perSecond: number;
}

async function post(url: string): Promise<number> {
	const id = `msg_${randomBytes(8).toString('hex')}`;
	const body = JSON.stringify({ type: 'document.signed', timestamp: new Date().toISOString(), data: { document_id: 'doc_1' } });
	const headers = { 'content-type': 'application/json', ...signedHeaders(SECRET, id, Math.floor(Date.now() / 1000), body) };
	const started = performance.now();
	const response = await fetch(url, { method: 'POST', body, headers });
	await response.arrayBuffer();
	if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
	return performance.now() - started;
}

/** One run: EVENTS one after another (latency), then EVENTS with CONCURRENCY in flight (throughput). */
async function measure(url: string): Promise<RunFigures> {
	const latencies: number[] = [];
	for (let i = 0; i < EVENTS; i++) latencies.push(await post(url));
	latencies.sort((a, b) => a - b);
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async () => {
			while (next++ < EVENTS) await post(url);
		}),
	);
	return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), perSecond: EVENTS / ((performance.now() - started) / 1000) };
}

async function row(label: string, topology: Partial<RelayConfigInput>, ackReplicas: number): Promise<string> {
	const runs: RunFigures[] = [];
	for (let run = 0; run < RUNS; run++) {
		const config = loadConfig(
			{},
			{
				port: 0,
				apiToken: 'bench-admin-token-0123456789',
				sources: [{ id: 'std', type: 'standard-webhooks', secrets: [SECRET] }],
				logLevel: 'silent',
				ackReplicas,
				...topology,
				redisPrefix: `${topology.redisPrefix ?? ''}bench-ack-${randomBytes(3).toString('hex')}:`,
			},
		);
		const relay = new Relay(config, { logger: pino({ level: 'silent' }), processMetrics: false });
		await relay.start();
		try {
			await measure(`${relay.url}/ingest/std`); // warm-up: connections, scripts loaded
			runs.push(await measure(`${relay.url}/ingest/std`));
		} finally {
			await relay.stop();
		}
	}
	return `| ${label} | ${ackReplicas} | ${formatSummary(runs.map((r) => r.p50), 2)} ms | ${formatSummary(runs.map((r) => r.p99), 2)} ms | ${formatSummary(runs.map((r) => r.perSecond))}/s |`;
}

async function main(): Promise<void> {
	const lines = [
		`RELAY_ACK_REPLICAS cost: ${EVENTS} events per run sequential (latency) and with ${CONCURRENCY} in flight (throughput), median (range) of ${RUNS} runs, Node ${process.version}`,
		'',
		'| Redis | RELAY_ACK_REPLICAS | ack p50 | ack p99 | acks/s |',
		'|---|---:|---:|---:|---:|',
	];
	const sentinel = await RedisSentinelSet.start('bench', 'everysec');
	try {
		const topology = { redisSentinels: sentinel.seeds, redisSentinelName: 'bench' };
		for (const replicas of [0, 1]) lines.push(await row('Sentinel, 1 replica', topology, replicas));
	} finally {
		await sentinel.stop();
	}
	const cluster = await RedisClusterSet.start(3, 1, 'everysec');
	try {
		// A hash tag around the prefix: every key on one master, as these figures were first measured (see cluster-spread.ts for spread keys).
		const topology = { redisClusterNodes: cluster.seeds, redisPrefix: '{bench}:' };
		for (const replicas of [0, 1]) lines.push(await row('Cluster, 3 masters × 1 replica', topology, replicas));
	} finally {
		await cluster.stop();
	}
	process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`ack-replicas benchmark failed: ${String((error as Error)?.stack ?? error)}\n`);
		process.exit(0);
	},
);
