/**
 * On a real local Redis Cluster (3 masters), with a prefix without a hash tag: the relay's keys
 * and its writes spread over every master, and nothing is lost or doubled for it. Several
 * sources whose providers number events alike (colliding ids), many subscriptions, every
 * event sent twice: every event acknowledged, every resend a duplicate, every delivery made
 * exactly once under a webhook-id of its own source. cluster-keys.test.ts checks the slot
 * layout without a server.
 */
import { Writable } from 'node:stream';

import pino from 'pino';

import { RedisClusterSet, redisCli } from '../../test/faults/harness/redis-topology';
import { Relay } from '../src/app';
import { loadConfig } from '../src/config';
import { Sink, TOKEN, api, post, sleep, standardCallback, uniquePrefix, waitFor } from './helpers';

jest.setTimeout(180_000);

/** Four accounts of one Standard Webhooks sender; their ids put their source slots on all three masters. */
const ACCOUNTS = ['acct-1', 'acct-2', 'acct-3', 'acct-4'].map((id, n) => ({
	id,
	type: 'standard-webhooks',
	secrets: [`whsec_${Buffer.from(`spread-test-secret-${n}-0123456789abc`).toString('base64')}`],
}));
const EVENTS_PER_SOURCE = 10;
/** Subscriptions to one source each (equal weight, so keys per master vary little). */
const PER_SOURCE = 30;
/** And a few to every source. */
const CATCH_ALL = 4;

interface LogLine {
	msg: string;
}

function capture(lines: LogLine[]): Writable {
	return new Writable({
		write(chunk: Buffer, _encoding, done) {
			for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
			done();
		},
	});
}

async function relayOn(seeds: string, prefix: string, lines: LogLine[]): Promise<Relay> {
	const config = loadConfig(
		{},
		// The sink answers in the same process as the relay: on a loaded machine 256 deliveries in
		// flight took over 10 s to be answered, and a timeout's retry is at-least-once delivery, not
		// what this test is about. With 60 s, any repeat is the layout's, and the test says so.
		{ port: 0, apiToken: TOKEN, sources: ACCOUNTS, redisClusterNodes: seeds, redisPrefix: prefix, retrySchedule: '100ms', retryJitter: 0, shutdownTimeoutMs: '5s', deliveryTimeoutMs: '60s' },
	);
	const relay = new Relay(config, { logger: pino({ level: 'info' }, capture(lines)), processMetrics: false });
	await relay.start();
	return relay;
}

/** `calls` of a command in INFO commandstats (0 when never called). */
function calls(stats: string, command: string): number {
	return Number(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
}

describe('on a Redis Cluster of 3 masters, with a prefix without a hash tag', () => {
	let cluster: RedisClusterSet;
	let relay: Relay;
	let sink: Sink;
	const lines: LogLine[] = [];
	const prefix = uniquePrefix('spread');

	beforeAll(async () => {
		cluster = await RedisClusterSet.start(3, 0);
		sink = await new Sink().start();
		relay = await relayOn(cluster.seeds, prefix, lines);
	});

	afterAll(async () => {
		await relay?.stop();
		await sink?.close();
		await cluster?.stop();
	});

	it('spreads keys and writes over every master; every event acked, resends deduplicated, each delivered exactly once', async () => {
		expect(lines.some((line) => line.msg.includes('{hash tag}'))).toBe(false);
		// Which sources each subscription (its URL path) takes.
		const wants = new Map<string, string[]>();
		const subscriptionOf = new Map<string, string>();
		const subscribe = async (sources: string[]) => {
			const path = `/hook/${wants.size}`;
			const created = await api(relay, 'POST', '/v1/subscriptions', { url: `${sink.url}/${wants.size}`, ...(sources.length < ACCOUNTS.length ? { sources } : {}) });
			expect(created.status).toBe(201);
			wants.set(path, sources);
			subscriptionOf.set(path, created.json.id as string);
		};
		for (const account of ACCOUNTS) for (let n = 0; n < PER_SOURCE; n++) await subscribe([account.id]);
		for (let n = 0; n < CATCH_ALL; n++) await subscribe(ACCOUNTS.map((account) => account.id));
		const masters = await cluster.masters();
		expect(masters).toHaveLength(3);
		for (const port of masters) await redisCli(port, 'CONFIG', 'RESETSTAT');

		// The same message ids from every account: equal canonical event ids, different events.
		const run = Date.now().toString(36);
		const eventIds = new Set<string>();
		const resend: Array<() => Promise<{ status: number; json: unknown }>> = [];
		const first = await Promise.all(
			ACCOUNTS.flatMap((account) =>
				Array.from({ length: EVENTS_PER_SOURCE }, async (_, n) => {
					const callback = standardCallback(account.secrets[0], undefined, { id: `${run}-${n}`, documentId: `doc_${account.id}_${n}` });
					resend.push(() => post(`${relay.url}/ingest/${account.id}`, callback.body, callback.headers));
					const response = await post(`${relay.url}/ingest/${account.id}`, callback.body, callback.headers);
					const events = (response.json as { events: Array<{ id: string; duplicate: boolean }> }).events;
					eventIds.add(events[0].id);
					return { status: response.status, duplicate: events[0].duplicate };
				}),
			),
		);
		expect(first.every((r) => r.status === 200 && !r.duplicate)).toBe(true);
		expect(eventIds.size).toBe(EVENTS_PER_SOURCE);
		const again = await Promise.all(resend.map((send) => send()));
		expect(again.every((r) => r.status === 200 && (r.json as { events: Array<{ duplicate: boolean }> }).events[0].duplicate)).toBe(true);

		const expected = new Set<string>();
		for (const [path, sources] of wants) for (const source of sources) for (const id of eventIds) expected.add(`${path} ${source}:${id}`);
		await waitFor(() => sink.received.length >= expected.size, 60_000, `${expected.size} deliveries`);
		await sleep(1_000);
		const delivered = sink.received.map((r) => `${r.path} ${String(r.headers['webhook-id'])}`);
		const repeated = delivered.filter((key, index) => delivered.indexOf(key) !== index);
		if (repeated.length > 0) {
			// Say why before failing: a retry after a timeout (at-least-once) or a second claim.
			const why = await Promise.all(
				repeated.slice(0, 5).map(async (key) => {
					const [path, webhookId] = key.split(' ');
					const id = `${subscriptionOf.get(path)}.${webhookId.replace(':', '.')}`;
					return JSON.stringify((await api(relay, 'GET', `/v1/deliveries/${id}`)).json);
				}),
			);
			process.stdout.write(`repeated deliveries: ${repeated.length}; retried ${await relay.metrics.registry.getSingleMetricAsString('relay_deliveries_retried_total')}\n${why.join('\n')}\n`);
		}
		// Exactly once: as many deliveries as (subscription, source, event), each one of them.
		expect(delivered).toHaveLength(expected.size);
		expect(new Set(delivered)).toEqual(expected);

		// Keys on every master: each holds at least 15 % of the relay's keys.
		const keys = await cluster.keysPerMaster();
		const total = Object.values(keys).reduce((sum, count) => sum + count, 0);
		for (const port of masters) expect(keys[port] / total).toBeGreaterThanOrEqual(0.15);
		// And writes: scripts (ingest, enqueue, claim, outcomes) and ready-set offers on every master.
		const scripts: Record<number, number> = {};
		for (const port of masters) {
			const stats = await redisCli(port, 'INFO', 'commandstats');
			scripts[port] = calls(stats, 'evalsha') + calls(stats, 'eval');
			expect(calls(stats, 'zadd')).toBeGreaterThan(0);
		}
		const allScripts = Object.values(scripts).reduce((sum, count) => sum + count, 0);
		for (const port of masters) expect(scripts[port] / allScripts).toBeGreaterThanOrEqual(0.15);
		process.stdout.write(`cluster spread: keys per master ${JSON.stringify(keys)}, scripts per master ${JSON.stringify(scripts)}, ${expected.size} deliveries\n`);
	});

	it('warns that a prefix with a hash tag pins every key to one slot (and still works)', async () => {
		const pinnedLines: LogLine[] = [];
		const pinned = await relayOn(cluster.seeds, `{${uniquePrefix('pinned')}}`, pinnedLines);
		try {
			expect(pinnedLines.some((line) => line.msg.includes('{hash tag}') && line.msg.includes('one slot'))).toBe(true);
			const callback = standardCallback(ACCOUNTS[0].secrets[0], undefined, { documentId: 'doc_pinned' });
			expect((await post(`${pinned.url}/ingest/${ACCOUNTS[0].id}`, callback.body, callback.headers)).status).toBe(200);
		} finally {
			await pinned.stop();
		}
	});
});
