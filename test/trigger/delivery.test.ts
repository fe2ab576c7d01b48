/** The trigger's pure parts: reading a relay delivery, filtering, and mapping events for direct mode. */
import { generateSecret, signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { WebhookRejection } from '../../nodes/providers/webhook';
import { eventToItem, matchesFilter } from '../../nodes/ESignTrigger/output';
import { providerEventsFor, triggerProvider } from '../../nodes/ESignTrigger/providers';
import { readRelayDelivery } from '../../nodes/ESignTrigger/relay/delivery';

const event = {
	id: 'evt_1',
	provider: 'signnow',
	type: 'document.completed',
	providerEvent: 'document.complete',
	documentId: 'doc-1',
	documentName: 'Contract',
	signerEmail: 'signer@example.com',
	occurredAt: '2026-01-01T00:00:00.000Z',
	payload: { content: { document_id: 'doc-1' } },
	source: 'signnow',
	receivedAt: '2026-01-01T00:00:01.000Z',
};

/** As the relay sends it: webhook-id is the source and the event id. */
function delivery(secret: string, body: string, atSeconds: number, webhookId = 'signnow:evt_1') {
	return { rawBody: Buffer.from(body), headers: { 'content-type': 'application/json', ...signedHeaders(secret, webhookId, atSeconds, body) } };
}

const NOW = Date.parse('2026-01-01T00:00:10.000Z');

describe('readRelayDelivery', () => {
	const secret = generateSecret();
	const body = JSON.stringify(event);

	test('accepts a delivery signed with the subscription secret and returns the event', () => {
		expect(readRelayDelivery(delivery(secret, body, NOW / 1000), secret, NOW)).toEqual(event);
	});

	test('verifies the webhook-id of a relay from before the source was in it (the bare event id) too', () => {
		expect(readRelayDelivery(delivery(secret, body, NOW / 1000, 'evt_1'), secret, NOW)).toEqual(event);
	});

	test('refuses a webhook-id changed after signing (it is part of what is signed)', () => {
		const signed = delivery(secret, body, NOW / 1000);
		const request = { ...signed, headers: { ...signed.headers, 'webhook-id': 'other-source:evt_1' } };
		expect(() => readRelayDelivery(request, secret, NOW)).toThrow(expect.objectContaining({ status: 401 }));
	});

	test('refuses another secret, a changed byte, a stale or future timestamp, and missing headers with 401', () => {
		const cases = [
			delivery(generateSecret(), body, NOW / 1000),
			{ ...delivery(secret, body, NOW / 1000), rawBody: Buffer.from(body.replace('doc-1', 'doc-2')) },
			delivery(secret, body, NOW / 1000 - 301),
			delivery(secret, body, NOW / 1000 + 301),
			{ rawBody: Buffer.from(body), headers: {} },
		];
		for (const request of cases) {
			let rejection: unknown;
			try {
				readRelayDelivery(request, secret, NOW);
			} catch (error) {
				rejection = error;
			}
			expect(rejection).toBeInstanceOf(WebhookRejection);
			expect((rejection as WebhookRejection).status).toBe(401);
		}
	});

	test('verifies before parsing: a signed body that is not a canonical event is a 400, not an execution', () => {
		const notAnEvent = JSON.stringify({ hello: 'world' });
		expect(() => readRelayDelivery(delivery(secret, notAnEvent, NOW / 1000), secret, NOW)).toThrow(
			expect.objectContaining({ status: 400 }),
		);
	});
});

describe('output and filters', () => {
	test('the item puts event type, document and signer first', () => {
		const { json } = eventToItem(event as never);
		expect(Object.keys(json).slice(0, 4)).toEqual(['eventType', 'documentId', 'documentName', 'signerEmail']);
		expect(json).toMatchObject({ eventType: 'document.completed', documentId: 'doc-1', source: 'signnow' });
	});

	test('two sources\' events with one event id get different webhookIds (what Remove Duplicates keys on)', () => {
		const a = eventToItem(event as never).json;
		const b = eventToItem({ ...event, source: 'signnow-account-2' } as never).json;
		expect(a.eventId).toBe(b.eventId);
		expect(a.webhookId).toBe('signnow:evt_1');
		expect(b.webhookId).toBe('signnow-account-2:evt_1');
	});

	test('filters by event type and document id; empty means all', () => {
		expect(matchesFilter(event as never, { eventTypes: [] })).toBe(true);
		expect(matchesFilter(event as never, { eventTypes: ['invite.signed'] })).toBe(false);
		expect(matchesFilter(event as never, { eventTypes: ['document.completed'], documentId: 'doc-2' })).toBe(false);
		expect(matchesFilter(event as never, { eventTypes: ['document.completed'], documentId: 'doc-1' })).toBe(true);
	});
});

describe('direct mode event mapping (SignNow)', () => {
	const signNow = triggerProvider('signnow')!;

	test('registers only the SignNow events that mean the chosen canonical types', () => {
		expect(providerEventsFor(signNow, ['document.completed'])).toEqual(['document.complete']);
		expect(providerEventsFor(signNow, ['invite.signed']).sort()).toEqual(
			['document.fieldinvite.signed', 'document.freeform.signed'].sort(),
		);
		expect(providerEventsFor(signNow, []).length).toBe(signNow.adapter.webhookEvents!.length);
	});
});
