/**
 * Subscription churn: n8n creates a subscription and deletes it at once when it rolls an
 * activation back. Neither that, nor looking up deliveries that do not exist, may crash the
 * relay or leave anything behind (in Redis or in memory).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

import { Redis } from 'ioredis';

import { RELAY_CLI } from '../../test/helpers/relay-build';
import type { Relay } from '../src/app';
import { RELAY_NODE_FLAGS } from '../src/node-flags';
import { SOURCES, TOKEN, api, cleanRedis, startRelay, uniquePrefix, waitFor } from './helpers';

jest.setTimeout(120_000);

const prefix = uniquePrefix('churn');
/** In-process relay: for the lookups below. */
let relay: Relay;
let redis: Redis;

interface Child {
	process: ChildProcessWithoutNullStreams;
	url: string;
	stderr: string;
	exit: { code: number | null; signal: string | null } | null;
}

/** The built CLI, as users run it: an unhandled 'error' or rejection ends this process. */
async function startChild(): Promise<Child> {
	const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, RELAY_CLI], {
		env: {
			PATH: process.env.PATH ?? '',
			RELAY_PORT: '0',
			RELAY_API_TOKEN: TOKEN,
			RELAY_REDIS_PREFIX: prefix,
			RELAY_SOURCES: JSON.stringify(SOURCES),
			RELAY_LOG_LEVEL: 'info',
		},
		cwd: join(__dirname, '..'),
	});
	let stdout = '';
	const result: Child = { process: child, url: '', stderr: '', exit: null };
	child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
	child.on('exit', (code, signal) => (result.exit = { code, signal }));
	const line = await waitFor(() => stdout.split('\n').find((l) => l.includes('esign-relay listening')), 60_000, `the relay to listen (${result.stderr})`);
	result.url = (JSON.parse(line) as { url: string }).url;
	return result;
}

const children: Child[] = [];

beforeAll(async () => {
	relay = await startRelay(prefix);
	redis = new Redis({ host: '127.0.0.1', port: 6379 });
});

afterAll(async () => {
	for (const child of children) if (child.exit === null) child.process.kill('SIGKILL');
	await relay.stop();
	redis.disconnect();
	await cleanRedis(prefix);
});

async function keysUnderPrefix(): Promise<string[]> {
	const found: string[] = [];
	let cursor = '0';
	do {
		const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
		cursor = next;
		found.push(...keys);
	} while (cursor !== '0');
	return found;
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
	const response = await fetch(`${url}${path}`, {
		method,
		headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

it('200 concurrent rounds of create-then-delete at once leave the relays up and Redis clean', async () => {
	// Two processes: the one serving the API, and a peer that learns of each change over pub/sub.
	const [served, peer] = [await startChild(), await startChild()];
	children.push(served, peer);
	const ids = await Promise.all(
		Array.from({ length: 200 }, async (_, i) => {
			const created = await call(served.url, 'POST', '/v1/subscriptions', { url: `http://127.0.0.1:5678/webhook/churn-${i}` });
			expect(created.status).toBe(201);
			const id = created.json.id as string;
			expect((await call(served.url, 'DELETE', `/v1/subscriptions/${id}`)).status).toBe(204);
			return id;
		}),
	);
	// Whatever was still opening when its subscription went away settles now.
	await new Promise((resolve) => setTimeout(resolve, 3_000));
	expect({ served: served.exit, peer: peer.exit, stderr: served.stderr + peer.stderr }).toEqual({ served: null, peer: null, stderr: expect.any(String) });
	for (const child of [served, peer]) expect((await fetch(`${child.url}/readyz`)).status).toBe(200);
	expect((await call(served.url, 'GET', '/v1/subscriptions')).json.data).toEqual([]);
	const leftovers = (await keysUnderPrefix()).filter((key) => ids.some((id) => key.includes(id)));
	expect(leftovers).toEqual([]);
});

it('looking up unknown deliveries creates and keeps nothing, and /metrics never reads them', async () => {
	const unknown = Array.from({ length: 20 }, (_, i) => `sub_${'0'.repeat(23)}${i % 10}.signnow.evt_missing_${i}`);
	for (const id of unknown) {
		expect((await api(relay, 'GET', `/v1/deliveries/${id}`)).status).toBe(404);
		expect((await api(relay, 'POST', `/v1/deliveries/${id}/retry`)).status).toBe(404);
	}
	const monitor = await redis.duplicate().monitor();
	const seen: string[] = [];
	monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
	try {
		const metrics = await fetch(`${relay.url}/metrics`);
		expect(metrics.status).toBe(200);
		await metrics.text();
		await new Promise((resolve) => setTimeout(resolve, 200));
	} finally {
		monitor.disconnect();
	}
	expect(seen.filter((command) => command.includes(`sub_${'0'.repeat(23)}`))).toEqual([]);
	expect((await keysUnderPrefix()).filter((key) => key.includes(`sub_${'0'.repeat(23)}`))).toEqual([]);
});

it('a delivery queued for a subscription deleted meanwhile is cleaned up, not kept', async () => {
	const created = await api(relay, 'POST', '/v1/subscriptions', { url: 'http://127.0.0.1:5678/webhook/raced' });
	const subscription = (await relay.subscriptions.get(created.json.id as string))!;
	expect((await api(relay, 'DELETE', `/v1/subscriptions/${subscription.id}`)).status).toBe(204);
	// An ingest that read the subscription list just before the delete, fanning out just after it.
	await relay.deliveries.enqueue(subscription, { eventId: 'evt_raced', source: 'signnow', body: '{}', receivedAtMs: Date.now() });
	await waitFor(async () => (await keysUnderPrefix()).every((key) => !key.includes(subscription.id)), 5_000, 'the stray delivery to be cleaned up');
});
