import { createHmac } from 'node:crypto';

import { docusignWebhook } from '../../nodes/providers/docusign/webhook';
import type { InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';

const KEY_1 = 'Xc2UfR1mJxv8p2Yq0l9T+4sNw3bA6eHk7dGz5yLq1oM=';
const KEY_2 = 'second-connect-key-during-rotation';
const NOW = Date.parse('2025-05-30T18:04:00.000Z');

function message(event: string, overrides: Record<string, unknown> = {}) {
	return {
		event,
		apiVersion: 'v2.1',
		uri: '/restapi/v2.1/accounts/24dfce13-9dce-4aa0-ba12-da5389bb9d8a/envelopes/a70a5ef2-12c4-4aaf-84c5-b84134dce420',
		retryCount: 0,
		configurationId: 21752918,
		generatedDateTime: '2025-05-30T18:03:50.4233752Z',
		data: {
			accountId: '24dfce13-9dce-4aa0-ba12-da5389bb9d8a',
			userId: '8c531060-928e-471d-9cac-b829f616b0bf',
			envelopeId: 'a70a5ef2-12c4-4aaf-84c5-b84134dce420',
			recipientId: '2',
			envelopeSummary: {
				status: 'sent',
				emailSubject: 'Please sign: Statement of Work',
				recipients: {
					signers: [
						{ recipientId: '1', email: 'ana@example.com', status: 'completed' },
						{ recipientId: '2', email: 'ben@example.com', status: 'completed' },
					],
				},
			},
		},
		...overrides,
	};
}

/** One X-DocuSign-Signature-n header per key, as Connect sends them. */
function signed(body: unknown, keys: string[] = [KEY_1]): InboundWebhook {
	const raw = Buffer.from(JSON.stringify(body));
	const headers: Record<string, string> = { 'content-type': 'application/json', 'x-authorization-digest': 'HMACSHA256' };
	keys.forEach((key, index) => {
		headers[`x-docusign-signature-${index + 1}`] = createHmac('sha256', key).update(raw).digest('base64');
	});
	return { rawBody: raw, headers };
}

const options = docusignWebhook.parseOptions({});

describe('DocuSign Connect webhook', () => {
	it('is registered under "docusign"', () => {
		expect(webhookHandlers.docusign).toBe(docusignWebhook);
	});

	it('accepts a valid HMAC and normalizes recipient-completed', () => {
		const request = signed(message('recipient-completed'));
		expect(() => docusignWebhook.verify(request, [KEY_1], options, NOW)).not.toThrow();
		const [event] = docusignWebhook.normalize(request, options, NOW);
		expect(event).toMatchObject({
			provider: 'docusign',
			type: 'invite.signed',
			providerEvent: 'recipient-completed',
			documentId: 'a70a5ef2-12c4-4aaf-84c5-b84134dce420',
			documentName: 'Please sign: Statement of Work',
			signerEmail: 'ben@example.com',
			occurredAt: '2025-05-30T18:03:50.423Z',
		});
	});

	it('accepts any valid header of several (key rotation), whichever key we hold', () => {
		const request = signed(message('envelope-completed'), [KEY_1, KEY_2]);
		expect(() => docusignWebhook.verify(request, [KEY_2], options, NOW)).not.toThrow();
		expect(() => docusignWebhook.verify(request, ['unrelated', KEY_1], options, NOW)).not.toThrow();
		// Only the second header is valid here: the first was made with a key we do not hold.
		const mixed = signed(message('envelope-completed'), ['stranger', KEY_2]);
		expect(() => docusignWebhook.verify(mixed, [KEY_2], options, NOW)).not.toThrow();
	});

	it('maps envelope and recipient events', () => {
		const expected: Record<string, string> = {
			'envelope-sent': 'invite.sent',
			'envelope-delivered': 'document.viewed',
			'envelope-completed': 'document.completed',
			'envelope-declined': 'invite.declined',
			'envelope-voided': 'document.deleted',
			'recipient-sent': 'invite.sent',
			'recipient-declined': 'invite.declined',
			'envelope-created': 'other',
		};
		for (const [name, type] of Object.entries(expected)) {
			const [event] = docusignWebhook.normalize(signed(message(name)), options, NOW);
			expect([name, event.type]).toEqual([name, type]);
		}
	});

	it('gives a retry (retryCount incremented, new signature) the same id', () => {
		const first = docusignWebhook.normalize(signed(message('envelope-completed')), options, NOW)[0];
		const retry = docusignWebhook.normalize(signed(message('envelope-completed', { retryCount: 3 })), options, NOW)[0];
		const other = docusignWebhook.normalize(signed(message('envelope-sent')), options, NOW)[0];
		expect(retry.id).toBe(first.id);
		expect(other.id).not.toBe(first.id);
	});

	it('rejects a tampered body', () => {
		const request = signed(message('envelope-completed'));
		const tampered = {
			...request,
			rawBody: Buffer.from(request.rawBody.toString().replace('"status":"sent"', '"status":"voided"')),
		};
		expect(tampered.rawBody.equals(request.rawBody)).toBe(false);
		expect(rejection(() => docusignWebhook.verify(tampered, [KEY_1], options, NOW)).reason).toBe('bad_signature');
	});

	it('rejects a wrong key', () => {
		const error = rejection(() => docusignWebhook.verify(signed(message('envelope-completed')), [KEY_2], options, NOW));
		expect([error.reason, error.status]).toEqual(['bad_signature', 401]);
	});

	it('rejects a message without any signature header', () => {
		const request: InboundWebhook = { rawBody: Buffer.from(JSON.stringify(message('envelope-completed'))), headers: {} };
		expect(rejection(() => docusignWebhook.verify(request, [KEY_1], options, NOW)).reason).toBe('missing_signature');
	});

	it('rejects a message generated outside the window', () => {
		const old = signed(message('envelope-completed', { generatedDateTime: '2025-05-20T18:03:50Z' }));
		expect(rejection(() => docusignWebhook.verify(old, [KEY_1], options, NOW)).reason).toBe('stale_timestamp');
		const strict = docusignWebhook.parseOptions({ maxAgeSeconds: 5 });
		expect(rejection(() => docusignWebhook.verify(signed(message('envelope-completed')), [KEY_1], strict, NOW)).reason).toBe(
			'stale_timestamp',
		);
	});

	it('rejects malformed messages (XML or aggregate formats, non-JSON)', () => {
		const xml = signed('x');
		xml.rawBody = Buffer.from('<DocuSignEnvelopeInformation/>');
		xml.headers['x-docusign-signature-1'] = createHmac('sha256', KEY_1).update(xml.rawBody).digest('base64');
		expect(rejection(() => docusignWebhook.verify(xml, [KEY_1], options, NOW)).reason).toBe('malformed_body');
		expect(rejection(() => docusignWebhook.normalize(signed({ status: 'completed' }), options, NOW)).status).toBe(400);
	});
});
