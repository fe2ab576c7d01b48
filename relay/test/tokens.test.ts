/**
 * Subscriber tokens against a real relay and Redis, attacked: another token's ids on every
 * route (404, never 403, so ids cannot be probed), a revoked token, the cap (also under
 * concurrent creates), forged tokens, and the CLI that manages them.
 */
import * as crypto from 'node:crypto';

import { Redis } from 'ioredis';

// Records every timingSafeEqual call (node:crypto's own properties cannot be spied on).
jest.mock('node:crypto', () => {
	const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
	return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

import type { Relay } from '../src/app';
import { deliveryId } from '../src/deliveries';
import { tokenCommand } from '../src/token-command';
import { hashesMatch } from '../src/tokens';
import { Sink, TOKEN, api, cleanRedis, post, signNowCallback, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

const prefix = uniquePrefix('tokens');
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
let relay: Relay;
let sinkA: Sink;
let sinkB: Sink;

interface Created {
	id: string;
	token: string;
}

async function createToken(body: Record<string, unknown>): Promise<Created> {
	const response = await api(relay, 'POST', '/v1/tokens', body);
	expect(response.status).toBe(201);
	return { id: response.json.id as string, token: response.json.token as string };
}

async function ingest(documentId: string): Promise<string> {
	const callback = signNowCallback({ documentId });
	const response = await post(`${relay.url}/ingest/signnow`, callback.body, callback.headers);
	expect(response.status).toBe(200);
	return (response.json as { events: Array<{ id: string }> }).events[0].id;
}

beforeAll(async () => {
	sinkA = await new Sink().start();
	sinkB = await new Sink().start();
	sinkB.handler = (_request, _index, res) => {
		res.writeHead(502).end();
	};
	relay = await startRelay(prefix, { tokenMaxSubscriptions: 3 });
});

afterAll(async () => {
	await relay.stop();
	await Promise.all([sinkA.close(), sinkB.close()]);
	await cleanRedis(prefix);
	redis.disconnect();
});

describe('two tenants', () => {
	let a: Created;
	let b: Created;
	let subA: string;
	let subB: string;
	let eventA: string;
	let eventB: string;

	beforeAll(async () => {
		a = await createToken({ name: 'n8n of tenant A' });
		b = await createToken({ name: 'n8n of tenant B' });
		const createdA = await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_tenant_a' }, a.token);
		const createdB = await api(relay, 'POST', '/v1/subscriptions', { url: sinkB.url, documentId: 'doc_tenant_b' }, b.token);
		expect(createdA.status).toBe(201);
		expect(createdB.status).toBe(201);
		expect(createdA.json).toMatchObject({ owner: a.id, secret: expect.stringMatching(/^whsec_/) });
		subA = createdA.json.id as string;
		subB = createdB.json.id as string;
		eventA = await ingest('doc_tenant_a');
		eventB = await ingest('doc_tenant_b');
		await waitFor(() => sinkA.received.some((r) => r.headers['webhook-id'] === `signnow:${eventA}`), 10_000, "A's delivery");
		// B's target answers 502: after 3 attempts its delivery is a dead letter.
		await waitFor(async () => (await api(relay, 'GET', `/v1/deliveries/${deliveryId(subB, 'signnow', eventB)}`)).json.status === 'dead', 10_000, "B's dead letter");
	});

	it('stores only a hash of each token', async () => {
		const stored = await redis.hgetall(`${prefix}tokens`);
		const text = JSON.stringify(stored);
		expect(text).not.toContain(a.token);
		expect(text).not.toContain(a.token.slice(-43));
		expect(JSON.parse(stored[a.id]) as Record<string, unknown>).toMatchObject({
			hash: crypto.createHash('sha256').update(a.token).digest('hex'),
		});
		const listed = await api(relay, 'GET', '/v1/tokens');
		expect(JSON.stringify(listed.json)).not.toMatch(/hash|rst_/);
		expect(listed.json.data).toEqual(
			expect.arrayContaining([expect.objectContaining({ id: a.id, name: 'n8n of tenant A', subscriptions: 1, maxSubscriptions: null })]),
		);
	});

	it("lists, reads and tests only its own subscriptions; another tenant's id is a 404", async () => {
		const listed = await api(relay, 'GET', '/v1/subscriptions', undefined, a.token);
		expect(listed.status).toBe(200);
		expect((listed.json.data as Array<{ id: string }>).map((s) => s.id)).toEqual([subA]);
		expect((await api(relay, 'GET', `/v1/subscriptions/${subA}`, undefined, a.token)).status).toBe(200);
		for (const [method, path] of [
			['GET', `/v1/subscriptions/${subB}`],
			['POST', `/v1/subscriptions/${subB}/test`],
			['DELETE', `/v1/subscriptions/${subB}`],
			['GET', `/v1/deliveries/${deliveryId(subB, 'signnow', eventB)}`],
			['POST', `/v1/deliveries/${deliveryId(subB, 'signnow', eventB)}/retry`],
			['GET', `/v1/deliveries?subscriptionId=${subB}`],
			['GET', `/v1/events/${eventB}`],
			['GET', `/v1/events/${eventB}?source=signnow`],
			['GET', '/v1/subscriptions/sub_000000000000000000000000'],
		]) {
			const response = await api(relay, method, path, undefined, a.token);
			expect([method, path, response.status]).toEqual([method, path, 404]);
		}
		const replay = await api(relay, 'POST', '/v1/dead-letter/replay', { subscriptionId: subB }, a.token);
		expect(replay.status).toBe(404);
		// B's subscription and dead letter are untouched by all of that.
		expect((await api(relay, 'GET', `/v1/subscriptions/${subB}`, undefined, b.token)).status).toBe(200);
		expect((await api(relay, 'GET', `/v1/deliveries/${deliveryId(subB, 'signnow', eventB)}`)).json.status).toBe('dead');
	});

	it('reads the events and deliveries of its own subscriptions, and replays only its own dead letters', async () => {
		const event = await api(relay, 'GET', `/v1/events/${eventA}`, undefined, a.token);
		expect(event.status).toBe(200);
		expect(event.json).toMatchObject({ id: eventA, documentId: 'doc_tenant_a' });
		const deliveries = await api(relay, 'GET', '/v1/deliveries', undefined, a.token);
		expect((deliveries.json.data as Array<{ subscriptionId: string }>).every((d) => d.subscriptionId === subA)).toBe(true);
		expect((deliveries.json.data as unknown[]).length).toBeGreaterThan(0);
		// Without a subscription id, A's replay covers A's subscriptions only: B's dead letter stays dead.
		expect((await api(relay, 'POST', '/v1/dead-letter/replay', {}, a.token)).json).toEqual({ replayed: 0 });
		await sleep(200);
		expect((await api(relay, 'GET', `/v1/deliveries/${deliveryId(subB, 'signnow', eventB)}`)).json.status).toBe('dead');
		// B may retry its own.
		expect((await api(relay, 'POST', `/v1/deliveries/${deliveryId(subB, 'signnow', eventB)}/retry`, undefined, b.token)).status).toBe(202);
	});

	it('cannot read an event that arrived before its subscription existed', async () => {
		const earlier = await ingest('doc_before_subscribing');
		const late = await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_before_subscribing' }, a.token);
		expect(late.status).toBe(201);
		expect((await api(relay, 'GET', `/v1/events/${earlier}`, undefined, a.token)).status).toBe(404);
		expect((await api(relay, 'GET', `/v1/events/${earlier}`)).status).toBe(200);
		expect((await api(relay, 'DELETE', `/v1/subscriptions/${late.json.id as string}`, undefined, a.token)).status).toBe(204);
	});

	it('cannot manage tokens', async () => {
		expect((await api(relay, 'GET', '/v1/tokens', undefined, a.token)).status).toBe(403);
		expect((await api(relay, 'POST', '/v1/tokens', { name: 'mine now' }, a.token)).status).toBe(403);
		expect((await api(relay, 'DELETE', `/v1/tokens/${b.id}`, undefined, a.token)).status).toBe(403);
		expect((await api(relay, 'GET', '/v1/subscriptions', undefined, b.token)).status).toBe(200);
	});

	it('the admin token still sees and manages everything', async () => {
		const all = await api(relay, 'GET', '/v1/subscriptions', undefined, TOKEN);
		expect((all.json.data as Array<{ id: string }>).map((s) => s.id)).toEqual(expect.arrayContaining([subA, subB]));
		expect((await api(relay, 'GET', `/v1/events/${eventB}`)).status).toBe(200);
		expect((await api(relay, 'GET', `/v1/deliveries/${deliveryId(subA, 'signnow', eventA)}`)).status).toBe(200);
	});

	it('deletes its own subscription; a revoked token is refused everywhere, its subscriptions stay', async () => {
		const extra = await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_extra' }, a.token);
		expect((await api(relay, 'DELETE', `/v1/subscriptions/${extra.json.id as string}`, undefined, a.token)).status).toBe(204);
		expect((await api(relay, 'GET', `/v1/subscriptions/${extra.json.id as string}`)).status).toBe(404);

		expect((await api(relay, 'DELETE', `/v1/tokens/${b.id}`)).status).toBe(204);
		expect((await api(relay, 'DELETE', `/v1/tokens/${b.id}`)).status).toBe(404);
		for (const [method, path] of [
			['GET', '/v1/subscriptions'],
			['GET', `/v1/subscriptions/${subB}`],
			['DELETE', `/v1/subscriptions/${subB}`],
			['POST', '/v1/subscriptions'],
		]) {
			const response = await api(relay, method, path, method === 'POST' ? { url: sinkB.url } : undefined, b.token);
			expect([method, path, response.status]).toEqual([method, path, 403]);
		}
		expect((await api(relay, 'GET', `/v1/subscriptions/${subB}`)).status).toBe(200);
	});
});

describe('the cap', () => {
	it('refuses a subscription beyond the token cap, also when the creates race, and frees a place on delete', async () => {
		const capped = await createToken({ name: 'capped', maxSubscriptions: 2 });
		const attempts = await Promise.all(
			Array.from({ length: 6 }, (_, n) => api(relay, 'POST', '/v1/subscriptions', { url: `${sinkA.url}?n=${n}`, documentId: 'doc_cap' }, capped.token)),
		);
		const statuses = attempts.map((r) => r.status).sort();
		expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
		const refused = attempts.find((r) => r.status === 409)!;
		expect(refused.json).toMatchObject({ error: 'subscription_limit', message: expect.stringContaining('2 subscriptions') });
		expect((await api(relay, 'GET', '/v1/subscriptions', undefined, capped.token)).json.data).toHaveLength(2);
		const first = attempts.find((r) => r.status === 201)!.json.id as string;
		expect((await api(relay, 'DELETE', `/v1/subscriptions/${first}`, undefined, capped.token)).status).toBe(204);
		expect((await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_cap' }, capped.token)).status).toBe(201);
		// A subscription deleted by the admin frees its owner's place too.
		const owned = (await api(relay, 'GET', '/v1/subscriptions', undefined, capped.token)).json.data as Array<{ id: string }>;
		expect((await api(relay, 'DELETE', `/v1/subscriptions/${owned[0].id}`)).status).toBe(204);
		expect((await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_cap' }, capped.token)).status).toBe(201);
	});

	it('applies RELAY_TOKEN_MAX_SUBSCRIPTIONS to a token created without a cap of its own', async () => {
		const plain = await createToken({ name: 'default cap' });
		for (let n = 0; n < 3; n += 1) {
			expect((await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_default_cap' }, plain.token)).status).toBe(201);
		}
		expect((await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_default_cap' }, plain.token)).status).toBe(409);
	});
});

describe('forged tokens', () => {
	it('refuses near misses with 403 (never a 500), comparing fixed-length digests in constant time', async () => {
		const real = await createToken({ name: 'target' });
		const other = await createToken({ name: 'other' });
		const secret = real.token.slice(-43);
		const flipped = `${real.token.slice(0, -1)}${real.token.endsWith('A') ? 'B' : 'A'}`;
		const forgeries = [
			flipped,
			real.token.slice(0, -1),
			`${real.token}A`,
			`${other.token.slice(0, -43)}${secret}`,
			`rst_${'0'.repeat(24)}_${secret}`,
			real.token.toUpperCase(),
			'rst_',
			`${TOKEN}x`,
		];
		const spy = crypto.timingSafeEqual as jest.MockedFunction<typeof crypto.timingSafeEqual>;
		spy.mockClear();
		{
			for (const forged of forgeries) {
				const response = await api(relay, 'GET', '/v1/subscriptions', undefined, forged);
				expect([forged, response.status]).toEqual([forged, 403]);
			}
			// The flipped last character reached the comparison, and it compared two 32-byte digests.
			const compared = spy.mock.calls.filter(([left, right]) => (left as Buffer).length === 32 && (right as Buffer).length === 32);
			// Each forgery is compared with the admin token; the two well-formed ones that name an
			// existing token id (flipped last character, another token's id) once more, with its digest.
			expect(compared).toHaveLength(forgeries.length + 2);
		}
		expect(hashesMatch(crypto.createHash('sha256').update(real.token).digest('hex'), real.token)).toBe(true);
		expect(hashesMatch('abcd', real.token)).toBe(false);
		expect((await api(relay, 'GET', '/v1/subscriptions', undefined, real.token)).status).toBe(200);
	});
});

describe('esign-relay token', () => {
	function capture() {
		const lines = { out: '', err: '' };
		return { lines, io: { out: (text: string) => (lines.out += text), err: (text: string) => (lines.err += text) } };
	}

	it('creates a working token, lists it with its subscription count, and revokes it', async () => {
		const created = capture();
		expect(await tokenCommand(['create', '--name', 'n8n production', '--max-subscriptions', '5'], relay.config, created.io)).toBe(0);
		const token = /(rst_[0-9a-f]{24}_[A-Za-z0-9_-]{43})/.exec(created.lines.out)?.[1];
		const id = /(tok_[0-9a-f]{24})/.exec(created.lines.out)?.[1];
		expect(token).toBeDefined();
		expect(created.lines.out).toContain('up to 5 subscriptions');
		expect((await api(relay, 'POST', '/v1/subscriptions', { url: sinkA.url, documentId: 'doc_cli' }, token!)).status).toBe(201);

		const listed = capture();
		expect(await tokenCommand(['list'], relay.config, listed.io)).toBe(0);
		expect(listed.lines.out).toMatch(new RegExp(`${id!}\\s+n8n production\\s+1/5`));
		expect(listed.lines.out).not.toContain(token!);

		const revoked = capture();
		expect(await tokenCommand(['revoke', id!], relay.config, revoked.io)).toBe(0);
		expect((await api(relay, 'GET', '/v1/subscriptions', undefined, token!)).status).toBe(403);
		const again = capture();
		expect(await tokenCommand(['revoke', id!], relay.config, again.io)).toBe(1);
		expect(again.lines.err).toContain(`no token ${id!}`);
	});

	it('explains wrong usage with exit code 2', async () => {
		for (const args of [[], ['create'], ['create', '--name', 'x', '--max-subscriptions', 'lots'], ['create', '--nam', 'x'], ['revoke'], ['rotate']]) {
			const run = capture();
			expect([args.join(' '), await tokenCommand(args, relay.config, run.io)]).toEqual([args.join(' '), 2]);
			expect(run.lines.err).toContain('Usage:');
		}
	});
});
