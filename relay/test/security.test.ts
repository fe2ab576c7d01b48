/**
 * Issue 12, the relay side, each finding of the security review reproduced against a real
 * relay (real Redis, real sockets): replay windows vs. the dedup window at start-up, metric
 * labels an unauthenticated caller controls, poison bodies, tokens in Standard Webhooks
 * payloads, slow clients, what lastError echoes, and metadata addresses wrapped in IPv6.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import { signBody } from '../../nodes/providers/signnow/webhook';
import { signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import type { Relay } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import { DeliveryFailure } from '../src/retry';
import { Sender } from '../src/sender';
import { parseTargetRules, refusal, refusalForLiteral } from '../src/targets';
import { STANDARD_SECRET, SIGNNOW_SECRET, api, cleanRedis, post, signNowCallback, sleep, startRelay, uniquePrefix } from './helpers';

describe('replay windows against the dedup window (start-up)', () => {
	const source = (type: string, options?: unknown) => [{ id: 's1', type, secrets: ['x'.repeat(32)], options }];

	it('starts with every provider on its defaults and the default 72 h window', () => {
		for (const type of ['signnow', 'documenso', 'docuseal', 'docusign', 'dropbox-sign', 'standard-webhooks', 'legalesign', 'signos']) {
			expect(() => loadConfig({}, { sources: source(type) })).not.toThrow();
		}
		expect(() => loadConfig({}, { sources: source('generic-hmac', { preset: 'yousign' }) })).not.toThrow();
	});

	it.each([
		['docusign', { maxAgeSeconds: 7 * 86_400 }, 'options.maxAgeSeconds'],
		['dropbox-sign', { maxAgeSeconds: 4 * 86_400 }, 'options.maxAgeSeconds'],
		['signnow', { maxAgeSeconds: 0 }, 'options.maxAgeSeconds'],
		['documenso', { toleranceSeconds: 0 }, 'options.toleranceSeconds'],
		['generic-hmac', { signatureHeader: 'x-sig' }, 'options.timestampHeader'],
	])('refuses %s with %j, naming both settings', (type, options, setting) => {
		let caught: unknown;
		try {
			loadConfig({}, { sources: source(type, options) });
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(ConfigError);
		expect((caught as Error).message).toContain('RELAY_DEDUP_WINDOW');
		expect((caught as Error).message).toContain('source "s1"');
		expect((caught as Error).message).toContain(setting);
	});

	it('refuses a dedup window shorter than a default max age, and accepts a longer window for a longer max age', () => {
		expect(() => loadConfig({ RELAY_DEDUP_WINDOW: '24h' }, { sources: source('signnow') })).toThrow(/RELAY_DEDUP_WINDOW/);
		expect(() => loadConfig({ RELAY_DEDUP_WINDOW: '16d' }, { sources: source('docusign', { maxAgeSeconds: 15 * 86_400 }) })).not.toThrow();
	});
});

describe('a running relay under attack', () => {
	const prefix = uniquePrefix('security');
	let relay: Relay;

	beforeAll(async () => {
		relay = await startRelay(prefix, {
			bodyLimitBytes: '1mb',
			headersTimeoutMs: '1s',
			requestTimeoutMs: '2s',
			maxConnections: 40,
		});
	});

	afterAll(async () => {
		await relay.stop();
		await cleanRedis(prefix);
	});

	function standard(body: string): Record<string, string> {
		const id = `msg_${randomBytes(8).toString('hex')}`;
		return { 'content-type': 'application/json', ...signedHeaders(STANDARD_SECRET, id, Math.floor(Date.now() / 1000), body) };
	}

	async function rawPost(path: string, body: Buffer, headers: Record<string, string>) {
		const response = await fetch(`${relay.url}${path}`, { method: 'POST', body, headers });
		const text = await response.text();
		return { status: response.status, text };
	}

	describe('metric labels', () => {
		it('rejected requests to unknown sources, whatever their path or body, add no series', async () => {
			const before = (await relay.metrics.registry.metrics()).length;
			const paths: string[] = [];
			for (let i = 0; i < 60; i++) {
				const path = `zz${randomBytes(100).toString('hex')}`;
				paths.push(path);
				// Too large, a lying gzip, and a plain body: each path a different way to be refused.
				const kind = i % 3;
				const body = kind === 0 ? Buffer.alloc(1024 * 1024 + 10, 97) : Buffer.from('{"not":"gzip"}');
				const headers: Record<string, string> = { 'content-type': 'application/json' };
				if (kind === 1) headers['content-encoding'] = 'gzip';
				const response = await rawPost(`/ingest/${path}`, body, headers);
				expect(response.status).toBe(404);
				expect(JSON.parse(response.text)).toMatchObject({ error: 'unknown_source' });
			}
			const text = await relay.metrics.registry.metrics();
			for (const path of paths) expect(text).not.toContain(path);
			// A few new (reason) series at most, never one per path.
			expect(text.length - before).toBeLessThan(2_000);
		});
	});

	describe('poison bodies', () => {
		const deep = (levels: number) => `{"type":"document.signed","data":${'['.repeat(levels)}${']'.repeat(levels)}}`;

		it.each([5_000, 100_000])('a correctly signed Standard Webhooks body %i levels deep is a 400 malformed_body, not 503', async (levels) => {
			const body = deep(levels);
			const response = await post(`${relay.url}/ingest/standard`, body, standard(body));
			expect(response.status).toBe(400);
			expect(response.json).toMatchObject({ error: 'malformed_body' });
			expect((response.json as { message: string }).message).toContain('64');
		});

		it('a correctly signed SignNow body 100,000 levels deep is a 400 malformed_body, not 500', async () => {
			const body = `{"meta":{"event":"document.complete","timestamp":${Math.floor(Date.now() / 1000)}},"content":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
			const response = await post(`${relay.url}/ingest/signnow`, body, {
				'content-type': 'application/json',
				'x-signnow-signature': signBody(SIGNNOW_SECRET, body),
			});
			expect(response.status).toBe(400);
			expect(response.json).toMatchObject({ error: 'malformed_body' });
		});

		it.each(['gzip', 'br', 'deflate'])('a lying Content-Encoding (%s over plain bytes) is a 400 malformed_body', async (encoding) => {
			const callback = signNowCallback();
			const response = await rawPost('/ingest/signnow', Buffer.from(callback.body), { ...callback.headers, 'content-encoding': encoding });
			expect(response.status).toBe(400);
			expect(JSON.parse(response.text)).toMatchObject({ error: 'malformed_body' });
		});

		it('a truthful Content-Encoding still works', async () => {
			const callback = signNowCallback();
			const response = await rawPost('/ingest/signnow', gzipSync(callback.body), { ...callback.headers, 'content-encoding': 'gzip' });
			expect(response.status).toBe(200);
		});

		it('a failure that is not Redis is a 500 internal error, never "Redis unavailable"', async () => {
			const spy = jest.spyOn(relay.pipeline, 'accept').mockRejectedValueOnce(new RangeError('Maximum call stack size exceeded'));
			try {
				const callback = signNowCallback();
				const response = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
				expect(response.status).toBe(500);
				expect(response.json).toMatchObject({ error: 'internal' });
				expect(response.text).not.toMatch(/redis/i);
			} finally {
				spy.mockRestore();
			}
		});

		it('nothing poisoned was stored', async () => {
			const depth = await relay.deliveries.depth();
			expect(depth.every((d) => d.count === 0)).toBe(true);
		});
	});

	describe('tokens in Standard Webhooks payloads', () => {
		it('are removed before the event is stored or delivered', async () => {
			const body = JSON.stringify({
				type: 'document.signed',
				access_token: 'leak-1',
				data: { document_id: 'doc-tok', nested: { accessToken: 'leak-2', api_key: 'leak-3', signing_url: 'https://x/leak-4' } },
			});
			const response = await post(`${relay.url}/ingest/standard`, body, standard(body));
			expect(response.status).toBe(200);
			const [{ id }] = (response.json as { events: Array<{ id: string }> }).events;
			const stored = await api(relay, 'GET', `/v1/events/${id}`);
			expect(stored.status).toBe(200);
			const text = JSON.stringify(stored.json);
			for (const leak of ['leak-1', 'leak-2', 'leak-3', 'leak-4']) expect(text).not.toContain(leak);
			expect(text).toContain('doc-tok');
		});
	});

	describe('slow clients', () => {
		function openSocket(): Promise<Socket> {
			const { port } = new URL(relay.url);
			return new Promise((resolve, reject) => {
				const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
				socket.on('error', reject);
			});
		}

		function closedWithin(socket: Socket, ms: number): Promise<{ closed: boolean; data: string }> {
			let data = '';
			socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
			return new Promise((resolve) => {
				const timer = setTimeout(() => resolve({ closed: false, data }), ms);
				socket.on('close', () => {
					clearTimeout(timer);
					resolve({ closed: true, data });
				});
			});
		}

		it('headers sent a byte at a time are cut off after RELAY_HEADERS_TIMEOUT', async () => {
			const socket = await openSocket();
			socket.on('error', () => undefined);
			socket.write('POST /ingest/signnow HTTP/1.1\r\nHost: relay\r\n');
			const drip = setInterval(() => socket.writable && socket.write('X'), 100);
			try {
				const outcome = await closedWithin(socket, 5_000);
				expect(outcome.closed).toBe(true);
			} finally {
				clearInterval(drip);
				socket.destroy();
			}
		});

		it('a body sent a byte at a time is cut off after RELAY_REQUEST_TIMEOUT', async () => {
			const socket = await openSocket();
			socket.on('error', () => undefined);
			socket.write('POST /ingest/signnow HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
			const drip = setInterval(() => socket.writable && socket.write(' '), 100);
			try {
				const outcome = await closedWithin(socket, 6_000);
				expect(outcome.closed).toBe(true);
			} finally {
				clearInterval(drip);
				socket.destroy();
			}
		});

		it('connections beyond RELAY_MAX_CONNECTIONS are closed at once, and the relay serves again after', async () => {
			const held: Socket[] = [];
			try {
				for (let i = 0; i < 40; i++) {
					const socket = await openSocket();
					socket.on('error', () => undefined);
					held.push(socket);
				}
				await sleep(100);
				const extra = await openSocket();
				extra.on('error', () => undefined);
				const outcome = await closedWithin(extra, 1_000);
				expect(outcome.closed).toBe(true);
			} finally {
				for (const socket of held) socket.destroy();
			}
			await sleep(200);
			expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
		});

		it('the server carries the configured limits', () => {
			expect(relay.config.headersTimeoutMs).toBe(1_000);
			expect(relay.config.requestTimeoutMs).toBe(2_000);
			expect(relay.config.maxConnections).toBe(40);
			const defaults = loadConfig({});
			expect(defaults.headersTimeoutMs).toBe(10_000);
			expect(defaults.requestTimeoutMs).toBe(30_000);
			expect(defaults.maxConnections).toBe(1024);
			expect(() => loadConfig({ RELAY_HEADERS_TIMEOUT: '40s', RELAY_REQUEST_TIMEOUT: '30s' })).toThrow(/RELAY_HEADERS_TIMEOUT/);
			expect(() => loadConfig({ RELAY_MAX_CONNECTIONS: '0' })).toThrow(/RELAY_MAX_CONNECTIONS/);
		});
	});
});

describe("what a delivery's lastError carries", () => {
	let target: Server;
	let url: string;

	beforeAll(async () => {
		target = createServer((req, res) => {
			req.resume();
			req.on('end', () => {
				const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? '502');
				// A reason phrase and a body the target controls: neither may come back.
				res.writeHead(status, 'Internal-Reason-Leak', { 'content-type': 'text/plain' }).end('INTERNAL-SECRET-BODY db=10.0.0.5 password=hunter2');
			});
		});
		await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
		url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hook`;
	});

	afterAll(async () => {
		target.closeAllConnections();
		await new Promise<void>((resolve) => target.close(() => resolve()));
	});

	it.each([
		[502, 'HTTP 502 Bad Gateway'],
		[404, 'HTTP 404 Not Found'],
		[429, 'HTTP 429 Too Many Requests'],
		[503, 'HTTP 503 Service Unavailable'],
	])('%i: the status and its standard text, nothing of the response', async (status, message) => {
		const sender = new Sender(parseTargetRules(['loopback']), 2_000, 100);
		try {
			const failure = await sender.send(`${url}?status=${status}`, STANDARD_SECRET, 'evt_1', '{}').then(
				() => undefined,
				(error: unknown) => error,
			);
			expect(failure).toBeInstanceOf(DeliveryFailure);
			expect((failure as DeliveryFailure).message).toBe(message);
			expect((failure as DeliveryFailure).status).toBe(status);
		} finally {
			sender.close();
		}
	});

	it('a network failure: the error code, no more', async () => {
		const sender = new Sender(parseTargetRules(['loopback']), 2_000, 100);
		try {
			const closed = createServer();
			await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
			const port = (closed.address() as AddressInfo).port;
			await new Promise<void>((resolve) => closed.close(() => resolve()));
			const failure = (await sender.send(`http://127.0.0.1:${port}/`, STANDARD_SECRET, 'evt_1', '{}').catch((error: unknown) => error)) as DeliveryFailure;
			expect(failure.message).toBe('ECONNREFUSED');
		} finally {
			sender.close();
		}
	});
});

describe('metadata addresses wrapped in IPv6, under a * allowlist', () => {
	const any = parseTargetRules(['*']);
	const wrapped = [
		'64:ff9b::a9fe:a9fe', // NAT64 well-known prefix
		'64:ff9b::169.254.169.254',
		'64:ff9b:1::a9fe:a9fe', // NAT64 local-use prefix
		'::a9fe:a9fe', // IPv4-compatible
		'::169.254.169.254',
		'2002:a9fe:a9fe::', // 6to4
		'2002:a9fe:a9fe:1::1',
		'::ffff:a9fe:a9fe', // IPv4-mapped, hex form (as the URL parser writes it)
		'::ffff:0:a9fe:a9fe', // IPv4-translated
		'2001:0:4136:e378:8000:63bf:5601:5601', // Teredo, client 169.254.169.254 (bits inverted)
		'64:ff9b::6464:64c8', // NAT64 of Alibaba's 100.100.100.200
		'::ffff:0.0.0.0',
	];

	it.each(wrapped)('%s is refused, as a literal and as a DNS answer', (address) => {
		expect(refusal(any, `[${address}]`, address)).toMatch(/link-local or metadata/);
		expect(refusal(any, 'rebind.example', address)).toMatch(/link-local or metadata/);
		expect(refusalForLiteral(any, new URL(`http://[${address}]/hook`))).toMatch(/link-local or metadata/);
	});

	it('public addresses wrapped the same way are still allowed by *', () => {
		for (const address of ['64:ff9b::5db8:d822', '2002:5db8:d822::1', '::ffff:93.184.216.34', '2606:4700::1111']) {
			expect(refusal(any, 'example.com', address)).toBeNull();
		}
	});

	it('a wrapped loopback or private address does not count as loopback or private', () => {
		const defaults = parseTargetRules(['loopback', 'private']);
		expect(refusal(defaults, 'x', '64:ff9b::7f00:1')).toMatch(/not in RELAY_ALLOWED_TARGETS/);
		expect(refusal(defaults, 'x', '2002:c0a8:0101::')).toMatch(/not in RELAY_ALLOWED_TARGETS/);
		// The IPv4-mapped form is the same host, as before.
		expect(refusal(defaults, 'x', '::ffff:127.0.0.1')).toBeNull();
	});
});
