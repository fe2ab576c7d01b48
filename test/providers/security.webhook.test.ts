/**
 * Issue 12, the provider side: token stripping in the one place every event passes through,
 * a depth limit on JSON bodies, and replay windows shorter than the relay's dedup window.
 * Pure: the handlers are driven with the bytes a provider (or an attacker) would send.
 */
import { DIRECT_SIGNNOW_MAX_AGE_SECONDS, directHandlerOptions } from '../../nodes/ESignTrigger/direct/mode';
import { eventHash } from '../../nodes/providers/dropbox-sign/webhook';
import { connectSignature } from '../../nodes/providers/docusign/webhook';
import { signBody } from '../../nodes/providers/signnow/webhook';
import { MAX_JSON_DEPTH, WebhookRejection, parseJsonText, type InboundWebhook } from '../../nodes/providers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const NOW_S = Math.floor(NOW / 1000);
const DEDUP_WINDOW_MS = 72 * 3_600_000;

/** Secrets a payload may carry, each under a spelling the review found forwarded. */
const SECRETS = {
	access_token: 'leak-access-token',
	accessToken: 'leak-access-token-camel',
	refresh_token: 'leak-refresh-token',
	refreshToken: 'leak-refresh-token-camel',
	token: 'leak-token',
	api_key: 'leak-api-key',
	apiKey: 'leak-api-key-camel',
	signing_url: 'https://sign.example/leak-signing-url',
	sign_url: 'https://sign.example/leak-sign-url',
	embed_src: 'https://sign.example/leak-embed-src',
};
const LEAKS = Object.values(SECRETS);

/** The secrets at the top, one level down and deep inside a list. */
function withSecrets<T extends Record<string, unknown>>(value: T): T {
	return { ...value, ...SECRETS, nested: { ...SECRETS, list: [{ deeper: { ...SECRETS } }] } };
}

function json(body: unknown, headers: Record<string, string> = {}): InboundWebhook {
	return { rawBody: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json', ...headers } };
}

function form(fields: Record<string, string>, query: Record<string, string> = {}): InboundWebhook {
	return {
		rawBody: Buffer.from(new URLSearchParams(fields).toString()),
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		query,
	};
}

/** One valid callback per handler type, every secret spelling in it. */
const CASES: Array<[string, unknown, InboundWebhook]> = [
	[
		'signnow',
		{},
		json({
			meta: { event: 'document.complete', timestamp: NOW_S, access_token: 'leak-meta-token' },
			content: withSecrets({ document_id: 'doc-1', keep: 'kept' }),
		}),
	],
	[
		'documenso',
		{},
		json({
			event: 'DOCUMENT_COMPLETED',
			createdAt: new Date(NOW).toISOString(),
			payload: withSecrets({ id: 1, keep: 'kept', recipients: [{ email: 'a@example.com', ...SECRETS }] }),
		}),
	],
	[
		'docuseal',
		{},
		json({ event_type: 'form.completed', timestamp: new Date(NOW).toISOString(), data: withSecrets({ id: 7, keep: 'kept' }) }),
	],
	[
		'docusign',
		{},
		json({
			event: 'envelope-completed',
			generatedDateTime: new Date(NOW).toISOString(),
			data: withSecrets({ accountId: 'a', envelopeId: 'e', keep: 'kept' }),
		}),
	],
	[
		'dropbox-sign',
		{},
		json(
			withSecrets({
				event: { event_time: String(NOW_S), event_type: 'signature_request_all_signed', event_hash: 'x'.repeat(64) },
				signature_request: withSecrets({ signature_request_id: 'sr-1', keep: 'kept' }),
			}),
		),
	],
	[
		'standard-webhooks',
		{},
		json(withSecrets({ type: 'document.signed', data: withSecrets({ document_id: 'doc-1', keep: 'kept' }) }), {
			'webhook-id': 'msg_1',
		}),
	],
	[
		'generic-hmac',
		{ signatureHeader: 'x-signature', occurredAtPath: 'time' },
		json(withSecrets({ event: 'signed', time: new Date(NOW).toISOString(), data: withSecrets({ keep: 'kept' }) })),
	],
	[
		'legalesign',
		{},
		form({ uuid: 'doc-uuid', name: 'Lease', keep: 'kept', access_token: SECRETS.access_token, accessToken: SECRETS.accessToken, api_key: SECRETS.api_key }),
	],
	['signos', {}, json(withSecrets({ event: 'document.completed', id: 'evt-1', data: withSecrets({ documentId: 'd', keep: 'kept' }) }))],
];

describe('token stripping in the handler registry (every handler type)', () => {
	it('covers every registered handler type', () => {
		expect(CASES.map(([type]) => type).sort()).toEqual(Object.keys(webhookHandlers).sort());
	});

	it.each(CASES)('%s: no access token, refresh token, API key or signing link reaches the event', (type, options, request) => {
		const handler = webhookHandlers[type];
		const events = handler.normalize(request, handler.parseOptions(options), NOW);
		expect(events.length).toBeGreaterThan(0);
		for (const event of events) {
			const text = JSON.stringify(event);
			for (const leak of [...LEAKS, 'leak-meta-token']) expect(text).not.toContain(leak);
			// Stripping removes the secrets, not the payload.
			expect(text).toContain('kept');
		}
	});
});

describe('JSON bodies nested absurdly deep', () => {
	const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
	const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

	it.each([MAX_JSON_DEPTH + 1, 5_000, 100_000])('refuses %i levels with malformed_body, naming the limit', (levels) => {
		for (const text of [deep(levels), deepObject(levels)]) {
			let caught: unknown;
			try {
				parseJsonText(text);
			} catch (error) {
				caught = error;
			}
			expect(caught).toBeInstanceOf(WebhookRejection);
			expect((caught as WebhookRejection).reason).toBe('malformed_body');
			expect((caught as WebhookRejection).status).toBe(400);
			expect((caught as WebhookRejection).message).toContain(String(MAX_JSON_DEPTH));
		}
	});

	it('accepts the limit itself, and brackets inside strings do not count', () => {
		expect(() => parseJsonText(deep(MAX_JSON_DEPTH))).not.toThrow();
		expect(parseJsonText(JSON.stringify({ text: '['.repeat(10_000) + '"\\"{' }))).toEqual({ text: '['.repeat(10_000) + '"\\"{' });
	});

	it('a correctly signed SignNow callback 100,000 levels deep is a 400 rejection, not a crash', () => {
		const body = `{"meta":{"event":"document.complete","timestamp":${NOW_S}},"content":{"x":${deep(100_000)}}}`;
		const request: InboundWebhook = {
			rawBody: Buffer.from(body),
			headers: { 'content-type': 'application/json', 'x-signnow-signature': signBody('k', body) },
		};
		const handler = webhookHandlers.signnow;
		const options = handler.parseOptions({});
		expect(() => {
			handler.verify(request, ['k'], options, NOW);
			handler.normalize(request, options, NOW);
		}).toThrow(WebhookRejection);
	});
});

describe('replay windows', () => {
	it.each(Object.keys(webhookHandlers).filter((type) => type !== 'generic-hmac'))(
		'%s: with default options, a signed message is accepted for less than the default 72 h dedup window',
		(type) => {
			const handler = webhookHandlers[type];
			const window = handler.replayWindowSeconds(handler.parseOptions({}));
			expect(window).toBeGreaterThan(0);
			expect(window * 1000).toBeLessThan(DEDUP_WINDOW_MS);
		},
	);

	it('generic-hmac: bounded by the timestamp header or the body time, unbounded with neither', () => {
		const handler = webhookHandlers['generic-hmac'];
		expect(handler.replayWindowSeconds(handler.parseOptions({ signatureHeader: 'x-sig' }))).toBe(Infinity);
		expect(handler.replayWindowSeconds(handler.parseOptions({ preset: 'yousign' })) * 1000).toBeLessThan(DEDUP_WINDOW_MS);
		expect(
			handler.replayWindowSeconds(
				handler.parseOptions({ signatureHeader: 'x-sig', timestampHeader: 'x-ts', signedPayload: '{timestamp}.{body}' }),
			),
		).toBe(600);
	});

	it('a check turned off (0) is an unbounded window', () => {
		for (const [type, options] of [
			['docusign', { maxAgeSeconds: 0 }],
			['dropbox-sign', { maxAgeSeconds: 0 }],
			['documenso', { toleranceSeconds: 0 }],
			['signos', { maxAgeSeconds: 0 }],
			['signnow', { maxAgeSeconds: 0 }],
		] as const) {
			const handler = webhookHandlers[type];
			expect(handler.replayWindowSeconds(handler.parseOptions(options))).toBe(Infinity);
		}
	});

	function signNowRequest(timestamp: unknown, secret = 'k'): InboundWebhook {
		const body = JSON.stringify({ meta: { event: 'document.complete', timestamp }, content: { document_id: 'd' } });
		return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/json', 'x-signnow-signature': signBody(secret, body) } };
	}

	function rejectionOf(fn: () => void): string | undefined {
		try {
			fn();
		} catch (error) {
			return error instanceof WebhookRejection ? error.reason : `not a rejection: ${String(error)}`;
		}
		return undefined;
	}

	it("signnow: checks meta.timestamp (a callback stamped in the year 2000 is stale)", () => {
		const handler = webhookHandlers.signnow;
		const options = handler.parseOptions({});
		expect(rejectionOf(() => handler.verify(signNowRequest(946_684_800), ['k'], options, NOW))).toBe('stale_timestamp');
		expect(rejectionOf(() => handler.verify(signNowRequest(NOW_S - 60), ['k'], options, NOW))).toBeUndefined();
		// A forged signature is still a bad signature, whatever the time says.
		expect(rejectionOf(() => handler.verify(signNowRequest(946_684_800, 'other'), ['k'], options, NOW))).toBe('bad_signature');
		// No time at all cannot be bounded.
		expect(rejectionOf(() => handler.verify(signNowRequest(undefined), ['k'], options, NOW))).toBe('malformed_body');
	});

	it('signnow in the trigger\'s direct mode: a much shorter window', () => {
		const handler = webhookHandlers.signnow;
		const options = handler.parseOptions(directHandlerOptions('signnow'));
		expect(DIRECT_SIGNNOW_MAX_AGE_SECONDS).toBeLessThanOrEqual(15 * 60);
		expect(rejectionOf(() => handler.verify(signNowRequest(946_684_800), ['k'], options, NOW))).toBe('stale_timestamp');
		expect(rejectionOf(() => handler.verify(signNowRequest(NOW_S - DIRECT_SIGNNOW_MAX_AGE_SECONDS - 5), ['k'], options, NOW))).toBe(
			'stale_timestamp',
		);
		expect(rejectionOf(() => handler.verify(signNowRequest(NOW_S - 30), ['k'], options, NOW))).toBeUndefined();
	});

	it('docusign: a message older than the dedup window is refused by default (it was accepted up to 7 days)', () => {
		const handler = webhookHandlers.docusign;
		const body = JSON.stringify({
			event: 'envelope-completed',
			generatedDateTime: new Date(NOW - 4 * 86_400_000).toISOString(),
			data: { accountId: 'a', envelopeId: 'e' },
		});
		const request: InboundWebhook = {
			rawBody: Buffer.from(body),
			headers: { 'content-type': 'application/json', 'x-docusign-signature-1': connectSignature('key', body) },
		};
		expect(rejectionOf(() => handler.verify(request, ['key'], handler.parseOptions({}), NOW))).toBe('stale_timestamp');
	});

	it('dropbox-sign: an event older than the dedup window is refused by default (it was accepted up to 4 days)', () => {
		const handler = webhookHandlers['dropbox-sign'];
		const time = String(NOW_S - Math.round(3.5 * 86_400));
		const request = json({
			event: { event_time: time, event_type: 'signature_request_signed', event_hash: eventHash('api-key', time, 'signature_request_signed') },
		});
		expect(rejectionOf(() => handler.verify(request, ['api-key'], handler.parseOptions({}), NOW))).toBe('stale_timestamp');
	});

	it('docuseal in header mode: bounded by the body timestamp', () => {
		const handler = webhookHandlers.docuseal;
		const options = handler.parseOptions({ mode: 'header', headerName: 'X-Secret' });
		expect(handler.replayWindowSeconds(options) * 1000).toBeLessThan(DEDUP_WINDOW_MS);
		const old = json(
			{ event_type: 'form.completed', timestamp: new Date(NOW - 5 * 86_400_000).toISOString(), data: { id: 1 } },
			{ 'x-secret': 's3cret' },
		);
		expect(rejectionOf(() => handler.verify(old, ['s3cret'], options, NOW))).toBe('stale_timestamp');
	});

	it('the Standard Webhooks window covers both directions of the tolerance', () => {
		const handler = webhookHandlers['standard-webhooks'];
		expect(handler.replayWindowSeconds(handler.parseOptions({ toleranceSeconds: 300 }))).toBe(600);
	});
});
