/**
 * kill -9 between the acknowledgement and the end of the fan-out, as a real process (the
 * built CLI): every acknowledged event still reaches every subscription, exactly once, through
 * the relay started afterwards (its outbox sweep). The only repeats allowed are deliveries that
 * were already in flight when the process died (their 2xx was never recorded).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { RELAY_CLI } from '../../test/helpers/relay-build';
import { RELAY_NODE_FLAGS } from '../src/node-flags';
import { Keys } from '../src/redis';
import { SOURCES, Sink, TOKEN, cleanRedis, post, signNowCallback, uniquePrefix, waitFor } from './helpers';

const START_UP_MS = 60_000;
jest.setTimeout(5 * START_UP_MS);

interface Child {
	process: ChildProcessWithoutNullStreams;
	stdout: string;
	exited: Promise<unknown>;
}

function startChild(env: Record<string, string>): Child {
	const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, RELAY_CLI], {
		env: { PATH: process.env.PATH ?? '', RELAY_PORT: '0', RELAY_API_TOKEN: TOKEN, ...env },
		cwd: join(__dirname, '..'),
	});
	const result: Child = { process: child, stdout: '', exited: new Promise((resolve) => child.on('exit', resolve)) };
	child.stdout.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
	child.stderr.on('data', () => undefined);
	return result;
}

async function relayUrl(child: Child): Promise<string> {
	const line = await waitFor(() => child.stdout.split('\n').find((l) => l.includes('esign-relay listening')), START_UP_MS, 'the relay to listen');
	return (JSON.parse(line) as { url: string }).url;
}

const SUBSCRIPTIONS = 40;
const EVENTS = 40;

it('loses nothing, and repeats only what was in flight, when the relay is killed (SIGKILL) right after acknowledging', async () => {
	const prefix = uniquePrefix('fanout-crash');
	const keys = new Keys(prefix);
	const redis = new Redis({ host: '127.0.0.1', port: 6379 });
	const sink = await new Sink().start();
	const env = {
		RELAY_REDIS_PREFIX: prefix,
		RELAY_SOURCES: JSON.stringify(SOURCES),
		RELAY_LOG_LEVEL: 'info',
		RELAY_FANOUT_LEASE: '1s',
		RELAY_MAX_IN_FLIGHT: '16',
	};
	const children: Child[] = [];
	try {
		const first = startChild(env);
		children.push(first);
		const url = await relayUrl(first);
		for (let n = 0; n < SUBSCRIPTIONS; n += 1) {
			const created = await fetch(`${url}/v1/subscriptions`, {
				method: 'POST',
				headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
				body: JSON.stringify({ url: `${sink.url}?subscription=${n}` }),
			});
			expect(created.status).toBe(201);
		}
		// All at once; SIGKILL as soon as the last one is acknowledged, while fan-out is under way.
		const responses = await Promise.all(
			Array.from({ length: EVENTS }, (_, n) => {
				const callback = signNowCallback({ documentId: `doc_crash_${n}` });
				return post(`${url}/ingest/signnow`, callback.body, callback.headers);
			}),
		);
		first.process.kill('SIGKILL');
		await first.exited;
		expect(responses.map((r) => r.status)).toEqual(Array(EVENTS).fill(200));
		const ids = responses.map((r) => (r.json as { events: Array<{ id: string }> }).events[0].id);
		// The kill must have landed before the fan-out finished, or this test proves nothing.
		const pending = await redis.zcard(keys.outbox('signnow'));
		expect(pending).toBeGreaterThan(0);

		const second = startChild(env);
		children.push(second);
		await relayUrl(second);
		// Everything the sink received before the second relay listened was sent by the first
		// one: requests it had in flight at the kill can reach the sink's handler after the kill
		// (this process's event loop was busy), so the kill instant itself is not the line.
		const secondListeningAt = Date.now();
		const expected = SUBSCRIPTIONS * EVENTS;
		// Deliveries in flight at the kill come back when their lock expires (30 s): allow for that.
		const distinct = () => new Set(sink.received.map((r) => `${String(r.headers['webhook-id'])} ${r.path}`)).size;
		await waitFor(() => distinct() >= expected, 150_000, `${expected} distinct deliveries (${pending} events were pending at the kill)`);
		await new Promise((resolve) => setTimeout(resolve, 1_500));
		// One (event, subscription) pair = one webhook-id at one subscription's URL.
		const firstSeen = new Map<string, number>();
		const repeatedAfterTheKill: string[] = [];
		for (const request of sink.received) {
			const key = `${String(request.headers['webhook-id'])} ${request.path}`;
			const seen = firstSeen.get(key);
			if (seen === undefined) firstSeen.set(key, request.at);
			else if (seen > secondListeningAt) repeatedAfterTheKill.push(key);
		}
		expect(firstSeen.size).toBe(expected);
		for (const id of ids) expect([...firstSeen.keys()].filter((key) => key.startsWith(`signnow:${id} `))).toHaveLength(SUBSCRIPTIONS);
		// The recovered fan-out added only the missing jobs: nothing first delivered after the kill came twice.
		expect(repeatedAfterTheKill).toEqual([]);
		expect(await redis.zcard(keys.outbox('signnow'))).toBe(0);
	} finally {
		for (const child of children) if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
		await Promise.all(children.map((child) => child.exited));
		await sink.close();
		await cleanRedis(prefix);
		redis.disconnect();
	}
});
