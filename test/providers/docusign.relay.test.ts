import { createHmac } from 'node:crypto';

import { describeRelayCase, type SignedCallback } from './relay-cases-a';

const KEY = 'docusign-connect-hmac-key-relay-test=';
const ENVELOPE = '7d3b2c1a-0f9e-4d8c-b7a6-123456789abc';

/** Connect JSON SIM: retryCount grows on each retry; one X-DocuSign-Signature-n per key. */
function callback(options: { keys?: string[]; retryCount?: number; generatedAt?: number; tamper?: boolean } = {}): SignedCallback {
	const body = JSON.stringify({
		event: 'envelope-completed',
		apiVersion: 'v2.1',
		uri: `/restapi/v2.1/accounts/acc-1/envelopes/${ENVELOPE}`,
		retryCount: options.retryCount ?? 0,
		configurationId: 10418,
		generatedDateTime: new Date(options.generatedAt ?? fixedGenerated).toISOString(),
		data: { accountId: 'acc-1', userId: 'user-1', envelopeId: ENVELOPE, envelopeSummary: { status: 'completed', emailSubject: 'Please sign: MSA' } },
	});
	const headers: Record<string, string> = { 'content-type': 'application/json', 'x-authorization-digest': 'HMACSHA256' };
	(options.keys ?? ['rotated-out-key', KEY]).forEach((key, i) => {
		headers[`x-docusign-signature-${i + 1}`] = createHmac('sha256', key).update(body).digest('base64');
	});
	return { headers, body: options.tamper ? body.replace('"completed"', '"voided"') : body };
}

const fixedGenerated = Date.now() - 2_000;

describeRelayCase({
	provider: 'docusign',
	source: { id: 'docusign', type: 'docusign', secrets: [KEY] },
	valid: (attempt) => callback({ retryCount: attempt }),
	tampered: () => callback({ tamper: true }),
	wrongSecret: () => callback({ keys: ['some-other-key'] }),
	stale: () => callback({ generatedAt: Date.now() - 30 * 86_400_000 }),
	malformed: () => {
		// Signed, JSON as configured, but not a Connect message.
		const body = '{"event":"envelope-completed"}';
		return { headers: { 'content-type': 'application/json', 'x-docusign-signature-1': createHmac('sha256', KEY).update(body).digest('base64') }, body };
	},
	expected: { type: 'document.completed', documentId: ENVELOPE, providerEvent: 'envelope-completed' },
});
