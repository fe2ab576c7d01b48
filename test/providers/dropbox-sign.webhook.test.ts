import { createHmac } from 'node:crypto';

import {
	ACKNOWLEDGEMENT_BODY,
	dropboxSignWebhook,
	eventHash,
} from '../../nodes/providers/dropbox-sign/webhook';
import type { InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';

const API_KEY = 'c9d6c1d3b5a84f3e9f0e2b7a61d4c8e5f1a2b3c4d5e6f708192a3b4c5d6e7f80';
const EVENT_TIME = 1_727_000_000;
const NOW = (EVENT_TIME + 30) * 1000;

function callbackPayload(eventType: string, options: { eventTime?: number; apiKey?: string } = {}) {
	const time = String(options.eventTime ?? EVENT_TIME);
	return {
		event: {
			event_time: time,
			event_type: eventType,
			event_hash: createHmac('sha256', options.apiKey ?? API_KEY).update(time + eventType).digest('hex'),
			event_metadata: {
				related_signature_id: 'sig_b',
				reported_for_account_id: 'acct_615266b89aeda4e8cd2f',
				reported_for_app_id: null,
				event_message: null,
			},
		},
		signature_request: {
			signature_request_id: 'fa5c8a0b0f492d768749333ad6fcc214c111e967',
			title: 'Purchase Agreement',
			is_complete: false,
			signing_url: null,
			signatures: [
				{ signature_id: 'sig_a', signer_email_address: 'alice@example.com', status_code: 'awaiting_signature' },
				{ signature_id: 'sig_b', signer_email_address: 'bob@example.com', status_code: 'signed' },
			],
		},
	};
}

/** multipart/form-data with a `json` field, as Dropbox Sign posts callbacks. */
function multipart(payload: unknown, boundary = '------------------------Ab3xYz0912'): InboundWebhook {
	const raw = Buffer.from(
		`--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${JSON.stringify(payload)}\r\n--${boundary}--\r\n`,
	);
	return { rawBody: raw, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

const options = dropboxSignWebhook.parseOptions({});

describe('Dropbox Sign callback', () => {
	it('is registered under "dropbox-sign" and acknowledges with the exact body Dropbox Sign requires', () => {
		expect(webhookHandlers['dropbox-sign']).toBe(dropboxSignWebhook);
		expect(dropboxSignWebhook.acknowledgement).toEqual({ contentType: 'text/plain', body: 'Hello API Event Received' });
		expect(ACKNOWLEDGEMENT_BODY).toBe('Hello API Event Received');
	});

	it('computes the same event_hash as the official SDK example (known answer)', () => {
		// From the official Dropbox Sign Node SDK's EventCallbackExample.
		expect(
			eventHash('324e3b0840f065eb51f3fd63231d0d33daa35d4ed10d27718839e81737065782', '1669926463', 'account_confirmed'),
		).toBe('ff8b03439122f9160500c3fb855bdee5a9ccba5fff27d3b258745d8f3074832f');
	});

	it('accepts a multipart callback and normalizes signature_request_signed', () => {
		const request = multipart(callbackPayload('signature_request_signed'));
		expect(() => dropboxSignWebhook.verify(request, [API_KEY], options, NOW)).not.toThrow();
		const [event] = dropboxSignWebhook.normalize(request, options, NOW);
		expect(event).toMatchObject({
			provider: 'dropbox-sign',
			type: 'invite.signed',
			providerEvent: 'signature_request_signed',
			documentId: 'fa5c8a0b0f492d768749333ad6fcc214c111e967',
			documentName: 'Purchase Agreement',
			signerEmail: 'bob@example.com',
			occurredAt: new Date(EVENT_TIME * 1000).toISOString(),
		});
	});

	it('also reads a url-encoded json field and a plain JSON body', () => {
		const payload = callbackPayload('signature_request_all_signed');
		const form: InboundWebhook = {
			rawBody: Buffer.from(new URLSearchParams({ json: JSON.stringify(payload) }).toString()),
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		};
		const json: InboundWebhook = {
			rawBody: Buffer.from(JSON.stringify(payload)),
			headers: { 'content-type': 'application/json' },
		};
		for (const request of [form, json]) {
			expect(() => dropboxSignWebhook.verify(request, [API_KEY], options, NOW)).not.toThrow();
			expect(dropboxSignWebhook.normalize(request, options, NOW)[0].type).toBe('document.completed');
		}
	});

	it('maps the signature request events', () => {
		const expected: Record<string, string> = {
			signature_request_sent: 'invite.sent',
			signature_request_viewed: 'document.viewed',
			signature_request_declined: 'invite.declined',
			signature_request_expired: 'invite.expired',
			signature_request_canceled: 'document.deleted',
			signature_request_downloadable: 'other',
			callback_test: 'other',
		};
		for (const [eventType, type] of Object.entries(expected)) {
			const [event] = dropboxSignWebhook.normalize(multipart(callbackPayload(eventType)), options, NOW);
			expect([eventType, event.type]).toEqual([eventType, type]);
		}
	});

	it('gives a retry the same id, with a different multipart boundary', () => {
		const first = dropboxSignWebhook.normalize(multipart(callbackPayload('signature_request_signed')), options, NOW)[0];
		const retry = dropboxSignWebhook.normalize(
			multipart(callbackPayload('signature_request_signed'), 'XyZ-retry-boundary'),
			options,
			NOW + 3_600_000,
		)[0];
		const viewed = dropboxSignWebhook.normalize(multipart(callbackPayload('signature_request_viewed')), options, NOW)[0];
		expect(retry.id).toBe(first.id);
		expect(viewed.id).not.toBe(first.id);
	});

	it('rejects a tampered event type or time (the signed fields)', () => {
		const payload = callbackPayload('signature_request_signed');
		payload.event.event_type = 'signature_request_all_signed';
		expect(rejection(() => dropboxSignWebhook.verify(multipart(payload), [API_KEY], options, NOW)).reason).toBe(
			'bad_signature',
		);
		const shifted = callbackPayload('signature_request_signed');
		shifted.event.event_time = String(EVENT_TIME + 1);
		expect(rejection(() => dropboxSignWebhook.verify(multipart(shifted), [API_KEY], options, NOW)).reason).toBe(
			'bad_signature',
		);
	});

	it('rejects a hash made with another API key', () => {
		const request = multipart(callbackPayload('signature_request_signed', { apiKey: 'someone-elses-key' }));
		const error = rejection(() => dropboxSignWebhook.verify(request, [API_KEY], options, NOW));
		expect([error.reason, error.status]).toEqual(['bad_signature', 401]);
	});

	it('rejects an event older than the retry window, or from the future', () => {
		const old = multipart(callbackPayload('signature_request_signed', { eventTime: EVENT_TIME - 5 * 86_400 }));
		expect(rejection(() => dropboxSignWebhook.verify(old, [API_KEY], options, NOW)).reason).toBe('stale_timestamp');
		const future = multipart(callbackPayload('signature_request_signed', { eventTime: EVENT_TIME + 3_600 }));
		expect(rejection(() => dropboxSignWebhook.verify(future, [API_KEY], options, NOW)).reason).toBe('stale_timestamp');
		const strict = dropboxSignWebhook.parseOptions({ maxAgeSeconds: 10 });
		const request = multipart(callbackPayload('signature_request_signed'));
		expect(rejection(() => dropboxSignWebhook.verify(request, [API_KEY], strict, NOW)).reason).toBe('stale_timestamp');
	});

	it('rejects malformed callbacks', () => {
		const noJsonField: InboundWebhook = {
			rawBody: Buffer.from('--b\r\nContent-Disposition: form-data; name="other"\r\n\r\n{}\r\n--b--\r\n'),
			headers: { 'content-type': 'multipart/form-data; boundary=b' },
		};
		expect(rejection(() => dropboxSignWebhook.verify(noJsonField, [API_KEY], options, NOW)).status).toBe(400);
		const notJson = multipart('x');
		notJson.rawBody = Buffer.from(notJson.rawBody.toString().replace('"x"', '{oops'));
		expect(rejection(() => dropboxSignWebhook.verify(notJson, [API_KEY], options, NOW)).reason).toBe('malformed_body');
		const noEvent = multipart({ signature_request: {} });
		expect(rejection(() => dropboxSignWebhook.normalize(noEvent, options, NOW)).reason).toBe('malformed_body');
		const xml: InboundWebhook = { rawBody: Buffer.from('<a/>'), headers: { 'content-type': 'text/xml' } };
		expect(rejection(() => dropboxSignWebhook.verify(xml, [API_KEY], options, NOW)).status).toBe(415);
	});
});
