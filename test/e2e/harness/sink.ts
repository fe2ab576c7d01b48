/** A local HTTP endpoint the example workflows post to; it records every request it gets. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkRequest {
	method: string;
	path: string;
	headers: IncomingHttpHeaders;
	body: Buffer;
	receivedAt: number;
}

export class Sink {
	readonly requests: SinkRequest[] = [];
	private listeners: Array<() => void> = [];

	private constructor(private readonly server: Server) {}

	static async start(): Promise<Sink> {
		const server = createServer();
		const sink = new Sink(server);
		server.on('request', (req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				sink.requests.push({
					method: req.method ?? '',
					path: req.url ?? '',
					headers: req.headers,
					body: Buffer.concat(chunks),
					receivedAt: Date.now(),
				});
				res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
				for (const listener of sink.listeners.splice(0)) listener();
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return sink;
	}

	get url(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	/** Requests to one path (query string ignored). */
	to(path: string): SinkRequest[] {
		return this.requests.filter((request) => request.path.split('?')[0] === path);
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
