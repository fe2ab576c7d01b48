/**
 * The books the scenarios are judged by must be able to say "lost" and "duplicated":
 * pure-logic checks of the ledger on hand-made deliveries (no relay involved).
 */
import { Ledger, expectedWebhookId } from './harness/ledger';
import { makeEvents, newSignNowSource } from './harness/provider';
import { Sink, type DeliveryAttempt } from './harness/sink';

function execution(key: string, webhookId: string, bodyId = webhookId.slice(webhookId.indexOf(':') + 1)): DeliveryAttempt {
	return { webhookId, bodyId, key, receivedAt: Date.now(), status: 200, signatureValid: true, clientAborted: false, body: undefined };
}

function ledgerOf(count: number) {
	const events = makeEvents(newSignNowSource(), 'ledger', count);
	const ledger = new Ledger();
	ledger.addSent(events);
	ledger.addResults(events.map((e) => ({ key: e.key, status: 200, startedAt: 0, endedAt: 0 })));
	return { events, ledger, sink: new Sink('books') };
}

test('an acknowledged event never executed is lost', () => {
	const { events, ledger, sink } = ledgerOf(3);
	sink.attempts.push(execution(events[0].key, expectedWebhookId(events[0])), execution(events[1].key, expectedWebhookId(events[1])));
	const tally = ledger.tally([sink]);
	expect([tally.acknowledged, tally.delivered, tally.lost, tally.duplicated]).toEqual([3, 2, 1, 0]);
});

test('the same event under two webhook-ids is a duplicate; under the same id a redelivery', () => {
	const { events, ledger, sink } = ledgerOf(2);
	const [a, b] = events;
	sink.attempts.push(
		execution(a.key, expectedWebhookId(a)),
		execution(a.key, 'signnow:evt_other'),
		execution(b.key, expectedWebhookId(b)),
		execution(b.key, expectedWebhookId(b)),
	);
	const tally = ledger.tally([sink]);
	expect([tally.duplicated, tally.redelivered, tally.wrongIds, tally.lost]).toEqual([1, 1, 1, 0]);
});

test('failed attempts and bad signatures are not executions', () => {
	const { events, ledger, sink } = ledgerOf(1);
	sink.attempts.push({ ...execution(events[0].key, expectedWebhookId(events[0])), status: 500 });
	sink.attempts.push({ ...execution(events[0].key, expectedWebhookId(events[0])), signatureValid: false });
	const tally = ledger.tally([sink]);
	expect([tally.lost, tally.badSignatures]).toEqual([1, 1]);
});
