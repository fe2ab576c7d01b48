/**
 * Legalesign callbacks posted by the simulator to a real relay (real Redis, real HTTP): the
 * batched callback is verified against the certificate, split into one event per change,
 * each stored, deduplicated and delivered on its own.
 */
import type { Relay } from '../../relay/src/app';
import { Sink, api, cleanRedis, startRelay, uniquePrefix, waitFor } from '../../relay/test/helpers';
import { createSelfSignedCertificate } from '../simulators/legalesign/certificate';
import { LegalesignSimulator } from '../simulators/legalesign/simulator';

const prefix = uniquePrefix('legalesign');
const TOKEN = 'tok_9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const simulator = new LegalesignSimulator();
const previous = createSelfSignedCertificate('legalesign-previous');
let relay: Relay;
let sink: Sink;
let ingest: string;

beforeAll(async () => {
	sink = await new Sink().start();
	relay = await startRelay(prefix, {
		sources: [{ id: 'legalesign', type: 'legalesign', secrets: [previous.certificatePem, simulator.certificatePem, TOKEN] }],
	});
	ingest = `${relay.url}/ingest/legalesign`;
	expect((await api(relay, 'POST', '/v1/subscriptions', { url: sink.url, providers: ['legalesign'] })).status).toBe(201);
});

afterAll(async () => {
	await relay.stop();
	await sink.close();
	await cleanRedis(prefix);
});

type Accepted = { events: Array<{ id: string; duplicate: boolean }> };

function deliveredBodies(ids: string[]) {
	// The relay delivers each event with webhook-id `<source>:<event id>`.
	return sink.received.filter((r) => ids.map((id) => `legalesign:${id}`).includes(String(r.headers['webhook-id']))).map((r) => JSON.parse(r.body) as Record<string, unknown>);
}

describe('Legalesign through the relay', () => {
	it('splits a batched callback into one delivered event per change, and deduplicates each on a retry', async () => {
		const doc = simulator.createDocument(2);
		const firstSigned = Date.now() - 120_000;
		simulator.recordSignerStatus(doc.signerIds[0], 40, firstSigned);
		simulator.recordSignerStatus(doc.signerIds[1], 40, Date.now() - 60_000);
		simulator.recordDocumentStatus(doc.documentId, 30, Date.now() - 60_000);
		const batch = simulator.takeBatch();

		const first = await simulator.post(ingest, batch);
		expect(first.status).toBe(200);
		const accepted = (JSON.parse(first.body) as Accepted).events;
		expect(accepted).toHaveLength(3);
		expect(accepted.every((event) => !event.duplicate)).toBe(true);
		const ids = accepted.map((event) => event.id);
		expect(new Set(ids).size).toBe(3);

		await waitFor(() => deliveredBodies(ids).length === 3, 10_000, 'three deliveries');
		const bodies = deliveredBodies(ids);
		expect(bodies.map((body) => body.type).sort()).toEqual(['document.completed', 'invite.signed', 'invite.signed']);
		expect(bodies.find((body) => body.type === 'document.completed')).toMatchObject({
			provider: 'legalesign',
			source: 'legalesign',
			documentId: doc.documentId,
		});

		// Legalesign re-posts the same batch (its earlier attempt timed out): every change is a duplicate.
		const retry = await simulator.post(ingest, batch);
		expect(retry.status).toBe(200);
		expect((JSON.parse(retry.body) as Accepted).events).toEqual(ids.map((id) => ({ id, duplicate: true })));

		// A later batch repeating one change and adding a new one: only the new one is new.
		simulator.recordSignerStatus(doc.signerIds[0], 40, firstSigned);
		simulator.recordSignerStatus(doc.signerIds[0], 50, Date.now());
		const later = (JSON.parse((await simulator.post(ingest, simulator.takeBatch())).body) as Accepted).events;
		expect(later.map((event) => event.duplicate)).toEqual([true, false]);
		await waitFor(() => deliveredBodies([later[1].id]).length === 1, 10_000, 'the new change');
		const deliveries = sink.received.filter((r) => [...ids, later[1].id].map((id) => `legalesign:${id}`).includes(String(r.headers['webhook-id'])));
		expect(deliveries).toHaveLength(4);
	});

	it('treats the realtime "signed" callback (with its URL token) as the same completion the batch reported', async () => {
		const doc = simulator.createDocument();
		simulator.recordDocumentStatus(doc.documentId, 30, Date.now() - 5000);
		const [fromBatch] = (JSON.parse((await simulator.post(ingest, simulator.takeBatch())).body) as Accepted).events;
		const realtime = await simulator.post(`${ingest}?token=${TOKEN}`, simulator.signedCallback(doc.documentId, 'Lease'));
		expect(realtime.status).toBe(200);
		expect((JSON.parse(realtime.body) as Accepted).events).toEqual([{ id: fromBatch.id, duplicate: true }]);

		const other = simulator.createDocument();
		const fresh = await simulator.post(`${ingest}?token=${TOKEN}`, simulator.signedCallback(other.documentId, 'NDA'));
		const [event] = (JSON.parse(fresh.body) as Accepted).events;
		expect(event.duplicate).toBe(false);
		const delivered = await waitFor(() => deliveredBodies([event.id])[0], 10_000, 'realtime delivery');
		expect(delivered).toMatchObject({ type: 'document.completed', documentId: other.documentId, documentName: 'NDA' });
	});

	it('rejects tampered, foreign-signed, unsigned, stale and malformed callbacks without storing anything', async () => {
		const doc = simulator.createDocument();
		simulator.recordSignerStatus(doc.signerIds[0], 40, Date.now());
		const batch = simulator.takeBatch();
		const form = new URLSearchParams(batch.body);

		const tampered = new URLSearchParams(form);
		tampered.set('data', (form.get('data') as string).replace('"40"', '"60"'));
		const intruder = createSelfSignedCertificate('intruder');
		const foreign = simulator.batchRequest(form.get('data') as string, intruder.privateKey);
		const stale = simulator.batchRequest(`[{"timestamp": "2020-01-01T00:00:00", "name": "status", "value": "40", "resource_uri": "/api/v1/signer/x/"}]`);
		const cases: Array<[string, { body: string; headers: Record<string, string> }, number, string]> = [
			['tampered', { ...batch, body: tampered.toString() }, 401, 'bad_signature'],
			['foreign key', foreign, 401, 'bad_signature'],
			['stale', stale, 401, 'stale_timestamp'],
			['not JSON', simulator.batchRequest('[{'), 400, 'malformed_body'],
			['JSON body', { body: batch.body, headers: { 'content-type': 'application/json' } }, 415, 'unsupported_media_type'],
			['realtime without token', simulator.signedCallback(doc.documentId, 'x'), 401, 'missing_signature'],
		];
		const before = sink.received.length;
		for (const [, request, status, reason] of cases) {
			const answer = await simulator.post(ingest, request);
			expect({ status: answer.status, error: (JSON.parse(answer.body) as { error: string }).error }).toEqual({ status, error: reason });
		}
		const wrongToken = await simulator.post(`${ingest}?token=${TOKEN.slice(0, -1)}x`, simulator.signedCallback(doc.documentId, 'x'));
		expect(wrongToken.status).toBe(401);

		// The genuine batch still goes through afterwards, and nothing rejected was delivered.
		const genuine = await simulator.post(ingest, batch);
		expect(genuine.status).toBe(200);
		const [event] = (JSON.parse(genuine.body) as Accepted).events;
		await waitFor(() => deliveredBodies([event.id]).length === 1, 10_000, 'genuine delivery');
		expect(sink.received.length - before).toBe(1);
	});
});
