import { createHmac } from 'node:crypto';

import { describeRelayCase, type SignedCallback } from './relay-cases-a';

const API_KEY = 'dropbox-sign-relay-test-api-key-0123456789abcdef';
const REQUEST_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** Dropbox Sign: multipart/form-data with a `json` field; retries repeat event_time. */
function callback(options: { apiKey?: string; eventTime?: number; eventType?: string; boundary?: string } = {}): SignedCallback {
	const eventTime = String(options.eventTime ?? Math.floor(Date.now() / 1000) - 5);
	const signedType = 'signature_request_all_signed';
	const json = JSON.stringify({
		event: {
			event_time: eventTime,
			event_type: options.eventType ?? signedType,
			event_hash: createHmac('sha256', options.apiKey ?? API_KEY).update(eventTime + signedType).digest('hex'),
			event_metadata: { related_signature_id: null, reported_for_account_id: 'acct1', reported_for_app_id: null },
		},
		signature_request: { signature_request_id: REQUEST_ID, title: 'Offer letter', is_complete: true, signatures: [] },
	});
	const boundary = options.boundary ?? 'dbxsign-boundary-1';
	return {
		headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'user-agent': 'Dropbox Sign API' },
		body: `--${boundary}\r\nContent-Disposition: form-data; name="json"\r\n\r\n${json}\r\n--${boundary}--\r\n`,
	};
}

const fixedTime = Math.floor(Date.now() / 1000) - 5;

describeRelayCase({
	provider: 'dropbox-sign',
	source: { id: 'dropbox-sign', type: 'dropbox-sign', secrets: [API_KEY] },
	valid: (attempt) => callback({ eventTime: fixedTime, boundary: `retry-${attempt}` }),
	tampered: () => callback({ eventType: 'signature_request_declined' }),
	wrongSecret: () => callback({ apiKey: 'another-account-key' }),
	stale: () => callback({ eventTime: Math.floor(Date.now() / 1000) - 30 * 86_400 }),
	malformed: () => ({ headers: { 'content-type': 'multipart/form-data; boundary=b' }, body: '--b\r\nContent-Disposition: form-data; name="json"\r\n\r\n{oops\r\n--b--\r\n' }),
	expected: { type: 'document.completed', documentId: REQUEST_ID, providerEvent: 'signature_request_all_signed' },
	acknowledgement: 'Hello API Event Received',
});
