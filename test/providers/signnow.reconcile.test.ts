/**
 * Reconciliation of a SignNow source against the SignNow simulator's document list
 * (`GET /user/documentsv2`), through a real relay on a real Redis: a completion reported by a
 * callback and by the sweep, in either order, reaches the subscriber once.
 */
import type { Relay } from '../../relay/src/app';
import type { SweepResult } from '../../relay/src/sweeps';
import { cleanRedis, post, signNowCallback, Sink, sleep, startRelay, TOKEN, uniquePrefix, waitFor } from '../../relay/test/helpers';
import { simulatorControl, startSignNowSimulator, type SignNowSimulator } from '../simulators/signnow';
import { contractPdf } from '../helpers';

const SECRET = 'signnow-reconcile-secret';

let prefix: string;
let relay: Relay;
let sink: Sink;
let signnow: SignNowSimulator;

beforeEach(async () => {
	prefix = uniquePrefix('reconcile-sn');
	signnow = await startSignNowSimulator();
	relay = await startRelay(prefix, {
		sources: [{ id: 'sn', type: 'signnow', secrets: [SECRET], reconcile: { interval: '5m', baseUrl: signnow.url, accessToken: signnow.apiKey } }],
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
	await signnow.close();
	await sink.close();
	await cleanRedis(prefix);
});

/** Uploads a PDF, sends a free-form invite and signs it: a completed document. */
async function completedDocument(name: string): Promise<string> {
	const form = new FormData();
	form.append('file', new Blob([contractPdf(name)], { type: 'application/pdf' }), `${name}.pdf`);
	const headers = { authorization: `Bearer ${signnow.apiKey}` };
	const uploaded = await fetch(`${signnow.url}/document`, { method: 'POST', headers, body: form });
	expect(uploaded.status).toBe(200);
	const { id } = (await uploaded.json()) as { id: string };
	const invited = await fetch(`${signnow.url}/document/${id}/invite`, {
		method: 'POST',
		headers: { ...headers, 'content-type': 'application/json' },
		body: JSON.stringify({ from: signnow.user.email, to: 'signer@example.com' }),
	});
	expect(invited.status).toBe(200);
	await simulatorControl(signnow).sign(id, 'signer@example.com');
	return id;
}

async function sweep(): Promise<SweepResult> {
	const answer = await fetch(`${relay.url}/v1/sources/sn/reconcile`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
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

describe('SignNow reconciliation', () => {
	it('lists completed documents only, and only those updated since the window', async () => {
		const done = await completedDocument('MSA');
		const form = new FormData();
		form.append('file', new Blob([contractPdf('Draft')], { type: 'application/pdf' }), 'Draft.pdf');
		expect((await fetch(`${signnow.url}/document`, { method: 'POST', headers: { authorization: `Bearer ${signnow.apiKey}` }, body: form })).status).toBe(200);
		expect(await sweep()).toMatchObject({ outcome: 'swept', listed: 1, delivered: 1 });
		const [id] = await waitFor(() => completions(done).length > 0 && completions(done), 10_000, 'the reconciled completion');
		const event = JSON.parse(sink.received.find((r) => r.headers['webhook-id'] === id)!.body) as Record<string, unknown>;
		expect(event).toMatchObject({ source: 'sn', provider: 'signnow', type: 'document.completed', providerEvent: 'document.complete', documentName: 'MSA' });
		// Older than the window (an outage longer than interval + overlap is covered by no sweep).
		signnow.state.documents.get(done)!.updated = Math.floor(Date.now() / 1000) - 3_600;
		expect(await sweep()).toMatchObject({ outcome: 'swept', listed: 0 });
	});

	it('callback first, then the sweep: delivered once', async () => {
		const documentId = await completedDocument('NDA');
		const { body, headers } = signNowCallback({ event: 'document.complete', documentId }, SECRET);
		expect((await post(`${relay.url}/ingest/sn`, body, headers)).status).toBe(200);
		await waitFor(() => completions(documentId).length > 0 || undefined, 10_000, 'the callback');
		expect(await sweep()).toMatchObject({ outcome: 'swept', listed: 1, delivered: 0, duplicates: 1 });
		await settle();
		expect(completions(documentId)).toHaveLength(1);
	});

	it('sweep first, then the late callback (document- or user-level): acknowledged as duplicates, delivered once', async () => {
		const documentId = await completedDocument('Lease');
		expect(await sweep()).toMatchObject({ outcome: 'swept', delivered: 1 });
		await waitFor(() => completions(documentId).length > 0 || undefined, 10_000, 'the reconciled completion');
		for (const event of ['document.complete', 'user.document.complete']) {
			const { body, headers } = signNowCallback({ event, documentId }, SECRET);
			const answer = await post(`${relay.url}/ingest/sn`, body, headers);
			expect(answer.status).toBe(200);
			expect(answer.json).toMatchObject({ events: [{ duplicate: true }] });
		}
		await settle();
		expect(completions(documentId)).toHaveLength(1);
	});
});
