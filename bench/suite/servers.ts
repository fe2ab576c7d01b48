/**
 * The ceilings: the relay benchmark's own bare `node:http` and bare Express 5 servers
 * (bench/relay/baselines.ts, compiled, or run in place through ts-register), each a child process like the
 * relay, driven by the same load generator with the same pre-signed bodies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../../test/helpers/relay-build';
import { rssOf, settleWithin } from '../../test/faults/harness/util';

const BASELINES = join(REPO_ROOT, 'bench/relay/baselines.ts');
const COMPILED = join(REPO_ROOT, 'bench/relay/dist/bench/relay/baselines.js');
const REGISTER = join(__dirname, 'ts-register.js');

/** The compiled baseline when it is up to date (no TypeScript compiler in the ceiling's RSS). */
function baselineCommand(): string[] {
	if (existsSync(COMPILED) && statSync(COMPILED).mtimeMs >= statSync(BASELINES).mtimeMs) return [COMPILED];
	return ['-r', REGISTER, BASELINES];
}

export class BareServer {
	private constructor(
		private readonly child: ChildProcess,
		readonly port: number,
	) {}

	static async start(kind: 'node-http' | 'express'): Promise<BareServer> {
		const child = spawn(process.execPath, [...baselineCommand(), kind === 'express' ? 'express' : 'http'], {
			cwd: REPO_ROOT,
			env: { ...process.env, NODE_ENV: 'production' },
			stdio: ['ignore', 'pipe', 'inherit'],
		});
		// baselines.ts prints the port it listens on, then nothing else.
		const port = await new Promise<number>((resolve, reject) => {
			let out = '';
			child.stdout?.on('data', (chunk: Buffer) => {
				out += chunk.toString('utf8');
				const match = /^(\d+)\n/.exec(out);
				if (match) resolve(Number(match[1]));
			});
			child.once('exit', (code) => reject(new Error(`bench/relay/baselines.ts ${kind} exited with ${code}`)));
		});
		return new BareServer(child, port);
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	rss(): number {
		return rssOf(this.child.pid as number);
	}

	async stop(): Promise<void> {
		const exited = new Promise((resolve) => this.child.once('exit', resolve));
		this.child.kill('SIGTERM');
		await settleWithin(exited, 5000);
	}
}
