/**
 * SignNow callback verification and normalization: pure functions over the raw body, checked
 * against fixed test vectors (HMAC-SHA256 computed independently, in hex and in base64).
 */
import { signBody, signNowWebhook, SIGNNOW_EVENT_TYPES } from '../../nodes/providers/signnow/webhook';
import { stripTokens, type InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';

const SECRET = 'whsec-test-key';
const BODY =
	'{"meta":{"timestamp":1767268800,"event":"document.complete","environment":"https://api.signnow.com/","initiator_id":"u1","callback_url":"https://relay.example.com/ingest/signnow","access_token":"tok_abc123"},"content":{"document_id":"d0c1","document_name":"NDA","user_id":"u1"}}';
// HMAC-SHA256(BODY, SECRET), computed once outside the module under test.
const HEX = '3b61a3fdf4ab5ad7483674ef2d3596505862ad9da268a91e252f377654ac9689';
const BASE64 = 'O2Gj/fSrWtdINnTvLTWWUFhirZ2iaKkeJS83dlSslok=';
const NOW = Date.parse('2026-01-01T12:00:00Z');

const request = (body: string, signature?: string): InboundWebhook => ({
	rawBody: Buffer.from(body),
	headers: signature === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', 'x-signnow-signature': signature },
});

describe('verify', () => {
	test('signBody produces the known hex vector', () => {
		expect(signBody(SECRET, BODY)).toBe(HEX);
	});

	test('accepts the lowercase hex form, the uppercase hex form and the base64 form', () => {
		for (const signature of [HEX, HEX.toUpperCase(), BASE64]) {
			expect(() => signNowWebhook.verify(request(BODY, signature), [SECRET], {}, NOW)).not.toThrow();
		}
	});

	test('accepts when any of several secrets (a rotation) matches', () => {
		expect(() => signNowWebhook.verify(request(BODY, HEX), ['old-secret', SECRET], {}, NOW)).not.toThrow();
	});

	test('rejects a tampered body with 401 bad_signature', () => {
		const tampered = BODY.replace('"NDA"', '"NDB"');
		const error = rejection(() => signNowWebhook.verify(request(tampered, HEX), [SECRET], {}, NOW));
		expect(error.reason).toBe('bad_signature');
		expect(error.status).toBe(401);
	});

	test('rejects a signature made with another secret', () => {
		const error = rejection(() => signNowWebhook.verify(request(BODY, signBody('wrong-secret', BODY)), [SECRET], {}, NOW));
		expect(error.reason).toBe('bad_signature');
	});

	test('rejects a missing header with missing_signature', () => {
		const error = rejection(() => signNowWebhook.verify(request(BODY), [SECRET], {}, NOW));
		expect(error.reason).toBe('missing_signature');
		expect(error.status).toBe(401);
	});

	test('rejects garbage and truncated signatures', () => {
		for (const signature of ['', 'not-a-signature', HEX.slice(0, 63), BASE64.slice(0, 20)]) {
			expect(rejection(() => signNowWebhook.verify(request(BODY, signature), [SECRET], {}, NOW)).reason).toMatch(/signature/);
		}
	});
});

describe('normalize', () => {
	test('maps the event, keeps the document, and removes the access token', () => {
		const [event] = signNowWebhook.normalize(request(BODY, HEX), {}, NOW);
		expect(event).toMatchObject({
			provider: 'signnow',
			type: 'document.completed',
			providerEvent: 'document.complete',
			documentId: 'd0c1',
			documentName: 'NDA',
			occurredAt: '2026-01-01T12:00:00.000Z',
		});
		expect(JSON.stringify(event)).not.toContain('tok_abc123');
		expect((event.payload as { meta: Record<string, unknown> }).meta).not.toHaveProperty('access_token');
		expect((event.payload as { meta: Record<string, unknown> }).meta.event).toBe('document.complete');
	});

	test('the same callback delivered twice gets the same id; another event a different one', () => {
		const [first] = signNowWebhook.normalize(request(BODY), {}, NOW);
		const [retry] = signNowWebhook.normalize(request(BODY), {}, NOW + 60_000);
		const [other] = signNowWebhook.normalize(request(BODY.replace('"d0c1"', '"d0c2"')), {}, NOW);
		expect(retry.id).toBe(first.id);
		expect(other.id).not.toBe(first.id);
	});

	test('user-level events map like document-level ones; unknown events become "other"', () => {
		const userLevel = BODY.replace('"document.complete"', '"user.document.fieldinvite.signed"');
		expect(signNowWebhook.normalize(request(userLevel), {}, NOW)[0].type).toBe('invite.signed');
		const unknown = BODY.replace('"document.complete"', '"document.something.new"');
		expect(signNowWebhook.normalize(request(unknown), {}, NOW)[0].type).toBe('other');
		expect(SIGNNOW_EVENT_TYPES['user.document.complete']).toBe('document.completed');
	});

	test('a body that is not a SignNow callback is malformed (400)', () => {
		for (const body of ['not json', '[]', '{"content":{}}', '{"meta":{"event":42}}']) {
			const error = rejection(() => signNowWebhook.normalize(request(body), {}, NOW));
			expect(error.reason).toBe('malformed_body');
			expect(error.status).toBe(400);
		}
	});

	test('stripTokens removes tokens at any depth, and nothing else', () => {
		expect(
			stripTokens({ meta: { access_token: 'a', keep: 1 }, list: [{ refresh_token: 'r', token: 't', tokenized: true }], n: null }),
		).toEqual({ meta: { keep: 1 }, list: [{ tokenized: true }], n: null });
	});
});
