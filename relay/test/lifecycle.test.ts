/** The relay as a real process (the built CLI, built by the global set-up): start-up checks and SIGTERM. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

import { RELAY_CLI } from '../../test/helpers/relay-build';
import { deliveryQueueName } from '../src/deliveries';
import { RELAY_NODE_FLAGS } from '../src/node-flags';
import { Keys } from '../src/redis';
import { SOURCES, Sink, TOKEN, cleanRedis, post, signNowCallback, uniquePrefix, waitFor } from './helpers';

// A relay process starts in about a second; on a loaded two-core machine loading its modules
// alone has taken 20 s, so start-up gets a generous allowance (the assertions are unchanged).
const START_UP_MS = 60_000;
jest.setTimeout(2 * START_UP_MS);

interface Child {
	process: ChildProcessWithoutNullStreams;
	stdout: string;
	stderr: string;
	exited: Promise<number | null>;
}

function startChild(env: Record<string, string>): Child {
	const process_ = spawn(process.execPath, [...RELAY_NODE_FLAGS, RELAY_CLI], {
		env: { PATH: process.env.PATH ?? '', RELAY_PORT: '0', RELAY_API_TOKEN: TOKEN, ...env },
		cwd: join(__dirname, '..'),
	});
	const child: Child = {
		process: process_,
		stdout: '',
		stderr: '',
		exited: new Promise((resolve) => process_.on('exit', (code) => resolve(code))),
	};
	process_.stdout.on('data', (chunk: Buffer) => (child.stdout += chunk.toString()));
	process_.stderr.on('data', (chunk: Buffer) => (child.stderr += chunk.toString()));
	return child;
}

async function relayUrl(child: Child): Promise<string> {
	const line = await waitFor(
		() => child.stdout.split('\n').find((l) => l.includes('esign-relay listening')),
		START_UP_MS,
		`the relay to listen (stderr: ${child.stderr})`,
	);
	return (JSON.parse(line) as { url: string }).url;
}

async function isDurable(): Promise<boolean> {
	const redis = new Redis({ host: '127.0.0.1', port: 6379 });
	try {
		const aof = (await redis.call('CONFIG', 'GET', 'appendonly')) as string[];
		const policy = (await redis.call('CONFIG', 'GET', 'maxmemory-policy')) as string[];
		return aof[1] === 'yes' && policy[1] === 'noeviction';
	} finally {
		redis.disconnect();
	}
}

it('finishes an in-flight delivery on SIGTERM, then exits 0', async () => {
	const prefix = uniquePrefix('lifecycle');
	const sink = await new Sink().start();
	let answered = 0;
	sink.handler = (_request, _index, res) => {
		setTimeout(() => {
			res.writeHead(200).end();
			answered += 1;
		}, 1_500);
	};
	const child = startChild({ RELAY_REDIS_PREFIX: prefix, RELAY_SOURCES: JSON.stringify(SOURCES), RELAY_LOG_LEVEL: 'info' });
	try {
		const url = await relayUrl(child);
		const created = await fetch(`${url}/v1/subscriptions`, {
			method: 'POST',
			headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
			body: JSON.stringify({ url: sink.url }),
		});
		expect(created.status).toBe(201);
		const subscriptionId = ((await created.json()) as { id: string }).id;
		const callback = signNowCallback();
		const response = await post(`${url}/ingest/signnow`, callback.body, callback.headers);
		expect(response.status).toBe(200);
		const eventId = (response.json as { events: Array<{ id: string }> }).events[0].id;

		await waitFor(() => sink.received.length === 1, 10_000, 'the delivery to reach the sink');
		child.process.kill('SIGTERM');
		expect(await child.exited).toBe(0);
		expect(answered).toBe(1);
		expect(child.stdout).toContain('esign-relay stopped');

		const connection = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
		const queue = new Queue(deliveryQueueName(subscriptionId), { connection, prefix: new Keys(prefix).bull });
		try {
			expect(await queue.getJobState(`${subscriptionId}.signnow.${eventId}`)).toBe('completed');
		} finally {
			await queue.close();
			connection.disconnect();
		}
	} finally {
		if (child.process.exitCode === null) child.process.kill('SIGKILL');
		await sink.close();
		await cleanRedis(prefix);
	}
});

it('with RELAY_STRICT_DURABILITY refuses to start on a Redis without AOF/noeviction', async () => {
	const prefix = uniquePrefix('lifecycle-strict');
	const durable = await isDurable();
	const child = startChild({ RELAY_REDIS_PREFIX: prefix, RELAY_STRICT_DURABILITY: 'true' });
	try {
		if (durable) {
			await relayUrl(child);
			child.process.kill('SIGTERM');
			expect(await child.exited).toBe(0);
		} else {
			expect(await child.exited).toBe(1);
			expect(child.stderr).toMatch(/RELAY_STRICT_DURABILITY is on and Redis is not durable/);
			expect(child.stderr).toMatch(/appendonly|maxmemory-policy/);
		}
	} finally {
		if (child.process.exitCode === null) child.process.kill('SIGKILL');
		await cleanRedis(prefix);
	}
});

it('stops at start-up with a message naming the wrong setting', async () => {
	const child = startChild({ RELAY_PORT: 'eighty', RELAY_MAX_IN_FLIGHT: '0' });
	expect(await child.exited).toBe(1);
	expect(child.stderr).toMatch(/RELAY_PORT/);
	expect(child.stderr).toMatch(/RELAY_MAX_IN_FLIGHT/);
});

it('without RELAY_API_TOKEN generates one admin token shared through Redis and prints it', async () => {
	const prefix = uniquePrefix('lifecycle-token');
	const child = startChild({ RELAY_REDIS_PREFIX: prefix, RELAY_API_TOKEN: '' });
	try {
		const url = await relayUrl(child);
		const token = await waitFor(() => /\n {4}(rly_[\w-]+)\n/.exec(child.stderr)?.[1], 5_000, 'the printed token');
		expect((await fetch(`${url}/v1/subscriptions`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
		expect((await fetch(`${url}/v1/subscriptions`)).status).toBe(401);
		child.process.kill('SIGTERM');
		expect(await child.exited).toBe(0);
	} finally {
		if (child.process.exitCode === null) child.process.kill('SIGKILL');
		await cleanRedis(prefix);
	}
});
