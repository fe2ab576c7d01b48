/**
 * The relay as a child process, exactly as users run it (`node relay/dist/relay/src/cli.js`,
 * configured through RELAY_* variables), so `kill -9` is a real crash.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import { RELAY_NODE_FLAGS } from '../../../relay/src/node-flags';
import { RELAY_CLI, REPO_ROOT, assertRelayBuilt } from '../../helpers/relay-build';
import type { SourceSpec } from './provider';
import { httpRequest } from './load';
import { freePort, rssOf, settleWithin, waitFor } from './util';


/**
 * The compressed schedule the suite uses instead of the production one (seconds to hours):
 * same shape (growing delays, jitter), milliseconds instead of minutes.
 */
export const FAST_RETRY_SCHEDULE = '200ms,400ms,800ms,1600ms';

export interface RelayOptions {
	redisUrl: string;
	/** Shared by relays that scale out on the same Redis. */
	redisPrefix: string;
	apiToken: string;
	sources: SourceSpec[];
	/** Extra RELAY_* variables (retry schedule, in-flight cap, body limit…). */
	env?: Record<string, string>;
	/** Node flags, e.g. `--cpu-prof`. */
	nodeArgs?: string[];
}

export function newPrefix(label: string): string {
	return `faults:${label}:${randomBytes(4).toString('hex')}:`;
}

export function newToken(): string {
	return `tok_${randomBytes(24).toString('hex')}`;
}

export class RelayProcess {
	private child: ChildProcess | undefined;
	private logStream: WriteStream | undefined;
	readonly logFile: string;

	private constructor(
		readonly port: number,
		private readonly options: RelayOptions,
	) {
		this.logFile = join(mkdtempSync(join(tmpdir(), 'esign-faults-relay-')), 'relay.log');
	}

	static async start(options: RelayOptions): Promise<RelayProcess> {
		assertRelayBuilt();
		const relay = new RelayProcess(await freePort(), options);
		await relay.spawn();
		return relay;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	rss(): number {
		if (!this.child?.pid || !this.running) throw new Error('The relay is not running');
		return rssOf(this.child.pid);
	}

	/** Starts (or restarts, on the same port) the relay and waits for /healthz. */
	async spawn(): Promise<void> {
		if (this.running) throw new Error('The relay is already running');
		const env: Record<string, string> = {
			PATH: process.env.PATH ?? '',
			HOME: process.env.HOME ?? '',
			NODE_ENV: 'production',
			RELAY_HOST: '127.0.0.1',
			RELAY_PORT: String(this.port),
			RELAY_REDIS_URL: this.options.redisUrl,
			RELAY_REDIS_PREFIX: this.options.redisPrefix,
			RELAY_API_TOKEN: this.options.apiToken,
			RELAY_SOURCES: JSON.stringify(
				this.options.sources.map((s) => ({ id: s.name, type: s.provider, secrets: s.secrets, ...(s.reconcile ? { reconcile: s.reconcile } : {}) })),
			),
			RELAY_RETRY_SCHEDULE: FAST_RETRY_SCHEDULE,
			RELAY_LOG_LEVEL: 'warn',
			RELAY_SHUTDOWN_TIMEOUT: '5s',
			...this.options.env,
		};
		this.logStream = createWriteStream(this.logFile, { flags: 'a' });
		const child = spawn(process.execPath, [...RELAY_NODE_FLAGS, ...(this.options.nodeArgs ?? []), RELAY_CLI], {
			env,
			cwd: REPO_ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.child = child;
		child.stdout?.pipe(this.logStream, { end: false });
		child.stderr?.pipe(this.logStream, { end: false });
		await waitFor(
			`the relay on port ${this.port} to answer /healthz`,
			async () => {
				if (!this.running) throw new Error(`the relay exited: ${this.tail()}`);
				return (await httpRequest(`${this.baseUrl}/healthz`, { timeoutMs: 1000 })).status === 200;
			},
			30_000,
			50,
		);
	}

	async ready(): Promise<boolean> {
		try {
			return (await httpRequest(`${this.baseUrl}/readyz`, { timeoutMs: 2000 })).status === 200;
		} catch {
			return false;
		}
	}

	/** A crash: no shutdown hook runs. */
	async kill9(): Promise<void> {
		const child = this.child;
		if (!child || !this.running) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
	}

	async stop(): Promise<void> {
		const child = this.child;
		if (child && this.running) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await settleWithin(exited, 10_000);
			if (this.running) await this.kill9();
		}
		this.logStream?.end();
	}

	tail(chars = 3000): string {
		try {
			return readFileSync(this.logFile, 'utf8').slice(-chars);
		} catch {
			return '';
		}
	}

	// --- the admin API -------------------------------------------------------------

	async api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
		const answer = await httpRequest(`${this.baseUrl}${path}`, {
			method,
			headers: {
				authorization: `Bearer ${this.options.apiToken}`,
				...(body === undefined ? {} : { 'content-type': 'application/json' }),
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		let json: unknown;
		try {
			json = JSON.parse(answer.body);
		} catch {
			json = undefined;
		}
		return { status: answer.status, json, text: answer.body };
	}

	/** Creates a subscription for `url` and returns its id and secret. */
	async subscribe(url: string, filters: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
		const answer = await this.api('POST', '/v1/subscriptions', { url, ...filters });
		if (answer.status !== 201) {
			throw new Error(`Creating a subscription to ${url} answered ${answer.status}: ${answer.text}`);
		}
		const { id, secret } = answer.json as { id: string; secret: string };
		return { id, secret };
	}

	async metricsText(): Promise<string> {
		return (await httpRequest(`${this.baseUrl}/metrics`)).body;
	}

	/** Sum of every sample of a Prometheus metric (all label sets). */
	async metric(name: string): Promise<number> {
		const text = await this.metricsText();
		let sum = 0;
		for (const line of text.split('\n')) {
			if (line.startsWith('#')) continue;
			const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
			if (match && match[1] === name) sum += Number(match[3]);
		}
		return sum;
	}
}
