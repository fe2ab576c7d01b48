import { createHmac } from 'node:crypto';

import { describeRelayCase, type SignedCallback } from './relay-cases-a';

const SECRET = 'whsec_ZG9jdXNlYWwtcmVsYXktdGVzdC1rZXk';

/** DocuSeal's SendWebhookRequest: same body timestamp on retries, fresh signature timestamp. */
function callback(options: { secret?: string; signedAt?: number; tamper?: boolean } = {}): SignedCallback {
	const body = JSON.stringify({
		event_type: 'submission.completed',
		timestamp: '2026-01-05T10:00:00.123Z',
		data: { id: 9001, name: 'NDA', status: 'completed', submitters: [{ id: 1, email: 'a@example.com', slug: 'secret-slug' }] },
	});
	const ts = options.signedAt ?? Math.floor(Date.now() / 1000);
	const signature = createHmac('sha256', options.secret ?? SECRET).update(`${ts}.${body}`).digest('hex');
	return {
		headers: { 'content-type': 'application/json', 'x-docuseal-signature': `${ts}.${signature}` },
		body: options.tamper ? body.replace('"completed"', '"declined"') : body,
	};
}

describeRelayCase({
	provider: 'docuseal',
	source: { id: 'docuseal', type: 'docuseal', secrets: [SECRET] },
	valid: (attempt) => callback({ signedAt: Math.floor(Date.now() / 1000) + attempt }),
	tampered: () => callback({ tamper: true }),
	wrongSecret: () => callback({ secret: 'whsec_b3RoZXI' }),
	stale: () => callback({ signedAt: Math.floor(Date.now() / 1000) - 600 }),
	malformed: () => {
		const body = 'not json';
		const ts = Math.floor(Date.now() / 1000);
		return { headers: { 'content-type': 'application/json', 'x-docuseal-signature': `${ts}.${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}` }, body };
	},
	expected: { type: 'document.completed', documentId: '9001', providerEvent: 'submission.completed' },
});
