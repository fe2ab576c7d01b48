/**
 * Ingest acknowledgement time against the number of matching subscriptions (issue 16: the ack
 * must not wait for the fan-out). The relay's own ingest route, pipeline, outbox and fan-out
 * (real job adds into each subscription's queue) on a real Redis, without delivery workers:
 * what is measured is the provider's wait, with the fan-out of the previous events running
 * alongside. The 1-subscription row is the baseline of the same run.
 *
 *   node -r ./bench/suite/ts-register.js bench/relay/ack-vs-subscriptions.ts [events per run] [ms between events]
 *
 * Redis at RELAY_REDIS_URL (default 127.0.0.1:6379), under a unique prefix removed at the end.
 * Prints median and range of BENCH_RUNS (default 3) runs (bench/repeat.ts); never fails.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';
import { Redis } from 'ioredis';
import pino from 'pino';

import { signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { loadConfig } from '../../relay/src/config';
import { DeliveryManager } from '../../relay/src/deliveries';
import { Fanout } from '../../relay/src/fanout';
import { ingestRouter } from '../../relay/src/ingest';
import { Metrics } from '../../relay/src/metrics';
import { Pipeline } from '../../relay/src/pipeline';
import { Keys, connect, createRedis } from '../../relay/src/redis';
import { Sender } from '../../relay/src/sender';
import { SubscriptionStore } from '../../relay/src/subscriptions';
import { formatSummary, quantile, RUNS } from '../repeat';

const SECRET = `whsec_${Buffer.from('bench-ack-secret-0123456789abcd').toString('base64')}`;
const EVENTS = Number(process.argv[2] ?? 200);
/** 0: back to back; else one event every this many ms (the fan-out then keeps up). */
const INTERVAL_MS = Number(process.argv[3] ?? 0);

const summary = (values: number[]) => `${formatSummary(values, 1)} ms`;

async function main(): Promise<void> {
	const prefix = `bench:ack:${randomBytes(4).toString('hex')}:`;
	const config = loadConfig(process.env, {
		redisPrefix: prefix,
		apiToken: 'bench-admin-token-0123456789',
		sources: [{ id: 'std', type: 'standard-webhooks', secrets: [SECRET] }],
		logLevel: 'silent',
	});
	const logger = pino({ level: 'silent' });
	const keys = new Keys(prefix);
	const ingest = createRedis(config, 'ingest');
	const command = createRedis(config, 'command');
	await Promise.all([connect(ingest, config), connect(command, config)]);
	const metrics = new Metrics(async () => [], false);
	const subscriptions = new SubscriptionStore(command, keys, { maxInFlight: 4, rateLimitPerSecond: 0 });
	const sender = new Sender(config.allowedTargets, config.deliveryTimeoutMs, config.slowDownMs);
	const jobAdds = createRedis(config, 'ingest');
	await connect(jobAdds, config);
	const deliveries = new DeliveryManager(config, keys, jobAdds, command, command, subscriptions, sender, metrics, logger);
	const fanout = new Fanout(config, keys, command, subscriptions, deliveries, metrics, logger, ['std']);
	const pipeline = new Pipeline(config, keys, ingest, subscriptions, deliveries, fanout);
	const app = express();
	app.use(ingestRouter(config, pipeline, metrics, logger));
	const server = createServer(app);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest/std`;

	async function send(): Promise<number> {
		const id = `msg_${randomBytes(8).toString('hex')}`;
		const body = JSON.stringify({ type: 'document.signed', timestamp: new Date().toISOString(), data: { document_id: 'doc_1' } });
		const headers = { 'content-type': 'application/json', ...signedHeaders(SECRET, id, Math.floor(Date.now() / 1000), body) };
		const started = performance.now();
		const response = await fetch(url, { method: 'POST', body, headers });
		await response.arrayBuffer();
		if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
		return performance.now() - started;
	}

	const rows: string[] = [];
	try {
		let created = 0;
		for (const size of [1, 1000]) {
			while (created < size) {
				await subscriptions.create({ url: `http://127.0.0.1:9/hook-${created}` });
				created += 1;
			}
			const p50s: number[] = [];
			const p99s: number[] = [];
			const drains: number[] = [];
			for (let run = 0; run < RUNS; run += 1) {
				for (let i = 0; i < 10; i += 1) await send();
				await fanout.drain();
				const times: number[] = [];
				for (let i = 0; i < EVENTS; i += 1) {
					const sent = performance.now();
					times.push(await send());
					const wait = INTERVAL_MS - (performance.now() - sent);
					if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
				}
				const acked = performance.now();
				await fanout.drain();
				drains.push(performance.now() - acked);
				times.sort((a, b) => a - b);
				p50s.push(quantile(times, 0.5));
				p99s.push(quantile(times, 0.99));
			}
			rows.push(
				`| ${size} | ${summary(p50s)} | ${summary(p99s)} | ${summary(drains)} |`,
			);
			process.stderr.write(`done: ${size} subscriptions\n`);
		}
	} finally {
		server.close();
		await fanout.stop();
		await deliveries.close();
		sender.close();
		const cleaner = new Redis(config.redisUrl);
		let cursor = '0';
		do {
			const [next, found] = await cleaner.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
			cursor = next;
			if (found.length > 0) await cleaner.del(...found);
		} while (cursor !== '0');
		cleaner.disconnect();
		for (const client of [ingest, jobAdds, command]) client.disconnect();
	}
	process.stdout.write(
		`Ingest ack vs matching subscriptions: ${EVENTS} events per run, ${INTERVAL_MS ? `one every ${INTERVAL_MS} ms` : 'back to back'}, ${RUNS} runs, median (range)\n\n` +
			'| matching subscriptions | ack p50 | ack p99 | fan-out backlog drained after the last ack |\n|---:|---:|---:|---:|\n' +
			`${rows.join('\n')}\n`,
	);
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exitCode = 1;
});
