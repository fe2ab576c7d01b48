/** Shared test fixtures: a relay on a unique Redis prefix, a recording sink, signed callbacks. */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Redis } from 'ioredis';
import pino from 'pino';

import { signBody } from '../../nodes/providers/signnow/webhook';
import { signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { Relay } from '../src/app';
import { loadConfig, type RelayConfigInput } from '../src/config';

export const SIGNNOW_SECRET = 'signnow-test-secret-key';
export const SIGNNOW_OLD_SECRET = 'signnow-previous-secret';
export const STANDARD_SECRET = `whsec_${Buffer.from('standard-test-secret-0123456789').toString('base64')}`;
export const SIGNBEE_SECRET = `whsec_${Buffer.from('signbee-test-secret-abcdefghijk').toString('base64')}`;
export const TOKEN = 'test-admin-token-0123456789';

export function uniquePrefix(name: string): string {
	return `test:relay-${name}:${randomBytes(4).toString('hex')}:`;
}

export const SOURCES = [
	{ id: 'signnow', type: 'signnow', secrets: [SIGNNOW_SECRET, SIGNNOW_OLD_SECRET] },
	{ id: 'standard', type: 'standard-webhooks', secrets: [STANDARD_SECRET] },
	{
		id: 'signbee',
		type: 'standard-webhooks',
		secrets: [SIGNBEE_SECRET],
		options: { headers: { id: 'x-signbee-event-id', timestamp: 'x-signbee-timestamp', signature: 'x-signbee-signature' } },
	},
];

export async function startRelay(prefix: string, overrides: Partial<RelayConfigInput> = {}): Promise<Relay> {
	const config = loadConfig(
		{},
		{
			port: 0,
			redisPrefix: prefix,
			apiToken: TOKEN,
			sources: SOURCES,
			retrySchedule: '100ms,200ms',
			retryJitter: 0,
			slowDownMs: '200ms',
			shutdownTimeoutMs: '10s',
			...overrides,
		},
	);
	const relay = new Relay(config, { logger: pino({ level: process.env.RELAY_TEST_LOG ?? 'silent' }), processMetrics: false });
	await relay.start();
	return relay;
}

/** Deletes every key under the prefix (never FLUSHDB: other tests share this Redis). */
export async function cleanRedis(prefix: string): Promise<void> {
	const redis = new Redis({ host: '127.0.0.1', port: 6379 });
	try {
		let cursor = '0';
		do {
			const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
			cursor = next;
			if (keys.length > 0) await redis.del(...keys);
		} while (cursor !== '0');
	} finally {
		redis.disconnect();
	}
}

export interface Received {
	/** The request target (path and query): one sink (one origin) stands for several n8n webhooks. */
	path: string;
	headers: IncomingHttpHeaders;
	body: string;
	at: number;
}

export type SinkHandler = (request: Received, index: number, res: ServerResponse) => void | Promise<void>;

/** A local delivery target that records every request and answers as told (200 by default). */
export class Sink {
	readonly received: Received[] = [];
	inFlight = 0;
	maxInFlight = 0;
	private server: Server;
	handler: SinkHandler = (_request, _index, res) => {
		res.writeHead(200).end('ok');
	};

	constructor() {
		this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
				const index = this.received.push(received) - 1;
				this.inFlight += 1;
				this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
				res.on('finish', () => (this.inFlight -= 1));
				res.on('close', () => {
					if (!res.writableFinished) this.inFlight -= 1;
				});
				void this.handler(received, index, res);
			});
		});
	}

	async start(): Promise<this> {
		await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
		return this;
	}

	get url(): string {
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
	}

	async close(): Promise<void> {
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}
}

export function signNowCallback(
	overrides: { event?: string; documentId?: string; timestamp?: number; extra?: Record<string, unknown> } = {},
	secret = SIGNNOW_SECRET,
): { body: string; headers: Record<string, string> } {
	const body = JSON.stringify({
		meta: {
			timestamp: overrides.timestamp ?? Math.floor(Date.now() / 1000),
			event: overrides.event ?? 'document.complete',
			environment: 'https://api.signnow.com',
			initiator_id: 'a1b2c3',
			callback_url: 'https://relay.example/ingest/signnow',
			access_token: 'secret-access-token-must-not-leak',
		},
		content: {
			document_id: overrides.documentId ?? `doc_${randomBytes(6).toString('hex')}`,
			document_name: 'NDA.pdf',
			user_id: 'u1',
			...overrides.extra,
		},
	});
	return { body, headers: { 'content-type': 'application/json', 'x-signnow-signature': signBody(secret, body) } };
}

export function standardCallback(
	secret: string,
	names: { id: string; timestamp: string; signature: string } = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
	overrides: { id?: string; timestampSeconds?: number; type?: string; documentId?: string } = {},
): { body: string; headers: Record<string, string>; id: string } {
	const id = overrides.id ?? `msg_${randomBytes(8).toString('hex')}`;
	const body = JSON.stringify({
		type: overrides.type ?? 'document.signed',
		timestamp: new Date().toISOString(),
		data: { document_id: overrides.documentId ?? 'doc_std_1', signer_email: 'ann@example.com', title: 'Lease' },
	});
	const timestamp = overrides.timestampSeconds ?? Math.floor(Date.now() / 1000);
	const signed = signedHeaders(secret, id, timestamp, body);
	return {
		id,
		body,
		headers: {
			'content-type': 'application/json',
			[names.id]: signed['webhook-id'],
			[names.timestamp]: signed['webhook-timestamp'],
			[names.signature]: signed['webhook-signature'],
		},
	};
}

export async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown; text: string }> {
	const response = await fetch(url, { method: 'POST', body, headers });
	const text = await response.text();
	let json: unknown;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, json, text };
}

export async function api(
	relay: Relay,
	method: string,
	path: string,
	body?: unknown,
	token: string | null = TOKEN,
): Promise<{ status: number; json: Record<string, unknown> }> {
	const headers: Record<string, string> = {};
	if (token !== null) headers.authorization = `Bearer ${token}`;
	if (body !== undefined) headers['content-type'] = 'application/json';
	const response = await fetch(`${relay.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await response.text();
	return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value) return value;
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
