/**
 * 9. The admin API refuses: no token (401), a wrong token (403), the right token in the
 * wrong place (query string, cookie, other headers, other schemes: 401), and subscriptions
 * to targets the relay must never call (cloud metadata, link-local, non-HTTP schemes,
 * hosts outside the allowlist). Nothing is created by a refused request.
 */
import { httpRequest, type HttpAnswer } from '../harness/load';
import { recordRow } from '../harness/results';
import { World } from '../harness/world';

let world: World;

beforeAll(async () => {
	world = await World.create({ label: 'admin', sinks: [] });
});

afterAll(async () => {
	await world?.close();
});

function jsonError(answer: HttpAnswer): boolean {
	try {
		const body = JSON.parse(answer.body) as Record<string, unknown>;
		return typeof body.error === 'string' || typeof body.message === 'string';
	} catch {
		return false;
	}
}

const ENDPOINTS: Array<[string, string, unknown?]> = [
	['GET', '/v1/subscriptions'],
	['POST', '/v1/subscriptions', { url: 'http://127.0.0.1:9/hook' }],
	['GET', '/v1/subscriptions/sub_does_not_exist'],
	['DELETE', '/v1/subscriptions/sub_does_not_exist'],
];

test('the admin API refuses missing, wrong and misplaced tokens, and refused targets', async () => {
	const relay = world.relay;
	const token = world.token;
	const outcomes: Array<{ what: string; status: number; json: boolean; expected: number[] }> = [];
	const call = async (what: string, expected: number[], method: string, path: string, headers: Record<string, string>, body?: unknown) => {
		const answer = await httpRequest(`${relay.baseUrl}${path}`, {
			method,
			headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
			body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
		});
		outcomes.push({ what: `${what} ${method} ${path}`, status: answer.status, json: jsonError(answer), expected });
	};

	const misplaced: Array<[string, Record<string, string>, string]> = [
		['no token', {}, ''],
		['token in the query string', {}, `?token=${token}`],
		['token as access_token query', {}, `?access_token=${token}`],
		['token in a cookie', { cookie: `token=${token}` }, ''],
		['token in x-api-key', { 'x-api-key': token }, ''],
		['token without a scheme', { authorization: token }, ''],
		['token as Basic credentials', { authorization: `Basic ${Buffer.from(`admin:${token}`).toString('base64')}` }, ''],
		['empty bearer', { authorization: 'Bearer ' }, ''],
	];
	for (const [method, path, body] of ENDPOINTS) {
		for (const [what, headers, query] of misplaced) await call(what, [401], method, `${path}${query}`, headers, body);
		await call('wrong token', [403], method, path, { authorization: `Bearer ${token}x` }, body);
		await call('token of another length', [403], method, path, { authorization: `Bearer ${token.slice(0, 20)}` }, body);
	}

	const refusedTargets = [
		'http://169.254.169.254/latest/meta-data/',
		'http://metadata.google.internal/computeMetadata/v1/',
		'http://[fe80::1]/hook',
		'http://0.0.0.0:5678/webhook',
		'http://100.100.100.200/latest/meta-data/',
		'http://[::ffff:169.254.169.254]/hook',
		'http://8.8.8.8/hook',
		'https://example.com/webhook',
		'ftp://127.0.0.1/hook',
		'file:///etc/passwd',
		'javascript:alert(1)',
		'not a url',
		'',
	];
	const auth = { authorization: `Bearer ${token}` };
	for (const url of refusedTargets) await call(`refused target ${url.slice(0, 60)}`, [400, 422], 'POST', '/v1/subscriptions', auth, { url });
	await call('unknown field', [400, 422], 'POST', '/v1/subscriptions', auth, { url: 'http://127.0.0.1:5678/webhook/x', admin: true });
	await call('not JSON', [400, 415, 422], 'POST', '/v1/subscriptions', { ...auth }, '{"url":');

	const list = await relay.api('GET', '/v1/subscriptions');
	const created = (list.json as { data?: unknown[] } | undefined)?.data?.length;
	// The control: the same token in the right place works, so the refusals above are not a broken server.
	const control = await relay.api('POST', '/v1/subscriptions', { url: 'http://127.0.0.1:5678/webhook/control' });

	const wrong = outcomes.filter((o) => !o.expected.includes(o.status) || !o.json);
	recordRow({
		scenario: '9 admin API refusals',
		sent: outcomes.length,
		acknowledged: outcomes.filter((o) => o.status < 300).length,
		delivered: 0,
		lost: 0,
		duplicated: 0,
		redelivered: 0,
		unknown: 0,
		badSignatures: 0,
		wrongIds: 0,
		notes: `${outcomes.length - wrong.length}/${outcomes.length} refused as expected (401 missing/misplaced, 403 wrong, 4xx refused target) with a JSON error; subscriptions created by refused calls: ${created}`,
	});

	expect(wrong.map((o) => `${o.what}: got ${o.status}${o.json ? '' : ' (no JSON error)'}, expected ${o.expected.join('/')}`)).toEqual([]);
	expect(list.status).toBe(200);
	expect(created).toBe(0);
	expect(control.status).toBe(201);
});
