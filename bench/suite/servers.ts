/**
 * The ceilings: a bare `node:http` server and a bare Express 5 app that read the body and
 * answer 200 JSON, each in a child process of its own like the relay, driven by the same
 * load generator with the same pre-signed bodies.
 */
import { spawn, type ChildProcess } from 'node:child_process';

import { REPO_ROOT } from '../../test/faults/harness/relay-process';
import { httpRequest } from '../../test/faults/harness/load';
import { freePort, rssOf, settleWithin, waitFor } from '../../test/faults/harness/util';

const BARE_HTTP = `
const http = require('node:http');
http.createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		Buffer.concat(chunks);
		res.writeHead(200, { 'content-type': 'application/json' });
		res.end('{"ok":true}');
	});
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const BARE_EXPRESS = `
const express = require('express');
const app = express();
app.get('/healthz', (_req, res) => res.json({ ok: true }));
app.post('/ingest/:source', express.raw({ type: () => true, limit: '1mb' }), (req, res) => res.json({ ok: true }));
app.listen(Number(process.env.PORT), '127.0.0.1');
`;

export class BareServer {
	private constructor(
		private readonly child: ChildProcess,
		readonly port: number,
	) {}

	static async start(kind: 'node-http' | 'express'): Promise<BareServer> {
		const port = await freePort();
		const child = spawn(process.execPath, ['-e', kind === 'express' ? BARE_EXPRESS : BARE_HTTP], {
			cwd: REPO_ROOT,
			env: { ...process.env, PORT: String(port), NODE_ENV: 'production' },
			stdio: 'inherit',
		});
		const server = new BareServer(child, port);
		await waitFor(`bare ${kind} server`, async () => (await httpRequest(`${server.baseUrl}/healthz`, { timeoutMs: 500 })).status > 0, 10_000, 50);
		return server;
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
