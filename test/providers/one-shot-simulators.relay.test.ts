/**
 * The DocuSign and DocuSeal simulators' own callbacks (Connect JSON SIM with X-DocuSign-Signature-n,
 * DocuSeal webhooks with X-Docuseal-Signature) posted to a real relay (unique Redis prefix) and
 * fanned out to a subscriber: the simulators sign exactly what the relay verifies, end to end.
 * A retry the provider makes after a failed delivery reaches the subscriber once.
 */
import type { Relay } from '../../relay/src/app';
import { cleanRedis, Sink, startRelay, TOKEN, uniquePrefix, waitFor, sleep } from '../../relay/test/helpers';
import { startDocuSealSimulator, type DocuSealSimulator } from '../simulators/docuseal/simulator';
import { startDocuSignSimulator, type DocuSignSimulator } from '../simulators/docusign/simulator';
import { contractPdf } from '../helpers';

const CONNECT_KEY = 'connect-key-8f2a6c1e9b3d7f5a';
const DOCUSEAL_SECRET = 'whsec_b7e2d9a4c1f8e3b6a5d0c9f2e7a4b1d8';

let prefix: string;
let relay: Relay;
let sink: Sink;
let docusign: DocuSignSimulator;
let docuseal: DocuSealSimulator;

beforeEach(async () => {
	prefix = uniquePrefix('one-shot-sims');
	relay = await startRelay(prefix, {
		sources: [
			{ id: 'docusign', type: 'docusign', secrets: [CONNECT_KEY] },
			{ id: 'docuseal', type: 'docuseal', secrets: [DOCUSEAL_SECRET] },
		],
	});
	sink = await new Sink().start();
	const created = await fetch(`${relay.url}/v1/subscriptions`, {
		method: 'POST',
		headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({ url: sink.url }),
	});
	expect(created.status).toBe(201);
	docusign = await startDocuSignSimulator({ connect: { url: `${relay.url}/ingest/docusign`, hmacKeys: ['retired-key', CONNECT_KEY] } });
	docuseal = await startDocuSealSimulator();
	docuseal.state.webhook = { url: `${relay.url}/ingest/docuseal`, secret: DOCUSEAL_SECRET };
});

afterEach(async () => {
	await docusign.close();
	await docuseal.close();
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
});

/** What the subscriber received, in provider order (the relay's fan-out may deliver in parallel). */
function delivered(order: string[]): Array<Record<string, unknown>> {
	return sink.received
		.map((r) => JSON.parse(r.body) as Record<string, unknown>)
		.sort((a, b) => order.indexOf(String(a.providerEvent)) - order.indexOf(String(b.providerEvent)));
}

/** Calls the simulator's REST API as the node would (the node's own path is covered in *.node.test.ts). */
async function docuSignToken(): Promise<string> {
	const { integrationKey, secretKey } = docusign.state.application;
	const redirect = await fetch(`${docusign.url}/oauth/auth?response_type=code&client_id=${integrationKey}&redirect_uri=http://localhost/cb`, { redirect: 'manual' });
	const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
	const answer = await fetch(`${docusign.url}/oauth/token`, {
		method: 'POST',
		headers: { authorization: `Basic ${Buffer.from(`${integrationKey}:${secretKey}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'authorization_code', code }).toString(),
	});
	return ((await answer.json()) as { access_token: string }).access_token;
}

describe('simulator callbacks through the relay', () => {
	it('DocuSign Connect: envelope and recipient events arrive normalized, once each', async () => {
		const token = await docuSignToken();
		const created = await fetch(`${docusign.url}/restapi/v2.1/accounts/${docusign.state.accountId}/envelopes`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				emailSubject: 'Please sign: MSA',
				documents: [{ documentId: '1', name: 'MSA', fileExtension: 'pdf', documentBase64: contractPdf('MSA').toString('base64') }],
				recipients: { signers: [{ recipientId: '1', routingOrder: '1', email: 'client@example.com', name: 'Cleo Client' }] },
				status: 'sent',
			}),
		});
		expect(created.status).toBe(201);
		const { envelopeId } = (await created.json()) as { envelopeId: string };
		await docusign.control('sign', { envelopeId, email: 'client@example.com' });
		expect(docusign.state.deliveries.every((d) => d.status === 200)).toBe(true);
		await waitFor(() => sink.received.length >= 4 || undefined, 10_000, 'four deliveries');
		await sleep(400);
		expect(delivered(['envelope-sent', 'recipient-sent', 'recipient-completed', 'envelope-completed']).map((e) => [e.source, e.providerEvent, e.type, e.documentId])).toEqual([
			['docusign', 'envelope-sent', 'invite.sent', envelopeId],
			['docusign', 'recipient-sent', 'invite.sent', envelopeId],
			['docusign', 'recipient-completed', 'invite.signed', envelopeId],
			['docusign', 'envelope-completed', 'document.completed', envelopeId],
		]);
	});

	it('DocuSeal: a webhook retried after a failed delivery reaches the subscriber once', async () => {
		const answer = await fetch(`${docuseal.apiBaseUrl}/submissions/pdf`, {
			method: 'POST',
			headers: { 'x-auth-token': docuseal.state.apiKey, 'content-type': 'application/json' },
			body: JSON.stringify({
				name: 'Offer',
				documents: [{ name: 'Offer', file: contractPdf('Offer').toString('base64'), fields: [{ name: 'Sign', type: 'signature', role: 'Candidate', areas: [{ x: 72, y: 600, w: 200, h: 40, page: 1 }] }] }],
				submitters: [{ role: 'Candidate', email: 'cand@example.com', name: 'Cand' }],
			}),
		});
		expect(answer.status).toBe(200);
		const { id } = (await answer.json()) as { id: number };
		// Webhooks are posted in the background, as DocuSeal does: wait for the worker.
		await docuseal.settled();
		// As if the relay's 200 had been lost on the way back: DocuSeal re-posts the same body later.
		docuseal.state.deliveries[0].delivered = false;
		await docuseal.control('retry-failed');
		await docuseal.control('sign', { submissionId: id, email: 'cand@example.com' });
		expect(docuseal.state.deliveries.map((d) => [d.eventType, d.status])).toEqual([
			['submission.created', 200],
			['submission.created', 200],
			['form.completed', 200],
			['submission.completed', 200],
		]);
		await waitFor(() => sink.received.length >= 3 || undefined, 10_000, 'three deliveries');
		await sleep(400);
		expect(delivered(['submission.created', 'form.completed', 'submission.completed']).map((e) => [e.source, e.providerEvent, e.type, e.documentId])).toEqual([
			['docuseal', 'submission.created', 'invite.sent', String(id)],
			['docuseal', 'form.completed', 'invite.signed', String(id)],
			['docuseal', 'submission.completed', 'document.completed', String(id)],
		]);
	});
});
