/**
 * fast-check arbitraries for requests the relay must refuse: every one names the category
 * it belongs to and the statuses that would be a correct refusal. Each carries a fresh
 * document id, so a request wrongly accepted would be a new event (not a deduplicated one)
 * and show up as enqueued.
 */
import { randomBytes } from 'node:crypto';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';

import { signBody } from '../../../nodes/providers/signnow/webhook';
import { generateSecret, sign } from '../../../nodes/providers/standard-webhooks/signature';
import { makeEvent, type SourceSpec } from './provider';
import type { RawRequest } from './raw-http';

export interface BadRequest extends RawRequest {
	category: string;
	/** Statuses that are a correct refusal for this category. */
	expected: number[];
}

let counter = 0;
function freshKey(): string {
	counter++;
	return `bad-${process.pid}-${counter}-${randomBytes(3).toString('hex')}`;
}

const JSON_TYPE = 'content-type: application/json';

/** Bodies that are not JSON at all (or not a JSON object with the fields a provider sends). */
const notJson = fc.oneof(
	fc.string({ minLength: 1, maxLength: 200 }).filter((text) => {
		try {
			JSON.parse(text);
			return false;
		} catch {
			return true;
		}
	}),
	fc.constantFrom('{', '{"meta":', '[1,2', 'null', '42', '"text"', '[]', '{}', '{"meta":{}}', '{"meta":{"event":7}}', 'a=1&b=2', '\u0000\u0001'),
);

export function badRequestArbitrary(
	signnow: SourceSpec,
	standard: SourceSpec,
	bodyLimit: number,
	unknownSourceName: () => string,
): fc.Arbitrary<BadRequest> {
	const sn = `/ingest/${signnow.name}`;
	const sw = `/ingest/${standard.name}`;
	const snSecret = signnow.secrets[0];
	const swSecret = standard.secrets[0];
	const nowSeconds = () => Math.floor(Date.now() / 1000);

	const forgedSignNow = fc
		.oneof(
			fc.constant('other-secret'),
			fc.constant('random-hex'),
			fc.constant('random-base64'),
			fc.constant('empty'),
			fc.string({ maxLength: 80 }).map((s) => `junk:${s}`),
		)
		.map((how): BadRequest => {
			const { body } = makeEvent(signnow, freshKey());
			let signature: string;
			if (how === 'other-secret') signature = signBody(randomBytes(16).toString('hex'), body);
			else if (how === 'random-hex') signature = randomBytes(32).toString('hex');
			else if (how === 'random-base64') signature = randomBytes(32).toString('base64');
			else if (how === 'empty') signature = '';
			else signature = how.slice(5).replace(/[\r\n\0]/g, '');
			return {
				category: 'forged signature (SignNow)',
				expected: [401],
				method: 'POST',
				path: sn,
				headerLines: [JSON_TYPE, `x-signnow-signature: ${signature}`],
				body,
			};
		});

	const missingSignature = fc.constantFrom(sn, sw).map(
		(path): BadRequest => ({
			category: 'missing signature',
			expected: [401],
			method: 'POST',
			path,
			headerLines: [JSON_TYPE],
			body: makeEvent(path === sn ? signnow : standard, freshKey()).body,
		}),
	);

	const tampered = fc
		.record({ provider: fc.constantFrom('signnow', 'standard'), position: fc.nat(), byte: fc.integer({ min: 1, max: 255 }) })
		.map(({ provider, position, byte }): BadRequest => {
			const source = provider === 'signnow' ? signnow : standard;
			const event = makeEvent(source, freshKey());
			const headers = event.headers();
			const body = Buffer.from(event.body);
			const at = position % body.length;
			body[at] = body[at] ^ byte;
			return {
				category: 'tampered body',
				expected: [401],
				method: 'POST',
				path: provider === 'signnow' ? sn : sw,
				headerLines: Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
				body,
			};
		});

	const badTimestamp = fc
		.oneof(
			// 30 s beyond the 300 s window: the request is sent a moment after it is generated.
			fc.integer({ min: 330, max: 10 * 365 * 86_400 }).map((s) => -s),
			fc.integer({ min: 330, max: 10 * 365 * 86_400 }),
		)
		.map((offset): BadRequest => {
			const key = freshKey();
			const { body } = makeEvent(standard, key);
			const timestamp = nowSeconds() + offset;
			return {
				category: offset < 0 ? 'stale timestamp' : 'future timestamp',
				expected: [401],
				method: 'POST',
				path: sw,
				headerLines: [
					JSON_TYPE,
					`webhook-id: msg_${key}`,
					`webhook-timestamp: ${timestamp}`,
					`webhook-signature: ${sign(swSecret, `msg_${key}`, timestamp, body)}`,
				],
				body,
			};
		});

	const forgedStandard = fc
		.constantFrom('other-secret', 'v2-scheme', 'random', 'not-a-number-timestamp', 'other-id')
		.map((how): BadRequest => {
			const key = freshKey();
			const { body } = makeEvent(standard, key);
			const ts = nowSeconds();
			let signature = sign(swSecret, `msg_${key}`, ts, body);
			let timestamp = String(ts);
			let id = `msg_${key}`;
			if (how === 'other-secret') signature = sign(generateSecret(), id, ts, body);
			if (how === 'v2-scheme') signature = signature.replace(/^v1,/, 'v2,');
			if (how === 'random') signature = `v1,${randomBytes(32).toString('base64')}`;
			if (how === 'not-a-number-timestamp') timestamp = `${ts}.5`;
			if (how === 'other-id') id = `msg_${freshKey()}`;
			return {
				category: 'forged signature (Standard Webhooks)',
				expected: [401],
				method: 'POST',
				path: sw,
				headerLines: [JSON_TYPE, `webhook-id: ${id}`, `webhook-timestamp: ${timestamp}`, `webhook-signature: ${signature}`],
				body,
			};
		});

	const oversized = fc.integer({ min: bodyLimit + 1, max: bodyLimit * 3 }).map((size): BadRequest => {
		const event = makeEvent(signnow, freshKey(), { bytes: size });
		return {
			category: 'oversized body',
			expected: [413],
			method: 'POST',
			path: sn,
			headerLines: Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`),
			body: event.body,
		};
	});

	const truncated = fc.double({ min: 0, max: 0.99, noNaN: true }).map((fraction): BadRequest => {
		const event = makeEvent(signnow, freshKey());
		// Signed over the whole body, sent cut short (with a Content-Length that matches what is sent).
		return {
			category: 'truncated body',
			expected: [400, 401],
			method: 'POST',
			path: sn,
			headerLines: Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`),
			body: event.body.subarray(0, Math.floor(event.body.length * fraction)),
		};
	});

	const wrongContentType = fc
		.record({
			type: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'image/png', null),
			provider: fc.constantFrom('signnow', 'standard'),
		})
		.map(({ type, provider }): BadRequest => {
			const event = makeEvent(provider === 'signnow' ? signnow : standard, freshKey());
			const headers = Object.entries(event.headers()).filter(([k]) => k !== 'content-type');
			return {
				category: 'wrong content type (correctly signed)',
				expected: [400, 415],
				method: 'POST',
				path: provider === 'signnow' ? sn : sw,
				headerLines: [...headers.map(([k, v]) => `${k}: ${v}`), ...(type ? [`content-type: ${type}`] : [])],
				body: event.body,
			};
		});

	const invalidBodySigned = fc
		.record({ text: notJson, provider: fc.constantFrom('signnow', 'standard'), form: fc.boolean() })
		.map(({ text, provider, form }): BadRequest => {
			const body = Buffer.from(form ? `event=document.complete&document_id=${freshKey()}&${encodeURIComponent(text)}` : text);
			const contentType = form ? 'content-type: application/x-www-form-urlencoded' : JSON_TYPE;
			if (provider === 'signnow') {
				return {
					category: form ? 'form body (correctly signed)' : 'invalid JSON (correctly signed)',
					expected: form ? [400, 415] : [400],
					method: 'POST',
					path: sn,
					headerLines: [contentType, `x-signnow-signature: ${signBody(snSecret, body)}`],
					body,
				};
			}
			const id = `msg_${freshKey()}`;
			const ts = nowSeconds();
			return {
				category: form ? 'form body (correctly signed)' : 'invalid JSON (correctly signed)',
				expected: form ? [400, 415] : [400],
				method: 'POST',
				path: sw,
				headerLines: [contentType, `webhook-id: ${id}`, `webhook-timestamp: ${ts}`, `webhook-signature: ${sign(swSecret, id, ts, body)}`],
				body,
			};
		});

	const unknownSource = fc
		.oneof(
			fc.constant(null),
			fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%00', 'SIGNNOW', `${signnow.name}%20`, 'a'.repeat(300), '%E2%98%83'),
		)
		.map((name): BadRequest => {
			const event = makeEvent(signnow, freshKey());
			return {
				category: 'unknown source',
				expected: [400, 404],
				method: 'POST',
				path: `/ingest/${name ?? unknownSourceName()}`,
				headerLines: Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`),
				body: event.body,
			};
		});

	const headerInjection = fc
		.record({
			where: fc.constantFrom('value-cr', 'value-lf', 'value-nul', 'name-space', 'name-colon', 'obs-fold'),
			provider: fc.constantFrom('signnow', 'standard'),
		})
		.map(({ where, provider }): BadRequest => {
			const event = makeEvent(provider === 'signnow' ? signnow : standard, freshKey());
			const lines = Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`);
			// Smuggle a second signature/id into one header line.
			const injected = {
				'value-cr': `${lines[1]}\rx-injected: 1`,
				'value-lf': `${lines[1]}\nx-signnow-signature: ${'0'.repeat(64)}`,
				'value-nul': `${lines[1]}\0`,
				'name-space': `x signnow signature: ${lines[1].split(': ')[1]}`,
				'name-colon': `x-signnow-signature:: ${lines[1].split(': ')[1]}`,
				'obs-fold': `${lines[1]}\r\n\tcontinued`,
			}[where];
			return {
				category: 'header injection',
				expected: [400, 401],
				method: 'POST',
				path: provider === 'signnow' ? sn : sw,
				headerLines: [lines[0], injected, ...lines.slice(2)],
				body: event.body,
			};
		});

	const hugeHeaders = fc.record({ count: fc.integer({ min: 2100, max: 4000 }), size: fc.integer({ min: 4, max: 16 }) }).map(
		({ count, size }): BadRequest => {
			const event = makeEvent(signnow, freshKey());
			const filler = Array.from({ length: count }, (_, i) => `x-h${i}: ${'v'.repeat(size)}`);
			return {
				category: 'huge header count',
				expected: [431, 400],
				method: 'POST',
				path: sn,
				headerLines: [...Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`), ...filler],
				body: event.body,
			};
		},
	);

	const wrongMethod = fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH').map((method): BadRequest => {
		const event = makeEvent(signnow, freshKey());
		return {
			category: 'wrong method',
			expected: [404, 405],
			method,
			path: sn,
			headerLines: Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`),
			body: event.body,
		};
	});

	// Correctly signed, but nested past the relay's 64-level limit (up to what the body limit lets through).
	const deepNesting = fc
		.record({
			fraction: fc.double({ min: 0, max: 1, noNaN: true }),
			objects: fc.boolean(),
			provider: fc.constantFrom('signnow', 'standard'),
		})
		.map(({ fraction, objects, provider }): BadRequest => {
			// From just past the limit to as deep as the body limit lets through.
			const most = Math.floor((bodyLimit - 300) / (objects ? 6 : 2));
			const levels = 65 + Math.floor(fraction * (most - 65));
			const fits = objects ? '{"a":'.repeat(levels) + '1' + '}'.repeat(levels) : '['.repeat(levels) + ']'.repeat(levels);
			const key = freshKey();
			if (provider === 'signnow') {
				const body = Buffer.from(`{"meta":{"event":"document.complete","timestamp":${nowSeconds()}},"content":{"document_id":"${key}","x":${fits}}}`);
				return {
					category: 'deep nesting (correctly signed)',
					expected: [400],
					method: 'POST',
					path: sn,
					headerLines: [JSON_TYPE, `x-signnow-signature: ${signBody(snSecret, body)}`],
					body,
				};
			}
			const body = Buffer.from(`{"type":"document.signed","data":{"document_id":"${key}","x":${fits}}}`);
			const id = `msg_${key}`;
			const ts = nowSeconds();
			return {
				category: 'deep nesting (correctly signed)',
				expected: [400],
				method: 'POST',
				path: sw,
				headerLines: [JSON_TYPE, `webhook-id: ${id}`, `webhook-timestamp: ${ts}`, `webhook-signature: ${sign(swSecret, id, ts, body)}`],
				body,
			};
		});

	// A Content-Encoding the bytes do not have (plain bytes, or another encoding's bytes).
	const lyingEncoding = fc
		.record({
			said: fc.constantFrom('gzip', 'br', 'deflate', 'x-gzip'),
			actual: fc.constantFrom('identity', 'gzip', 'br', 'deflate', 'garbage'),
			provider: fc.constantFrom('signnow', 'standard'),
		})
		.filter(({ said, actual }) => said.replace('x-', '') !== actual)
		.map(({ said, actual, provider }): BadRequest => {
			const event = makeEvent(provider === 'signnow' ? signnow : standard, freshKey());
			const encode = { identity: (b: Buffer) => b, gzip: gzipSync, br: brotliCompressSync, deflate: deflateSync, garbage: () => randomBytes(64) }[actual];
			return {
				category: 'lying content encoding',
				// x-gzip is not an encoding the relay decodes (415); brotli may "decode" foreign bytes
				// into other bytes, which then fail the signature (401); every other lie is a 400.
				expected: said === 'x-gzip' ? [415] : said === 'br' ? [400, 401] : [400],
				method: 'POST',
				path: provider === 'signnow' ? sn : sw,
				headerLines: [...Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`), `content-encoding: ${said}`],
				body: encode(event.body),
			};
		});

	// Long unknown source paths: each would have been a new metric series (the review: 3,000 took RSS from 81 to 264 MB).
	const longUnknownPath = fc
		.record({
			length: fc.integer({ min: 100, max: 4_000 }),
			body: fc.constantFrom('signed', 'oversized', 'lying-gzip'),
		})
		.map(({ length, body }): BadRequest => {
			const name = `${freshKey()}-${randomBytes(Math.ceil(length / 2)).toString('hex')}`.slice(0, length);
			const event = makeEvent(signnow, freshKey(), body === 'oversized' ? { bytes: bodyLimit + 1024 } : undefined);
			return {
				category: 'long unknown source path',
				expected: [404],
				method: 'POST',
				path: `/ingest/${name}`,
				headerLines: [
					...Object.entries(event.headers()).map(([k, v]) => `${k}: ${v}`),
					...(body === 'lying-gzip' ? ['content-encoding: gzip'] : []),
				],
				body: event.body,
			};
		});

	return fc.oneof(
		deepNesting,
		lyingEncoding,
		longUnknownPath,
		forgedSignNow,
		missingSignature,
		tampered,
		badTimestamp,
		forgedStandard,
		oversized,
		truncated,
		wrongContentType,
		invalidBodySigned,
		unknownSource,
		headerInjection,
		hugeHeaders,
		wrongMethod,
	);
}

