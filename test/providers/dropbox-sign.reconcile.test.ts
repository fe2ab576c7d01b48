/**
 * Reconciliation of a Dropbox Sign source against the Dropbox Sign simulator's request list
 * (`GET /v3/signature_request/list`), through a real relay on a real Redis: a completion
 * reported by the callback and by the sweep, in either order, reaches the subscriber once.
 */
import type { Relay } from '../../relay/src/app';
import type { SweepResult } from '../../relay/src/sweeps';
import { cleanRedis, Sink, sleep, startRelay, TOKEN, uniquePrefix, waitFor } from '../../relay/test/helpers';
import { startDropboxSignSimulator, type DropboxSignSimulator } from '../simulators/dropbox-sign/simulator';

const API_KEY = 'dropbox-sign-reconcile-api-key-0123456789';

let prefix: string;
let relay: Relay;
let sink: Sink;
let sim: DropboxSignSimulator;

beforeEach(async () => {
	prefix = uniquePrefix('reconcile-dbs');
	sim = await startDropboxSignSimulator({ apiKey: API_KEY });
	relay = await startRelay(prefix, {
		sources: [{ id: 'dbs', type: 'dropbox-sign', secrets: [API_KEY], reconcile: { interval: '5m', baseUrl: sim.url, apiKey: API_KEY } }],
	});
	sink = await new Sink().start();
	const created = await fetch(`${relay.url}/v1/subscriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ url: sink.url }),
	});
	expect(created.status).toBe(201);
});

afterEach(async () => {
	await relay.stop();
	await sim.close();
	await sink.close();
	await cleanRedis(prefix);
});

async function signedRequest(title: string): Promise<string> {
	const sent = await fetch(`${sim.url}/v3/signature_request/send`, {
		method: 'POST',
		headers: { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
		body: JSON.stringify({ title, file_urls: ['https://example.com/contract.pdf'], signers: [{ email_address: 'signer@example.com', name: 'Sam Signer' }] }),
	});
	expect(sent.status).toBe(200);
	const id = ((await sent.json()) as { signature_request: { signature_request_id: string } }).signature_request.signature_request_id;
	const signed = await fetch(`${sim.url}/__control/sign`, { method: 'POST', body: JSON.stringify({ signatureRequestId: id, email: 'signer@example.com' }) });
	expect(signed.status).toBe(200);
	return id;
}

async function sweep(): Promise<SweepResult> {
	const answer = await fetch(`${relay.url}/v1/sources/dbs/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
	expect(answer.status).toBe(200);
	return (await answer.json()) as SweepResult;
}

function completions(documentId: string): string[] {
	return sink.received
		.filter((r) => {
			const event = JSON.parse(r.body) as { type: string; documentId: string };
			return event.type === 'document.completed' && event.documentId === documentId;
		})
		.map((r) => String(r.headers['webhook-id']));
}

async function settle(): Promise<void> {
	await sleep(400);
	await relay.fanout.drain();
	await sleep(300);
}

describe('Dropbox Sign reconciliation', () => {
	it('callback first, then the sweep: delivered once', async () => {
		sim.state.callbackUrl = `${relay.url}/ingest/dbs`;
		const id = await signedRequest('MSA');
		await sim.settled();
		expect(sim.state.callbacks.every((c) => c.acknowledged)).toBe(true);
		await waitFor(() => completions(id).length > 0 || undefined, 10_000, 'the callback');
		expect(await sweep()).toMatchObject({ outcome: 'swept', listed: 1, delivered: 0, duplicates: 1 });
		await settle();
		expect(completions(id)).toHaveLength(1);
	});

	it('sweep first (the callback URL was down), then the late callback: delivered once; an old completion is not listed', async () => {
		sim.state.callbackUrl = 'http://127.0.0.1:9/ingest/dbs';
		const id = await signedRequest('NDA');
		await sim.settled();
		expect(await sweep()).toMatchObject({ outcome: 'swept', listed: 1, delivered: 1 });
		const [webhookId] = await waitFor(() => completions(id).length > 0 && completions(id), 10_000, 'the reconciled completion');
		expect(JSON.parse(sink.received.find((r) => r.headers['webhook-id'] === webhookId)!.body)).toMatchObject({
			provider: 'dropbox-sign',
			providerEvent: 'signature_request_all_signed',
			documentName: 'NDA',
			payload: { event: { reconciled: true } },
		});
		sim.state.callbackUrl = `${relay.url}/ingest/dbs`;
		await fetch(`${sim.url}/__control/retry-failed`, { method: 'POST' });
		expect(sim.state.callbacks.filter((c) => c.acknowledged).map((c) => c.eventType)).toContain('signature_request_all_signed');
		await settle();
		expect(completions(id)).toHaveLength(1);
		// Signed an hour before the window: not the sweep's to report.
		for (const signature of sim.state.requests.get(id)!.signatures) signature.signed_at = Math.floor(Date.now() / 1000) - 3_600;
		expect(await sweep()).toMatchObject({ outcome: 'swept', listed: 0 });
	});
});
