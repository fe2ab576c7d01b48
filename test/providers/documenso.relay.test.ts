import { describeRelayCase, type SignedCallback } from './relay-cases-a';

const SECRET = 'documenso-relay-secret-x81';
const ENVELOPE = 'envelope_relaytestabcdefgh';

/** Documenso's execute-webhook job: fresh `createdAt` per attempt, same event and document. */
function callback(options: { secret?: string; createdAtMs?: number; title?: string } = {}): SignedCallback {
	return {
		headers: { 'content-type': 'application/json', 'x-documenso-secret': options.secret ?? SECRET },
		body: JSON.stringify({
			event: 'DOCUMENT_COMPLETED',
			payload: {
				id: 42,
				envelopeId: ENVELOPE,
				title: options.title ?? 'lease.pdf',
				status: 'COMPLETED',
				updatedAt: '2026-01-05T10:00:00.000Z',
				completedAt: '2026-01-05T10:00:00.000Z',
				recipients: [{ id: 7, email: 'tenant@example.com', token: 'sign-token-x', signingStatus: 'SIGNED', readStatus: 'OPENED', sendStatus: 'SENT', signedAt: '2026-01-05T10:00:00.000Z' }],
			},
			createdAt: new Date(options.createdAtMs ?? Date.now()).toISOString(),
			webhookEndpoint: 'http://relay/ingest/documenso',
		}),
	};
}

describeRelayCase({
	provider: 'documenso',
	source: { id: 'documenso', type: 'documenso', secrets: [SECRET] },
	valid: (attempt) => callback({ createdAtMs: Date.now() + attempt * 1000 }),
	tampered: () => callback({ secret: SECRET.replace(/.$/, 'y') }),
	wrongSecret: () => callback({ secret: 'not-the-secret' }),
	stale: () => callback({ createdAtMs: Date.now() - 60 * 60 * 1000 }),
	malformed: () => ({ headers: { 'content-type': 'application/json', 'x-documenso-secret': SECRET }, body: '{"event":"DOCUMENT_COMPLETED"' }),
	expected: { type: 'document.completed', documentId: ENVELOPE, providerEvent: 'DOCUMENT_COMPLETED' },
});
