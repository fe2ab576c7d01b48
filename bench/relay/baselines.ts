/**
 * The ceilings the relay is compared with, run as their own process like the relay:
 * `baselines.js http` (bare node:http) or `baselines.js express` (bare Express 5 with
 * express.raw). Both read the whole body and answer a small JSON, nothing else.
 * Prints the port on stdout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import express from 'express';

const mode = process.argv[2];
let server: Server;

if (mode === 'http') {
	server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			Buffer.concat(chunks);
			res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
		});
	});
} else if (mode === 'express') {
	const app = express();
	app.post('/ingest/:source', express.raw({ type: () => true, limit: '1mb' }), (_req, res) => {
		res.json({ ok: true });
	});
	server = createServer(app);
} else {
	throw new Error('usage: baselines.js http|express');
}

server.listen(0, '127.0.0.1', () => {
	process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
