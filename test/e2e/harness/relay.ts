/**
 * The relay as users run it (`node relay/dist/relay/src/cli.js`, configured with RELAY_*
 * variables), on a loopback port with its own Redis key prefix.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import Redis from 'ioredis';

import { RELAY_NODE_FLAGS } from '../../../relay/src/node-flags';
import { REPO_ROOT, RELAY_CLI, assertRelayBuilt } from '../../helpers/relay-build';
import { freePort, http, sleep, waitFor } from './util';


export interface RelaySource {
	id: string;
	type: string;
	secrets: string[];
	options?: unknown;
}

export interface RelayOptions {
	sources: RelaySource[];
	/** Extra RELAY_* settings (retry schedule, delivery timeout, in-flight cap…). */
	env?: Record<string, string>;
}

export interface RelaySubscription {
	id: string;
	url: string;
	eventTypes: string[];
	providers: string[];
	sources: string[];
}

export class RelayProcess {
	private child: ChildProcess | undefined;
	private log: WriteStream | undefined;
	readonly logFile: string;
	readonly apiToken = `e2e_${randomBytes(24).toString('hex')}`;
	readonly redisPrefix = `e2e:${randomBytes(6).toString('hex')}:`;

	private constructor(
		readonly port: number,
		private readonly options: RelayOptions,
	) {
		this.logFile = join(mkdtempSync(join(tmpdir(), 'esign-e2e-relay-')), 'relay.log');
	}

	static async start(options: RelayOptions): Promise<RelayProcess> {
		assertRelayBuilt();
		const relay = new RelayProcess(await freePort(), options);
		try {
			await relay.spawn();
		} catch (error) {
			await relay.dispose();
			throw error;
		}
		return relay;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	ingestUrl(sourceId: string): string {
		return `${this.baseUrl}/ingest/${sourceId}`;
	}

	async spawn(): Promise<void> {
		const env: Record<string, string> = {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '',
			NODE_ENV: 'production',
			RELAY_HOST: '127.0.0.1',
			RELAY_PORT: String(this.port),
			RELAY_REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379',
			RELAY_REDIS_PREFIX: this.redisPrefix,
			RELAY_API_TOKEN: this.apiToken,
			RELAY_SOURCES: JSON.stringify(this.options.sources),
			RELAY_ALLOWED_TARGETS: 'loopback',
			RELAY_LOG_LEVEL: 'warn',
			RELAY_SHUTDOWN_TIMEOUT: '5s',
			...this.options.env,
		};
		this.log = createWriteStream(this.logFile, { flags: 'a' });
		const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, RELAY_CLI], { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
		this.child = child;
		child.stdout?.pipe(this.log, { end: false });
		child.stderr?.pipe(this.log, { end: false });
		await waitFor(
			`the relay on port ${this.port} to answer /healthz`,
			async () => {
				if (!this.running) throw new Error(`the relay exited: ${this.tail()}`);
				return (await http(`${this.baseUrl}/healthz`, { timeoutMs: 1000 })).status === 200;
			},
			30_000,
			50,
		);
	}

	/** Stops the relay, deletes every Redis key under its prefix, removes its log (kept with E2E_KEEP_N8N=1). */
	async dispose(): Promise<void> {
		await this.stop();
		const redis = new Redis(process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
		try {
			await redis.connect();
			let cursor = '0';
			do {
				const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.redisPrefix}*`, 'COUNT', 1000);
				cursor = next;
				if (keys.length) await redis.del(...keys);
			} while (cursor !== '0');
		} finally {
			redis.disconnect();
		}
		if (!process.env.E2E_KEEP_N8N) rmSync(dirname(this.logFile), { recursive: true, force: true });
	}

	async stop(): Promise<void> {
		const child = this.child;
		if (!child || !this.running) return;
		const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
		child.kill('SIGTERM');
		if (await Promise.race([exited.then(() => false), sleep(10_000).then(() => true)])) {
			child.kill('SIGKILL');
			await exited;
		}
		this.log?.end();
	}

	tail(lines = 30): string {
		try {
			return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '(no log)';
		}
	}

	async admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
		const response = await http(`${this.baseUrl}${path}`, {
			method,
			headers: { authorization: `Bearer ${this.apiToken}`, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		return { status: response.status, body: (response.text ? response.json() : undefined) as T };
	}

	async subscriptions(): Promise<RelaySubscription[]> {
		const answer = await this.admin<{ data: RelaySubscription[] }>('GET', '/v1/subscriptions');
		if (answer.status !== 200) throw new Error(`GET /v1/subscriptions answered ${answer.status}`);
		return answer.body.data;
	}
}
