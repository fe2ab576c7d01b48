/**
 * Reconciliation of a DocuSign source against the DocuSign simulator, through a real relay on
 * a real Redis: the sweep lists envelope status changes and Connect's failure log, and its
 * events pass through the same ingest script as Connect's, so a completion reported both ways
 * (in either order) reaches the subscriber once.
 */
import { Redis } from 'ioredis';

import type { Relay } from '../../relay/src/app';
import type { SweepResult } from '../../relay/src/sweeps';
import { cleanRedis, Sink, sleep, startRelay, TOKEN, uniquePrefix, waitFor } from '../../relay/test/helpers';
import { startDocuSignSimulator, type DocuSignSimulator } from '../simulators/docusign/simulator';
import { contractPdf } from '../helpers';

const CONNECT_KEY = 'connect-key-reconcile-5e1d9a';
const ACCESS_TOKEN = 'docusign-access-token-for-the-relay';

let prefix: string;
let relays: Relay[];
let sink: Sink;
let docusign: DocuSignSimulator;
let redis: Redis;
let forget: (n: number, event: string) => boolean;

async function startOne(reconciles = true): Promise<Relay> {
	const reconcile = { interval: '15m', baseUrl: docusign.url, accountId: docusign.state.accountId, accessToken: ACCESS_TOKEN };
	const relay = await startRelay(prefix, {
		sources: [{ id: 'ds', type: 'docusign', secrets: [CONNECT_KEY], ...(reconciles ? { reconcile } : {}) }],
	});
	relays.push(relay);
	return relay;
}

beforeEach(async () => {
	prefix = uniquePrefix('reconcile-ds');
	relays = [];
	forget = () => false;
	docusign = await startDocuSignSimulator({ forgetCallbacks: (n, event) => forget(n, event) });
	// The token an operator gives the relay (in DocuSign: an OAuth access token of an account user).
	docusign.state.accessTokens.set(ACCESS_TOKEN, { expiresAt: Number.MAX_SAFE_INTEGER });
	const relay = await startOne();
	docusign.state.connect = { url: `${relay.url}/ingest/ds`, hmacKeys: [CONNECT_KEY] };
	sink = await new Sink().start();
	const created = await fetch(`${relay.url}/v1/subscriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ url: sink.url }),
	});
	expect(created.status).toBe(201);
	redis = new Redis({ host: '127.0.0.1', port: 6379 });
});

afterEach(async () => {
	await docusign.close();
	for (const relay of relays) await relay.stop();
	await sink.close();
	redis.disconnect();
	await cleanRedis(prefix);
});

async function sendEnvelope(subject: string): Promise<string> {
	const created = await fetch(`${docusign.url}/restapi/v2.1/accounts/${docusign.state.accountId}/envelopes`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			emailSubject: subject,
			documents: [{ documentId: '1', name: subject, fileExtension: 'pdf', documentBase64: contractPdf(subject).toString('base64') }],
			recipients: { signers: [{ recipientId: '1', routingOrder: '1', email: 'client@example.com', name: 'Cleo Client' }] },
			status: 'sent',
		}),
	});
	expect(created.status).toBe(201);
	return ((await created.json()) as { envelopeId: string }).envelopeId;
}

async function sweep(relay: Relay = relays[0]): Promise<{ status: number; body: SweepResult }> {
	const answer = await fetch(`${relay.url}/v1/sources/ds/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
	return { status: answer.status, body: (await answer.json()) as SweepResult };
}

/** The completions the subscriber received, by envelope. */
function completions(): Map<string, string[]> {
	const byEnvelope = new Map<string, string[]>();
	for (const received of sink.received) {
		const event = JSON.parse(received.body) as { type: string; documentId: string };
		if (event.type !== 'document.completed') continue;
		byEnvelope.set(event.documentId, [...(byEnvelope.get(event.documentId) ?? []), String(received.headers['webhook-id'])]);
	}
	return byEnvelope;
}

async function settleDeliveries(): Promise<void> {
	await sleep(500);
	await relays[0].fanout.drain();
	await sleep(300);
}

describe('DocuSign reconciliation', () => {
	it('webhook first, then the sweep: the sweep finds the completion and stores nothing new', async () => {
		const envelopeId = await sendEnvelope('MSA');
		await docusign.control('sign', { envelopeId, email: 'client@example.com' });
		await waitFor(() => completions().get(envelopeId), 10_000, 'the Connect completion');
		const { status, body } = await sweep();
		expect(status).toBe(200);
		expect(body).toMatchObject({ outcome: 'swept', listed: 1, delivered: 0, duplicates: 1 });
		await settleDeliveries();
		expect(completions().get(envelopeId)).toHaveLength(1);
	});

	it('a forgotten Connect message: the sweep delivers it, a second sweep does not again', async () => {
		forget = (_n, event) => event === 'envelope-completed';
		const envelopeId = await sendEnvelope('NDA');
		await docusign.control('sign', { envelopeId, email: 'client@example.com' });
		await docusign.settled();
		expect(docusign.state.forgotten).toEqual([{ event: 'envelope-completed', envelopeId }]);
		await settleDeliveries();
		expect(completions().get(envelopeId)).toBeUndefined();

		expect((await sweep()).body).toMatchObject({ outcome: 'swept', delivered: 1 });
		const [id] = await waitFor(() => completions().get(envelopeId), 10_000, 'the reconciled completion');
		expect((await sweep()).body).toMatchObject({ outcome: 'swept', delivered: 0, duplicates: 1 });
		await settleDeliveries();
		expect(completions().get(envelopeId)).toEqual([id]);
		const event = JSON.parse(sink.received.find((r) => r.headers['webhook-id'] === id)!.body) as Record<string, unknown>;
		expect(event).toMatchObject({ source: 'ds', provider: 'docusign', providerEvent: 'envelope-completed', documentId: envelopeId, documentName: 'NDA' });
		expect((event.payload as Record<string, unknown>).reconciled).toBe(true);
	});

	it('sweep first (from Connect\'s failure log), then the late webhook: delivered once', async () => {
		// Connect's listener is down: every message fails and lands in the failure log.
		docusign.state.connect = { url: 'http://127.0.0.1:9/ingest/ds', hmacKeys: [CONNECT_KEY] };
		const envelopeId = await sendEnvelope('Lease');
		await docusign.control('sign', { envelopeId, email: 'client@example.com' });
		await docusign.settled();
		expect(docusign.state.connectFailures.map((f) => f.envelopeId)).toContain(envelopeId);
		// The change is older than the sweep's window (as after an outage longer than the
		// interval plus overlap): only the failure log names the envelope now.
		docusign.state.envelopes.get(envelopeId)!.statusChangedDateTime = new Date(Date.now() - 3_600_000).toISOString();
		expect((await sweep()).body).toMatchObject({ outcome: 'swept', listed: 1, delivered: 1 });
		await waitFor(() => completions().get(envelopeId), 10_000, 'the reconciled completion');

		// The listener is back; Connect re-posts what failed (a new id: generatedDateTime-based).
		docusign.state.connect = { url: `${relays[0].url}/ingest/ds`, hmacKeys: [CONNECT_KEY] };
		await docusign.control('retry-failed');
		const retried = docusign.state.deliveries.filter((d) => d.retryCount > 0);
		expect(retried.length).toBeGreaterThan(0);
		expect(retried.every((d) => d.status === 200)).toBe(true);
		await settleDeliveries();
		expect(completions().get(envelopeId)).toHaveLength(1);
		// The other events (sent, recipient-*) are not reconciled: they arrive with the retries.
		expect(sink.received.map((r) => (JSON.parse(r.body) as { providerEvent: string }).providerEvent).sort()).toEqual(
			['envelope-completed', 'envelope-sent', 'recipient-completed', 'recipient-sent'],
		);
	});

	it('the provider refusing the credential: the sweep fails and the cursor stays', async () => {
		const cursorKey = `${prefix}{src:ds}:reconcile:cursor`;
		const before = await redis.get(cursorKey);
		expect(Number(before)).toBeGreaterThan(0);
		await docusign.control('expire-tokens');
		const { status, body } = await sweep();
		expect(status).toBe(502);
		expect(body.outcome).toBe('failed');
		expect(body.error).toMatch(/^HTTP 401 from \/restapi\/v2\.1\/accounts\/.+\/envelopes$/);
		expect(JSON.stringify(body)).not.toContain(ACCESS_TOKEN);
		expect(await redis.get(cursorKey)).toBe(before);
	});

	it('one process sweeps a source at a time (the Redis lease), and a sweep is due once per interval', async () => {
		const second = await startOne();
		const leaseKey = `${prefix}{src:ds}:reconcile:lease`;
		await redis.set(leaseKey, 'another-process', 'PX', 60_000);
		expect((await sweep(second)).status).toBe(409);
		expect(await redis.get(leaseKey)).toBe('another-process');
		await redis.del(leaseKey);
		forget = (_n, event) => event === 'envelope-completed';
		const envelopeId = await sendEnvelope('SOW');
		await docusign.control('sign', { envelopeId, email: 'client@example.com' });
		await docusign.settled();
		// Both processes at once: the one holding the lease sweeps, the other answers busy.
		const outcomes = await Promise.all([sweep(relays[0]), sweep(second), sweep(relays[0]), sweep(second)]);
		const swept = outcomes.filter((o) => o.body.outcome === 'swept');
		expect(swept.length).toBeGreaterThanOrEqual(1);
		expect(outcomes.every((o) => o.body.outcome === 'swept' || o.body.outcome === 'busy')).toBe(true);
		expect(swept.reduce((sum, o) => sum + (o.body.delivered ?? 0), 0)).toBe(1);
		await waitFor(() => completions().get(envelopeId), 10_000, 'the reconciled completion');
		await settleDeliveries();
		expect(completions().get(envelopeId)).toHaveLength(1);
		// The periodic check: the last sweep has just run, the next is 15 minutes away.
		expect((await relays[0].sweeper.sweep('ds', false)).outcome).toBe('not_due');
		expect(await redis.get(leaseKey)).toBeNull();
	});

	it('reconciliation off for a while, then on again: what the webhooks delivered meanwhile is not delivered again', async () => {
		await relays.pop()!.stop();
		// Off: the source still marks final states (it does not check them).
		const off = await startOne(false);
		docusign.state.connect = { url: `${off.url}/ingest/ds`, hmacKeys: [CONNECT_KEY] };
		const envelopeId = await sendEnvelope('Renewal');
		await docusign.control('sign', { envelopeId, email: 'client@example.com' });
		await waitFor(() => completions().get(envelopeId), 10_000, 'the Connect completion');
		await relays.pop()!.stop();
		// On again: the cursor is where the first run left it, so this sweep covers the gap.
		const on = await startOne();
		expect((await sweep(on)).body).toMatchObject({ outcome: 'swept', listed: 1, delivered: 0, duplicates: 1 });
		await sleep(500);
		expect(completions().get(envelopeId)).toHaveLength(1);
	});
});
