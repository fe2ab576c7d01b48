/**
 * CPU time per ingest request, relay vs bare Express, measured the same way in the same run:
 * the server process's user+system CPU (from /proc/<pid>/stat) over N pre-signed requests,
 * divided by N. On a shared machine wall-clock throughput swings with the neighbours; the
 * CPU a request costs moves far less, and on a saturated core throughput ≈ 1 / CPU per request.
 *
 *   node -r ./bench/suite/ts-register.js bench/relay/cpu-per-request.ts [requests] [signnow|standard-webhooks]
 *   BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" ...   # profile the relay too
 *   BENCH_RELAY_CLIS=before=/path/to/main/relay/dist/relay/src/cli.js,after=relay/dist/relay/src/cli.js ...
 *       # several builds, each measured in every run beside the same Express (A/B on one noisy machine)
 *   BENCH_NODE_HTTP=1 ...   # bare node:http too
 *   BENCH_RELAY_ENV='{"RELAY_OTEL_EXPORTER":"otlp"}' ...   # extra relay settings
 *
 * Prints median (min–max) of BENCH_RUNS (3) runs; the ratio is per run. Never fails.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { Redis } from 'ioredis';

import { makeEvents, newSignNowSource, newStandardSource, type SourceSpec } from '../../test/faults/harness/provider';
import { RedisServer } from '../../test/faults/harness/redis-server';
import { newPrefix, newToken } from '../../test/faults/harness/relay-process';
import { freePort, rssOf, sleep, waitFor } from '../../test/faults/harness/util';
import { httpRequest } from '../../test/faults/harness/load';
import { RELAY_CLI, REPO_ROOT } from '../../test/helpers/relay-build';
import { RELAY_NODE_FLAGS } from '../../relay/src/node-flags';
import { drive } from '../suite/cannon';
import { BareServer } from '../suite/servers';
import { formatSummary, perRunRatios, repeat } from '../repeat';

const REQUESTS = Number(process.argv[2] ?? 3000);
const KIND = process.argv[3] ?? 'signnow';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

/** utime + stime of a process, in microseconds. */
function cpuMicros(pid: number): number {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// Fields 14 and 15 (utime, stime) are at 11 and 12 after the command name; clock ticks of 10 ms.
	return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Redis calls per command name so far (INFO commandstats). */
async function commandCalls(url: string): Promise<Map<string, number>> {
	const client = new Redis(url);
	try {
		const text = await client.info('commandstats');
		return new Map([...text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
	} finally {
		client.disconnect();
	}
}

async function measure(baseUrl: string, pid: number, source: SourceSpec, label: string, rss: () => number, redisUrl?: string) {
	// Warm-up (JIT, sockets, Redis): not counted.
	await drive(baseUrl, makeEvents(source, `warm-${label}-${Date.now()}`, 1000), { rss, connections: CONNECTIONS });
	await sleep(300);
	const events = makeEvents(source, `${label}-${Date.now()}`, REQUESTS + CONNECTIONS * 2);
	const callsBefore = redisUrl ? await commandCalls(redisUrl) : undefined;
	const before = cpuMicros(pid);
	const figures = await drive(baseUrl, events, { rss, connections: CONNECTIONS });
	const micros = cpuMicros(pid) - before;
	let commands = '';
	if (redisUrl && callsBefore) {
		await sleep(500);
		const after = await commandCalls(redisUrl);
		commands = [...after]
			.map(([name, calls]) => [name, (calls - (callsBefore.get(name) ?? 0)) / Math.max(1, figures.ok)] as const)
			.filter(([name, perRequest]) => perRequest > 0.01 && name !== 'info')
			.map(([name, perRequest]) => `${name} ${perRequest.toFixed(2)}`)
			.join(', ');
	}
	return { cpuPerRequest: micros / Math.max(1, figures.ok), eventsPerSecond: figures.eventsPerSecond, p99: figures.p99, failed: figures.failed, commands };
}

/** label → relay CLI: the build in this worktree, or those named by BENCH_RELAY_CLIS. */
function relayBuilds(): Array<[string, string]> {
	if (!process.env.BENCH_RELAY_CLIS) return [['relay', RELAY_CLI]];
	return process.env.BENCH_RELAY_CLIS.split(',').map((entry) => {
		const [label, path] = entry.split('=');
		return [label, path] as [string, string];
	});
}

/** A relay process from `cli`, configured as RelayProcess does (which always runs this worktree's build). */
async function startRelay(cli: string, redisUrl: string, source: SourceSpec) {
	const port = await freePort();
	const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []), cli], {
		env: {
			PATH: process.env.PATH ?? '',
			// A build outside this worktree finds the relay's packages through it.
			NODE_PATH: process.env.NODE_PATH ?? '',
			NODE_ENV: 'production',
			RELAY_PORT: String(port),
			RELAY_REDIS_URL: redisUrl,
			RELAY_REDIS_PREFIX: newPrefix('cpu'),
			RELAY_API_TOKEN: newToken(),
			RELAY_SOURCES: JSON.stringify([{ id: source.name, type: source.provider, secrets: source.secrets }]),
			RELAY_LOG_LEVEL: 'warn',
			...(process.env.BENCH_RELAY_ENV ? (JSON.parse(process.env.BENCH_RELAY_ENV) as Record<string, string>) : {}),
		},
		cwd: REPO_ROOT,
		stdio: ['ignore', 'ignore', 'inherit'],
	});
	const baseUrl = `http://127.0.0.1:${port}`;
	await waitFor('the relay to answer /healthz', async () => {
		if (child.exitCode !== null) throw new Error(`the relay exited (${child.exitCode})`);
		return (await httpRequest(`${baseUrl}/healthz`, { timeoutMs: 1000 }).catch(() => ({ status: 0 }))).status === 200;
	}, 30_000, 50);
	return {
		baseUrl,
		pid: child.pid!,
		stop: async () => {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await Promise.race([exited, sleep(10_000)]);
		},
	};
}

async function main(): Promise<void> {
	const source = KIND === 'signnow' ? newSignNowSource('cpu-signnow') : newStandardSource('cpu-standard');
	const redis = await RedisServer.start({ appendfsync: 'everysec' });
	const builds = relayBuilds();
	const express: number[] = [];
	const expressRate: number[] = [];
	const bareHttp: number[] = [];
	const cpu = new Map<string, number[]>(builds.map(([label]) => [label, []]));
	const rate = new Map<string, number[]>(builds.map(([label]) => [label, []]));
	try {
		await repeat(async () => {
			const server = await BareServer.start('express');
			try {
				const pid = (server as unknown as { child: { pid: number } }).child.pid;
				const e = await measure(server.baseUrl, pid, source, 'express', () => server.rss());
				express.push(e.cpuPerRequest);
				expressRate.push(e.eventsPerSecond);
			} finally {
				await server.stop();
			}
			if (process.env.BENCH_NODE_HTTP === '1') {
				const bare = await BareServer.start('node-http');
				try {
					const pid = (bare as unknown as { child: { pid: number } }).child.pid;
					bareHttp.push((await measure(bare.baseUrl, pid, source, 'http', () => bare.rss())).cpuPerRequest);
				} finally {
					await bare.stop();
				}
			}
			for (const [label, cli] of builds) {
				const relay = await startRelay(cli, redis.url, source);
				try {
					const r = await measure(relay.baseUrl, relay.pid, source, label, () => rssOf(relay.pid), redis.url);
					cpu.get(label)!.push(r.cpuPerRequest);
					rate.get(label)!.push(r.eventsPerSecond);
					process.stderr.write(`run: express ${express.at(-1)!.toFixed(0)} µs/req, ${label} ${r.cpuPerRequest.toFixed(0)} µs/req (${r.failed} failed); Redis commands per request: ${r.commands}\n`);
				} finally {
					await relay.stop();
				}
			}
		});
	} finally {
		await redis.stop();
	}
	const lines = [
		`CPU per ${KIND} ingest request, ${REQUESTS} requests, ${CONNECTIONS} connections, median (min–max) of the runs:`,
		'| server | CPU µs/request | events/s (wall clock, noisy) | Express CPU ÷ this CPU, per run |',
		'|---|---:|---:|---:|',
		`| bare Express 5 | ${formatSummary(express)} | ${formatSummary(expressRate)} | 1 |`,
		...(bareHttp.length > 0 ? [`| bare node:http | ${formatSummary(bareHttp)} | | ${formatSummary(perRunRatios(express, bareHttp), 2)} |`] : []),
		...builds.map(([label]) => `| ${label} | ${formatSummary(cpu.get(label)!)} | ${formatSummary(rate.get(label)!)} | ${formatSummary(perRunRatios(express, cpu.get(label)!), 2)} |`),
	];
	process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		process.exit(0);
	},
);
