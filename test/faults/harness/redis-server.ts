/**
 * A Redis of the suite's own: ephemeral port, its own temp directory, AOF on and
 * `noeviction`, so `kill -9` and a restart from the AOF can be tested without touching
 * the shared Redis on 6379.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, settleWithin, waitFor } from './util';

/**
 * `always` fsyncs the AOF before Redis replies, so an acknowledged write survives even a
 * host crash; `everysec` survives `kill -9` of Redis (the write(2) happens before the
 * reply) but may lose the last second on a power cut. See docs/faults.md.
 */
export type AppendFsync = 'always' | 'everysec';

export interface RedisServerOptions {
	appendfsync?: AppendFsync;
	/** A port chosen by the caller (Cluster nodes need port + 10000 free for their bus). */
	port?: number;
	/** More redis-server arguments, e.g. `--cluster-enabled yes` or `--replicaof 127.0.0.1 <port>`. */
	args?: string[];
}

/** Sends one inline command and returns the first reply line (enough for PING/INFO-free checks). */
export async function redisCommand(port: number, command: string, timeoutMs = 2000): Promise<string> {
	return await new Promise((resolve, reject) => {
		const socket = connect(port, '127.0.0.1');
		let data = '';
		const timer = setTimeout(() => {
			socket.destroy();
			reject(new Error(`Redis on ${port} did not answer ${command} within ${timeoutMs} ms`));
		}, timeoutMs);
		socket.on('connect', () => socket.write(`${command}\r\n`));
		socket.on('data', (chunk) => {
			data += chunk.toString('utf8');
			if (!data.includes('\r\n')) return;
			// Bulk replies ($len) need the payload line too.
			const bulk = /^\$(\d+)\r\n/.exec(data);
			if (bulk && data.length < bulk[0].length + Number(bulk[1]) + 2) return;
			clearTimeout(timer);
			socket.end();
			resolve(bulk ? data.slice(bulk[0].length, bulk[0].length + Number(bulk[1])) : data.split('\r\n')[0]);
		});
		socket.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
	});
}

export class RedisServer {
	readonly dir: string;
	private child: ChildProcess | undefined;
	private log = '';

	private constructor(
		readonly port: number,
		private readonly appendfsync: AppendFsync,
		private readonly args: readonly string[],
	) {
		this.dir = mkdtempSync(join(tmpdir(), 'esign-faults-redis-'));
	}

	static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
		const server = new RedisServer(options.port ?? (await freePort()), options.appendfsync ?? 'always', options.args ?? []);
		await server.spawn();
		return server;
	}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	/** Starts (or restarts) redis-server on the same port and directory, so it reloads its AOF. */
	async spawn(): Promise<void> {
		if (this.running) throw new Error('Redis is already running');
		const child = spawn(
			'redis-server',
			[
				'--port', String(this.port),
				'--bind', '127.0.0.1',
				'--dir', this.dir,
				'--appendonly', 'yes',
				'--appendfsync', this.appendfsync,
				'--save', '',
				'--maxmemory-policy', 'noeviction',
				'--protected-mode', 'no',
				...this.args,
			],
			{ stdio: ['ignore', 'pipe', 'pipe'] },
		);
		this.child = child;
		const keep = (chunk: Buffer) => {
			this.log = (this.log + chunk.toString('utf8')).slice(-20_000);
		};
		child.stdout?.on('data', keep);
		child.stderr?.on('data', keep);
		await waitFor(
			`redis-server on port ${this.port} to answer PING (log: ${this.log.slice(-500)})`,
			async () => {
				if (!this.running) throw new Error(`redis-server exited: ${this.log.slice(-1000)}`);
				// LOADING replies mean the AOF is still being read: not ready yet.
				return (await redisCommand(this.port, 'PING')) === '+PONG';
			},
			30_000,
			50,
		);
	}

	/** `kill -9`: no chance to flush anything that was not already written. */
	async kill9(): Promise<void> {
		const child = this.child;
		if (!child || !this.running) return;
		const exited = new Promise((resolve) => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
	}

	async restart(): Promise<void> {
		await this.kill9();
		await this.spawn();
	}

	async stop(): Promise<void> {
		const child = this.child;
		if (child && this.running) {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			await settleWithin(exited, 5000);
			if (this.running) await this.kill9();
		}
		rmSync(this.dir, { recursive: true, force: true });
	}

	/** `used_memory` and the key count, for the benchmark's bytes-per-key figure. */
	async memory(): Promise<{ usedMemory: number; keys: number }> {
		const info = await redisCommand(this.port, 'INFO memory');
		const used = /used_memory:(\d+)/.exec(info);
		const size = await redisCommand(this.port, 'DBSIZE');
		return { usedMemory: used ? Number(used[1]) : NaN, keys: Number(size.replace(/^:/, '')) };
	}

	/** Whether Redis is rewriting its AOF in the background (a forked child busy on the CPU). */
	async rewritingAof(): Promise<boolean> {
		return /aof_rewrite_in_progress:1/.test(await redisCommand(this.port, 'INFO persistence'));
	}

	tail(): string {
		return this.log.slice(-2000);
	}
}
