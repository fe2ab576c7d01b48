import { documensoWebhook } from '../../nodes/providers/documenso/webhook';
import type { InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';

const SECRET = 'documenso-webhook-secret-7f3a';
const NOW = Date.parse('2024-04-22T11:52:20.000Z');

function documentPayload(overrides: Record<string, unknown> = {}) {
	const recipients = [
		{
			id: 50,
			envelopeId: 'envelope_abcdefhiklmnorst',
			documentId: 10,
			email: 'reviewer@example.com',
			name: 'Jane Smith',
			token: 'vbT8hi3jKQmrFP_LN1WcS',
			signedAt: '2024-04-22T11:51:10.055Z',
			role: 'SIGNER',
			readStatus: 'OPENED',
			signingStatus: 'SIGNED',
			sendStatus: 'SENT',
		},
		{
			id: 51,
			envelopeId: 'envelope_abcdefhiklmnorst',
			documentId: 10,
			email: 'signer@example.com',
			name: 'John Doe',
			token: 'HkrptwS42ZBXdRKj1TyUo',
			signedAt: '2024-04-22T11:52:05.688Z',
			role: 'SIGNER',
			readStatus: 'OPENED',
			signingStatus: 'SIGNED',
			sendStatus: 'SENT',
		},
	];
	return {
		id: 10,
		envelopeId: 'envelope_abcdefhiklmnorst',
		title: 'contract.pdf',
		status: 'COMPLETED',
		updatedAt: '2024-04-22T11:52:05.708Z',
		completedAt: '2024-04-22T11:52:05.707Z',
		recipients,
		Recipient: recipients,
		...overrides,
	};
}

/** A request exactly as Documenso's execute-webhook job sends it. */
function callback(
	event: string,
	options: { secret?: string; createdAt?: string; payload?: unknown } = {},
): InboundWebhook {
	const body = {
		event,
		payload: options.payload ?? documentPayload(),
		createdAt: options.createdAt ?? '2024-04-22T11:52:18.277Z',
		webhookEndpoint: 'https://relay.example.com/ingest/documenso',
	};
	return {
		rawBody: Buffer.from(JSON.stringify(body)),
		headers: { 'content-type': 'application/json', 'x-documenso-secret': options.secret ?? SECRET },
	};
}

const options = documensoWebhook.parseOptions({});

describe('Documenso webhook', () => {
	it('is registered for the relay under "documenso"', () => {
		expect(webhookHandlers.documenso).toBe(documensoWebhook);
	});

	it('accepts the configured secret and normalizes DOCUMENT_COMPLETED', () => {
		const request = callback('DOCUMENT_COMPLETED');
		expect(() => documensoWebhook.verify(request, [SECRET], options, NOW)).not.toThrow();
		const [event] = documensoWebhook.normalize(request, options, NOW);
		expect(event).toMatchObject({
			provider: 'documenso',
			type: 'document.completed',
			providerEvent: 'DOCUMENT_COMPLETED',
			documentId: 'envelope_abcdefhiklmnorst',
			documentName: 'contract.pdf',
			occurredAt: '2024-04-22T11:52:05.707Z',
		});
		expect(event.id).toMatch(/^evt_/);
	});

	it('accepts any secret of a rotation', () => {
		const request = callback('DOCUMENT_SENT');
		expect(() => documensoWebhook.verify(request, ['old-secret', SECRET], options, NOW)).not.toThrow();
	});

	it('strips the recipients\' signing tokens from the payload', () => {
		const [event] = documensoWebhook.normalize(callback('DOCUMENT_COMPLETED'), options, NOW);
		expect(JSON.stringify(event.payload)).not.toContain('vbT8hi3jKQmrFP_LN1WcS');
		expect(JSON.stringify(event.payload)).not.toContain('"token"');
		expect(JSON.stringify(event.payload)).toContain('reviewer@example.com');
	});

	it('maps each document event to its canonical type', () => {
		const expected: Record<string, string> = {
			DOCUMENT_SENT: 'invite.sent',
			DOCUMENT_OPENED: 'document.viewed',
			DOCUMENT_SIGNED: 'invite.signed',
			DOCUMENT_COMPLETED: 'document.completed',
			DOCUMENT_REJECTED: 'invite.declined',
			DOCUMENT_CANCELLED: 'document.deleted',
			RECIPIENT_EXPIRED: 'invite.expired',
			DOCUMENT_CREATED: 'other',
			TEMPLATE_USED: 'other',
		};
		for (const [providerEvent, type] of Object.entries(expected)) {
			const [event] = documensoWebhook.normalize(callback(providerEvent), options, NOW);
			expect([providerEvent, event.type]).toEqual([providerEvent, type]);
		}
	});

	it('names the recipient who signed last on DOCUMENT_SIGNED', () => {
		const [event] = documensoWebhook.normalize(callback('DOCUMENT_SIGNED'), options, NOW);
		expect(event.signerEmail).toBe('signer@example.com');
	});

	it('gives a retry (fresh createdAt) the same id, and a different event a different id', () => {
		const first = documensoWebhook.normalize(callback('DOCUMENT_SIGNED'), options, NOW)[0];
		const retry = documensoWebhook.normalize(
			callback('DOCUMENT_SIGNED', { createdAt: '2024-04-22T11:53:40.000Z' }),
			options,
			NOW,
		)[0];
		const completed = documensoWebhook.normalize(callback('DOCUMENT_COMPLETED'), options, NOW)[0];
		expect(retry.id).toBe(first.id);
		expect(completed.id).not.toBe(first.id);
	});

	it('rejects a wrong secret', () => {
		const error = rejection(() =>
			documensoWebhook.verify(callback('DOCUMENT_COMPLETED', { secret: 'guess' }), [SECRET], options, NOW),
		);
		expect(error.reason).toBe('bad_signature');
		expect(error.status).toBe(401);
	});

	it('rejects a tampered secret header (one character changed)', () => {
		const tampered = SECRET.slice(0, -1) + 'b';
		const error = rejection(() =>
			documensoWebhook.verify(callback('DOCUMENT_COMPLETED', { secret: tampered }), [SECRET], options, NOW),
		);
		expect(error.reason).toBe('bad_signature');
	});

	it('rejects the empty header Documenso sends for a webhook without a secret', () => {
		const error = rejection(() =>
			documensoWebhook.verify(callback('DOCUMENT_COMPLETED', { secret: '' }), [SECRET, ''], options, NOW),
		);
		expect(error.reason).toBe('missing_signature');
	});

	it('rejects a stale createdAt outside the window', () => {
		const request = callback('DOCUMENT_COMPLETED', { createdAt: '2024-04-22T11:40:00.000Z' });
		const error = rejection(() => documensoWebhook.verify(request, [SECRET], options, NOW));
		expect(error.reason).toBe('stale_timestamp');
		const lenient = documensoWebhook.parseOptions({ toleranceSeconds: 0 });
		expect(() => documensoWebhook.verify(request, [SECRET], lenient, NOW)).not.toThrow();
	});

	it('rejects malformed bodies with 400', () => {
		const notJson: InboundWebhook = {
			rawBody: Buffer.from('{"event":'),
			headers: { 'content-type': 'application/json', 'x-documenso-secret': SECRET },
		};
		expect(rejection(() => documensoWebhook.normalize(notJson, options, NOW)).status).toBe(400);
		const noPayload: InboundWebhook = {
			rawBody: Buffer.from(JSON.stringify({ event: 'DOCUMENT_SENT' })),
			headers: { 'content-type': 'application/json', 'x-documenso-secret': SECRET },
		};
		expect(rejection(() => documensoWebhook.normalize(noPayload, options, NOW)).reason).toBe('malformed_body');
	});

	it('refuses invalid options', () => {
		expect(() => documensoWebhook.parseOptions({ toleranceSeconds: -1 })).toThrow(/toleranceSeconds/);
	});
});
