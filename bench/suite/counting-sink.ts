/**
 * The fan-out target for the benchmark: answers 200 at once and counts deliveries with
 * their arrival times (no signature check: the bench measures the relay, and the fault
 * suite already proves every delivery's signature).
 */
import { createServer, type Server } from 'node:http';

export class CountingSink {
	count = 0;
	first = 0;
	last = 0;
	port = 0;
	private readonly server: Server;

	private constructor() {
		this.server = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				const now = Date.now();
				if (this.count === 0) this.first = now;
				this.count++;
				this.last = now;
				res.writeHead(200, { 'content-type': 'application/json' });
				res.end('{"ok":true}');
			});
		});
		this.server.keepAliveTimeout = 30_000;
	}

	static async start(): Promise<CountingSink> {
		const sink = new CountingSink();
		await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', () => resolve()));
		const address = sink.server.address();
		sink.port = typeof address === 'object' && address ? address.port : 0;
		return sink;
	}

	url(path: string): string {
		return `http://127.0.0.1:${this.port}/webhook/${path}`;
	}

	reset(): void {
		this.count = 0;
		this.first = 0;
		this.last = 0;
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}
