/**
 * The n8n stand-in: a local HTTP server that records every delivery the relay makes to
 * it, checks each one's Standard Webhooks signature, and can be told to be healthy, slow,
 * failing, rate-limited, paced like n8n (a fixed number of executions per second, the
 * rest queued) or down (connection refused).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

import { verifySignature } from '../../../nodes/providers/standard-webhooks/signature';

export type SinkBehaviour =
	| { kind: 'ok' }
	| { kind: 'fail'; status: number }
	| { kind: 'slow'; delayMs: number }
	/** n8n-like: executes `perSecond` requests a second, one after another; the others wait in line. */
	| { kind: 'paced'; perSecond: number }
	/** Answers 429 with Retry-After beyond `perSecond`. */
	| { kind: 'rate-limited'; perSecond: number; retryAfterSeconds: number };

export interface DeliveryAttempt {
	/** The `webhook-id` header. */
	webhookId: string;
	/** `id` of the delivered body (must equal webhook-id). */
	bodyId: string | undefined;
	/** What identifies the generated event: its document id (unique per generated event). */
	key: string | undefined;
	receivedAt: number;
	/** The status the sink answered; 2xx means "executed" (n8n would have run the workflow). */
	status: number;
	signatureValid: boolean;
	/** The relay hung up before the answer was written (timeout on its side). */
	clientAborted: boolean;
	body: Record<string, unknown> | undefined;
}

export class Sink {
	readonly attempts: DeliveryAttempt[] = [];
	private server: Server | undefined;
	private readonly sockets = new Set<Socket>();
	private behaviour: SinkBehaviour = { kind: 'ok' };
	private secret: string | undefined;
	private port = 0;
	private nextSlot = 0;
	private windowStart = 0;
	private windowCount = 0;
	private inFlight = 0;
	/** Highest number of requests open at once: the relay's effective concurrency to this target. */
	maxInFlight = 0;
	/** Path-aware mode: the sinks mounted on this one's server, by path (see `mount`). */
	private readonly mounted = new Map<string, Sink>();

	constructor(readonly name: string) {}

	static async start(name: string, behaviour: SinkBehaviour = { kind: 'ok' }): Promise<Sink> {
		const sink = new Sink(name);
		sink.behaviour = behaviour;
		await sink.up();
		return sink;
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}/webhook/${this.name}`;
	}

	/**
	 * Another sink on this one's server and port, at its own path: the many workflows of one
	 * n8n share one origin. It records its own deliveries and has its own behaviour; the
	 * server (and `down`/`close`) stays this one's.
	 */
	mount(name: string, behaviour: SinkBehaviour = { kind: 'ok' }): Sink {
		const sink = new Sink(name);
		sink.behaviour = behaviour;
		sink.port = this.port;
		this.mounted.set(new URL(sink.url).pathname, sink);
		return sink;
	}

	/** The subscription's secret, known once the subscription is created. */
	setSecret(secret: string): void {
		this.secret = secret;
	}

	setBehaviour(behaviour: SinkBehaviour): void {
		this.behaviour = behaviour;
		this.nextSlot = 0;
	}

	async up(): Promise<void> {
		if (this.server) return;
		const server = createServer((req, res) => void this.handle(req, res));
		server.keepAliveTimeout = 5000;
		server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(this.port, '127.0.0.1', () => resolve());
		});
		const address = server.address();
		if (address && typeof address === 'object') this.port = address.port;
		this.server = server;
	}

	/** Connection refused from now on, and open connections cut (a crashed n8n). */
	async down(): Promise<void> {
		const server = this.server;
		if (!server) return;
		this.server = undefined;
		const closed = new Promise<void>((resolve) => server.close(() => resolve()));
		for (const socket of this.sockets) socket.destroy();
		await closed;
	}

	/** Attempts the sink answered 2xx to with a valid signature: the executions. */
	executions(): DeliveryAttempt[] {
		return this.attempts.filter((a) => a.status >= 200 && a.status < 300 && a.signatureValid);
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const target = this.mounted.get((req.url ?? '').split('?')[0]);
		if (target) return await target.handle(req, res);
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		let attempt: DeliveryAttempt | undefined;
		res.on('close', () => {
			if (!res.writableFinished && attempt) attempt.clientAborted = true;
		});
		try {
			const chunks: Buffer[] = [];
			for await (const chunk of req) chunks.push(chunk as Buffer);
			const raw = Buffer.concat(chunks);
			const receivedAt = Date.now();
			const webhookId = String(req.headers['webhook-id'] ?? '');
			let signatureValid = false;
			if (this.secret) {
				try {
					verifySignature(
						{
							id: req.headers['webhook-id'] as string | undefined,
							timestamp: req.headers['webhook-timestamp'] as string | undefined,
							signature: req.headers['webhook-signature'] as string | undefined,
							body: raw,
						},
						[this.secret],
						receivedAt,
					);
					signatureValid = true;
				} catch {
					signatureValid = false;
				}
			}
			let body: Record<string, unknown> | undefined;
			try {
				body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
			} catch {
				body = undefined;
			}
			const { status, delayMs, headers } = this.decide(receivedAt);
			if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
			attempt = {
				webhookId,
				bodyId: typeof body?.id === 'string' ? body.id : undefined,
				key: typeof body?.documentId === 'string' ? body.documentId : undefined,
				receivedAt,
				status: signatureValid ? status : 401,
				signatureValid,
				clientAborted: res.destroyed,
				body,
			};
			this.attempts.push(attempt);
			if (!res.destroyed) {
				res.writeHead(attempt.status, { 'content-type': 'application/json', ...headers });
				res.end(JSON.stringify({ ok: attempt.status < 300 }));
			}
			// Written or not, it counts as executed: n8n runs the workflow even when the caller hung up.
		} finally {
			this.inFlight--;
		}
	}

	private decide(now: number): { status: number; delayMs: number; headers?: Record<string, string> } {
		const b = this.behaviour;
		switch (b.kind) {
			case 'ok':
				return { status: 200, delayMs: 0 };
			case 'fail':
				return { status: b.status, delayMs: 0 };
			case 'slow':
				return { status: 200, delayMs: b.delayMs };
			case 'paced': {
				const interval = 1000 / b.perSecond;
				const slot = Math.max(now, this.nextSlot);
				this.nextSlot = slot + interval;
				return { status: 200, delayMs: slot + interval - now };
			}
			case 'rate-limited': {
				if (now - this.windowStart >= 1000) {
					this.windowStart = now;
					this.windowCount = 0;
				}
				this.windowCount++;
				if (this.windowCount > b.perSecond) {
					return { status: 429, delayMs: 0, headers: { 'retry-after': String(b.retryAfterSeconds) } };
				}
				return { status: 200, delayMs: 0 };
			}
		}
	}

	async close(): Promise<void> {
		await this.down();
	}
}
