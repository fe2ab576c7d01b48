/**
 * The relay on a real local Redis Cluster (3 masters, 3 replicas) and a real Sentinel set
 * (1 master, 1 replica, 3 sentinels): start-up checks on every master, a /readyz that checks
 * the servers owning the keys, fail-fast answers while a master is down, recovery after the
 * failover, and Redis client errors in the JSON log rather than on stderr.
 */
import { Writable } from 'node:stream';

import pino from 'pino';

import { RedisClusterSet, RedisSentinelSet, redisCli } from '../../test/faults/harness/redis-topology';
import { Relay } from '../src/app';
import { loadConfig, type RelayConfigInput } from '../src/config';
import { SOURCES, TOKEN, post, signNowCallback, uniquePrefix, waitFor } from './helpers';

jest.setTimeout(120_000);

interface LogLine {
	level: number;
	msg: string;
	redis?: string;
	err?: { message?: string };
}

async function relayOn(overrides: Partial<RelayConfigInput>, lines: LogLine[]): Promise<Relay> {
	const sink = new Writable({
		write(chunk: Buffer, _encoding, done) {
			for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
			done();
		},
	});
	const config = loadConfig(
		{},
		{ port: 0, apiToken: TOKEN, sources: SOURCES, retrySchedule: '100ms', retryJitter: 0, shutdownTimeoutMs: '2s', ...overrides },
	);
	const relay = new Relay(config, { logger: pino({ level: 'info' }, sink), processMetrics: false });
	await relay.start();
	return relay;
}

async function readyz(relay: Relay): Promise<{ status: number; body: { problem?: string } }> {
	const response = await fetch(`${relay.url}/readyz`);
	return { status: response.status, body: (await response.json()) as { problem?: string } };
}

describe('on a Redis Cluster (3 masters, 3 replicas)', () => {
	let cluster: RedisClusterSet;
	let relay: Relay;
	const lines: LogLine[] = [];
	// One hash tag for the whole relay: every key on one slot, as the relay's scripts need today.
	const prefix = `{${uniquePrefix('cluster')}}`;

	beforeAll(async () => {
		cluster = await RedisClusterSet.start(3, 1);
		// One master without AOF: the start-up check must name it, not only the first node it asks.
		const [, second] = await cluster.masters();
		await redisCli(second, 'CONFIG', 'SET', 'appendonly', 'no');
		relay = await relayOn({ redisClusterNodes: cluster.seeds, redisPrefix: prefix }, lines);
	});

	afterAll(async () => {
		await relay?.stop();
		await cluster?.stop();
	});

	it('checks durability on every master and names the one without AOF', async () => {
		const [, second] = await cluster.masters();
		const warnings = lines.filter((line) => line.msg.startsWith('DURABILITY WARNING'));
		expect(warnings.map((line) => line.msg)).toEqual([expect.stringContaining(`127.0.0.1:${second}`)]);
	});

	it('acknowledges and deduplicates events', async () => {
		const callback = signNowCallback({ documentId: 'doc_cluster_1' });
		expect((await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers)).status).toBe(200);
		const again = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
		expect(again.json).toMatchObject({ events: [{ duplicate: true }] });
		expect((await readyz(relay)).status).toBe(200);
	});

	it('while the master owning the keys is down: /readyz fails and ingest answers 503 at once; after the failover both recover', async () => {
		const owner = await cluster.ownerOf(`${prefix}dedup:x`);
		await cluster.node(owner).kill9();

		const ready = await readyz(relay);
		expect(ready.status).toBe(503);
		expect(ready.body.problem).toBeDefined();

		const timings: number[] = [];
		const statuses: number[] = [];
		for (let i = 0; i < 5; i++) {
			const callback = signNowCallback({ documentId: `doc_during_outage_${i}` });
			const started = performance.now();
			statuses.push((await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers)).status);
			timings.push(performance.now() - started);
		}
		// Each either stored (2xx) or refused quickly: never a hang on a dead master.
		for (const status of statuses) expect([200, 503]).toContain(status);
		expect(statuses).toContain(503);
		expect(Math.max(...timings)).toBeLessThan(1_500);

		await waitFor(async () => { const r = await readyz(relay); return r.status === 200; }, 60_000, 'the replica to be promoted and /readyz to pass');
		const after = signNowCallback({ documentId: 'doc_after_failover' });
		expect((await post(`${relay.url}/ingest/signnow`, after.body, after.headers)).status).toBe(200);
		// WAIT goes to the master that owns the key, on the connection that wrote it.
		// The killed master comes back as the replica of the promoted one.
		await cluster.node(owner).spawn();
		await cluster.waitHealthy();
		const waiting = await relayOn({ redisClusterNodes: cluster.seeds, redisPrefix: prefix, ackReplicas: 1 }, []);
		try {
			await waitFor(async () => {
				const callback = signNowCallback({ documentId: `doc_cluster_wait_${Date.now()}` });
				return (await post(`${waiting.url}/ingest/signnow`, callback.body, callback.headers)).status === 200;
			}, 30_000, 'an event acknowledged with a replica (the promoted master has none until the old one returns)');
		} finally {
			await waiting.stop();
		}
		// The outage went into the JSON log, with the connection's role, not onto stderr.
		expect(lines.some((line) => line.msg.startsWith('Redis') && line.level >= 40 && line.redis)).toBe(true);
	});
});

describe('on Redis Sentinel (1 master, 1 replica, 3 sentinels)', () => {
	let sentinels: RedisSentinelSet;
	let relay: Relay;
	const lines: LogLine[] = [];

	beforeAll(async () => {
		sentinels = await RedisSentinelSet.start('esign');
		relay = await relayOn(
			{ redisSentinels: sentinels.seeds, redisSentinelName: 'esign', redisPrefix: uniquePrefix('sentinel') },
			lines,
		);
	});

	afterAll(async () => {
		await relay?.stop();
		await sentinels?.stop();
	});

	it('follows a planned SENTINEL FAILOVER to the new master', async () => {
		const before = signNowCallback({ documentId: 'doc_sentinel_before' });
		expect((await post(`${relay.url}/ingest/signnow`, before.body, before.headers)).status).toBe(200);
		const oldMaster = await sentinels.currentMaster();

		await redisCli(sentinels.sentinelPorts[0], 'SENTINEL', 'FAILOVER', 'esign');
		await waitFor(async () => (await sentinels.currentMaster()) !== oldMaster, 30_000, 'the sentinels to promote the replica');
		await waitFor(
			async () => {
				const callback = signNowCallback({ documentId: `doc_sentinel_${Date.now()}` });
				return (await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers)).status === 200 && (await readyz(relay)).status === 200;
			},
			30_000,
			'the relay to write to the new master',
		);
		// The event stored before the failover was replicated: its retry is still a duplicate.
		const again = await post(`${relay.url}/ingest/signnow`, before.body, before.headers);
		expect(again.json).toMatchObject({ events: [{ duplicate: true }] });
	});

	it('with RELAY_ACK_REPLICAS, acknowledges only what reached that many replicas', async () => {
		const prefix = uniquePrefix('sentinel-wait');
		const base = { redisSentinels: sentinels.seeds, redisSentinelName: 'esign', redisPrefix: prefix, ackReplicaTimeoutMs: '300ms' };
		// After the previous test's failover the demoted master resyncs as the new master's replica.
		await waitFor(
			async () => /connected_slaves:1/.test(await redisCli(await sentinels.currentMaster(), 'INFO', 'replication')),
			30_000,
			'the new master to have its replica',
		);
		const one = await relayOn({ ...base, ackReplicas: 1 }, []);
		const two = await relayOn({ ...base, ackReplicas: 2 }, []);
		try {
			const replicated = signNowCallback({ documentId: 'doc_one_replica' });
			expect((await post(`${one.url}/ingest/signnow`, replicated.body, replicated.headers)).status).toBe(200);
			// There is one replica: asking for two never gets a 2xx, and says why.
			const unreplicated = signNowCallback({ documentId: 'doc_two_replicas' });
			const started = performance.now();
			const refused = await post(`${two.url}/ingest/signnow`, unreplicated.body, unreplicated.headers);
			expect(refused.status).toBe(503);
			expect(refused.json).toMatchObject({ error: 'unavailable' });
			expect(performance.now() - started).toBeLessThan(2_000);
			// The provider's retry to a relay whose requirement is met is acknowledged (and not lost as a "duplicate").
			const retried = await post(`${one.url}/ingest/signnow`, unreplicated.body, unreplicated.headers);
			expect(retried.status).toBe(200);
		} finally {
			await one.stop();
			await two.stop();
		}
	});
});
