/**
 * The simulator refuses what SignNow refuses (a simulator that accepts more than the real
 * service hides bugs), answers in SignNow's error shape, and signs callbacks in either encoding.
 * Plus the transport's Retry-After arithmetic.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { retryDelayMs } from '../../nodes/ESign/transport';
import { signNowWebhook } from '../../nodes/providers/signnow/webhook';
import { contractPdf } from '../helpers';
import { simulatorControl, startSignNowSimulator, type SignNowSimulator } from '../simulators/signnow';

let sim: SignNowSimulator;

beforeEach(async () => {
	sim = await startSignNowSimulator();
});

afterEach(async () => {
	await sim.close();
});

const auth = () => ({ authorization: `Bearer ${sim.apiKey}` });

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = auth()) {
	const response = await fetch(`${sim.url}${path}`, {
		method,
		headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

async function uploadDocument(pages = 1): Promise<string> {
	const form = new FormData();
	form.append('file', new Blob([contractPdf('Sim', pages)], { type: 'application/pdf' }), 'sim.pdf');
	const response = await fetch(`${sim.url}/document`, { method: 'POST', headers: auth(), body: form });
	expect(response.status).toBe(200);
	return ((await response.json()) as { id: string }).id;
}

const field = (over: Record<string, unknown> = {}) => ({ type: 'signature', role: 'Signer 1', page_number: 0, x: 10, y: 10, width: 100, height: 30, required: true, ...over });

describe('what SignNow refuses', () => {
	test('the token endpoint wants Basic client auth and a known grant', async () => {
		const form = { 'content-type': 'application/x-www-form-urlencoded' };
		const noClient = await fetch(`${sim.url}/oauth2/token`, { method: 'POST', headers: form, body: 'grant_type=password' });
		expect(noClient.status).toBe(401);
		expect(await noClient.json()).toEqual({ errors: [{ code: 65536, message: 'invalid_client' }] });
		const basic = `Basic ${Buffer.from(`${sim.application.clientId}:${sim.application.clientSecret}`).toString('base64')}`;
		const unknownGrant = await fetch(`${sim.url}/oauth2/token`, { method: 'POST', headers: { ...form, authorization: basic }, body: 'grant_type=client_credentials' });
		expect(unknownGrant.status).toBe(400);
		const good = await fetch(`${sim.url}/oauth2/token`, {
			method: 'POST',
			headers: { ...form, authorization: basic },
			body: new URLSearchParams({ grant_type: 'password', username: sim.user.email, password: sim.user.password, scope: '*' }).toString(),
		});
		expect(good.status).toBe(200);
		expect(await good.json()).toMatchObject({ token_type: 'bearer', expires_in: 2592000, scope: '*' });
	});

	test('API calls without a valid Bearer token are 401', async () => {
		expect((await call('GET', '/user', undefined, {})).status).toBe(401);
		expect((await call('GET', '/user', undefined, { authorization: 'Bearer nope' })).json).toEqual({ errors: [{ code: 1537, message: 'invalid_token' }] });
	});

	test('uploads must be multipart files of a type SignNow takes; a .pdf must be a PDF', async () => {
		expect((await call('POST', '/document', { file: 'x' })).status).toBe(400);
		for (const [bytes, name] of [[Buffer.from('hello'), 'a.txt'], [Buffer.from('not a pdf'), 'fake.pdf']] as const) {
			const form = new FormData();
			form.append('file', new Blob([bytes]), name);
			const response = await fetch(`${sim.url}/document`, { method: 'POST', headers: auth(), body: form });
			expect(response.status).toBe(400);
		}
		expect(sim.state.documents.size).toBe(0);
	});

	test('fields on a page that does not exist, without a role, or of an unknown type are refused', async () => {
		const id = await uploadDocument(1);
		for (const bad of [field({ page_number: 1 }), field({ role: '' }), field({ type: 'stamp' }), field({ required: undefined }), field({ x: -1 })]) {
			const answer = await call('PUT', `/document/${id}`, { fields: [bad] });
			expect(answer.status).toBe(400);
			expect(answer.json.errors[0]).toEqual({ code: 65535, message: expect.any(String) });
		}
		expect((await call('PUT', `/document/${id}`, { fields: [field()] })).status).toBe(200);
	});

	test('invites: unknown role_id, missing roles, wrong sender and free form on a document with fields are refused', async () => {
		const id = await uploadDocument(1);
		await call('PUT', `/document/${id}`, { fields: [field(), field({ role: 'Signer 2' })] });
		const roles = (await call('GET', `/document/${id}`)).json.roles as Array<{ unique_id: string; name: string }>;
		const to = (roleIndex: number, email: string) => ({ email, role_id: roles[roleIndex].unique_id, role: roles[roleIndex].name, order: 1 });
		expect((await call('POST', `/document/${id}/invite`, { to: [{ ...to(0, 'a@x.io'), role_id: 'nope' }, to(1, 'b@x.io')], from: sim.user.email })).json.errors[0].message).toMatch(/role_id "nope"/);
		expect((await call('POST', `/document/${id}/invite`, { to: [to(0, 'a@x.io')], from: sim.user.email })).json.errors[0].message).toMatch(/missing: Signer 2/);
		expect((await call('POST', `/document/${id}/invite`, { to: [to(0, 'a@x.io'), to(1, 'b@x.io')], from: 'someone@else.io' })).status).toBe(400);
		expect((await call('POST', `/document/${id}/invite`, { to: 'a@x.io', from: sim.user.email })).status).toBe(400);
		expect((await call('POST', `/document/${id}/invite`, { to: [to(0, 'a@x.io'), to(1, 'b@x.io')], from: sim.user.email })).json).toEqual({ status: 'success' });
		// Fields cannot change while an invite is pending.
		expect((await call('PUT', `/document/${id}`, { fields: [field()] })).status).toBe(400);
	});

	test('event subscriptions need a known event, an owned entity and a callback URL', async () => {
		const id = await uploadDocument();
		const base = { event: 'document.complete', entity_id: id, action: 'callback', attributes: { callback: 'https://example.com/hook' } };
		expect((await call('POST', '/api/v2/events', { ...base, event: 'document.explode' })).status).toBe(400);
		expect((await call('POST', '/api/v2/events', { ...base, entity_id: 'someone-elses' })).status).toBe(404);
		expect((await call('POST', '/api/v2/events', { ...base, attributes: {} })).status).toBe(400);
		expect((await call('POST', '/api/v2/events', { ...base, event: 'user.document.complete' })).status).toBe(400);
		expect(await call('POST', '/api/v2/events', base)).toMatchObject({ status: 200, json: {} });
	});

	test('unknown routes answer SignNow\'s 404 shape; 429 carries Retry-After', async () => {
		expect((await call('GET', '/nowhere')).json).toEqual({ 404: 'Unable to find a route to match the URI: /nowhere' });
		await simulatorControl(sim).rateLimit(1, 7);
		const limited = await call('GET', '/user');
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('7');
		expect((await call('GET', '/user')).status).toBe(200);
	});
});

describe('callbacks', () => {
	test.each(['hex', 'base64'] as const)('signed in %s, verifiable, with the token only when not deleted', async (encoding) => {
		await sim.close();
		sim = await startSignNowSimulator({ signatureEncoding: encoding });
		const received: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(204).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/in`;
			const id = await uploadDocument();
			await call('POST', '/api/v2/events', { event: 'document.freeform.signed', entity_id: id, action: 'callback', attributes: { callback: hook }, secret_key: 'k1' });
			await call('POST', '/api/v2/events', { event: 'document.complete', entity_id: id, action: 'callback', attributes: { callback: hook, delete_access_token: true, secret_key: 'k2' } });
			await call('POST', `/document/${id}/invite`, { to: 'signer@x.io', from: sim.user.email });
			await simulatorControl(sim).sign(id);
			expect(received).toHaveLength(2);
			const [signed, complete] = received;
			const signature = String(signed.headers['x-signnow-signature']);
			expect(signature).toMatch(encoding === 'hex' ? /^[0-9a-f]{64}$/ : /^[A-Za-z0-9+/]{43}=$/);
			expect(() => signNowWebhook.verify({ rawBody: signed.body, headers: signed.headers }, ['k1'], {}, Date.now())).not.toThrow();
			expect(() => signNowWebhook.verify({ rawBody: complete.body, headers: complete.headers }, ['k2'], {}, Date.now())).not.toThrow();
			expect(JSON.parse(signed.body.toString()).meta.access_token).toBe(sim.apiKey);
			expect(JSON.parse(complete.body.toString()).meta).not.toHaveProperty('access_token');
			expect(sim.state.deliveries.map((delivery) => delivery.status)).toEqual([204, 204]);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});
});

describe('Retry-After', () => {
	const limits = { maxRetries: 3, defaultRetryAfterMs: 5_000, maxWaitMs: 60_000 };
	const now = Date.parse('2026-01-01T00:00:00Z');

	test('reads delay-seconds and HTTP dates, falls back to the default, and caps the wait', () => {
		expect(retryDelayMs('2', limits, now)).toBe(2_000);
		expect(retryDelayMs('0', limits, now)).toBe(0);
		expect(retryDelayMs('Thu, 01 Jan 2026 00:00:30 GMT', limits, now)).toBe(30_000);
		expect(retryDelayMs('Wed, 31 Dec 2025 23:59:00 GMT', limits, now)).toBe(0);
		expect(retryDelayMs(undefined, limits, now)).toBe(5_000);
		expect(retryDelayMs('soon', limits, now)).toBe(5_000);
		expect(retryDelayMs('3600', limits, now)).toBe(60_000);
	});
});
