import { generateKeyPairSync } from 'node:crypto';

import { legalesignWebhook, type LegalesignOptions } from '../../nodes/providers/legalesign/webhook';
import type { InboundWebhook } from '../../nodes/providers/webhook';
import { rejection } from '../helpers/webhook';
import { webhookHandlers } from '../../nodes/providers/webhooks';
import { createSelfSignedCertificate } from '../simulators/legalesign/certificate';
import {
	LegalesignSimulator,
	legalesignTimestamp,
	pythonJsonDumps,
	type CallbackRequest,
} from '../simulators/legalesign/simulator';

const NOW = Date.parse('2026-03-20T07:15:00.000Z');
const TOKEN = 'tok_4c1d0a9e6b7f48b2a0e3c5d7f9a1b3c5';

const simulator = new LegalesignSimulator();
const otherProvider = createSelfSignedCertificate('someone-else');
const options: LegalesignOptions = legalesignWebhook.parseOptions({});

function inbound(request: CallbackRequest, query?: Record<string, string>): InboundWebhook {
	return { rawBody: Buffer.from(request.body, 'utf8'), headers: request.headers, ...(query ? { query } : {}) };
}

/** The seed's example: a signer signs (40) and the document is fully signed (30). */
function seedBatch() {
	const doc = simulator.createDocument(1);
	const at = NOW - 60_000;
	simulator.recordSignerStatus(doc.signerIds[0], 20, at - 30_000);
	simulator.recordSignerStatus(doc.signerIds[0], 40, at);
	simulator.recordDocumentStatus(doc.documentId, 30, at);
	return { doc, request: simulator.takeBatch() };
}

describe('Legalesign batched "all" callback', () => {
	it('is registered under its provider type', () => {
		expect(webhookHandlers.legalesign).toBe(legalesignWebhook);
	});

	it('verifies the RSA-SHA1 signature and splits the batch into one event per change', () => {
		const { doc, request } = seedBatch();
		const webhook = inbound(request);
		legalesignWebhook.verify(webhook, [simulator.certificatePem], options, NOW);
		const events = legalesignWebhook.normalize(webhook, options, NOW);

		expect(events.map((event) => [event.type, event.providerEvent, event.documentId])).toEqual([
			['document.viewed', 'signer.status.20', null],
			['invite.signed', 'signer.status.40', null],
			['document.completed', 'document.status.30', doc.documentId],
		]);
		expect(events[1].payload).toEqual({
			timestamp: legalesignTimestamp(NOW - 60_000),
			name: 'status',
			value: '40',
			resource_uri: `/api/v1/signer/${doc.signerIds[0]}/`,
		});
		expect(events[2].occurredAt).toBe(new Date(NOW - 60_000).toISOString());
		expect(new Set(events.map((event) => event.id)).size).toBe(3);
		for (const event of events) expect(event.provider).toBe('legalesign');
	});

	it('gives every change the same id on a retry, and on a later batch that repeats it', () => {
		const { request } = seedBatch();
		const first = legalesignWebhook.normalize(inbound(request), options, NOW);
		const retry = legalesignWebhook.normalize(inbound(request), options, NOW + 360_000);
		expect(retry.map((event) => event.id)).toEqual(first.map((event) => event.id));

		// The same change reported again inside a bigger batch keeps its id; the new one gets its own.
		const repeated = JSON.parse(new URLSearchParams(request.body).get('data') as string) as unknown[];
		const extra = { timestamp: legalesignTimestamp(NOW), name: 'status', value: '50', resource_uri: '/api/v1/signer/s-2/' };
		const bigger = simulator.batchRequest(pythonJsonDumps([...(repeated as never[]), extra]));
		const next = legalesignWebhook.normalize(inbound(bigger), options, NOW);
		expect(next.slice(0, 3).map((event) => event.id)).toEqual(first.map((event) => event.id));
		expect(first.map((event) => event.id)).not.toContain(next[3].id);
	});

	it('accepts any of several certificates, for a rotation', () => {
		const { request } = seedBatch();
		expect(() =>
			legalesignWebhook.verify(inbound(request), [otherProvider.certificatePem, simulator.certificatePem], options, NOW),
		).not.toThrow();
	});

	it('rejects tampered data', () => {
		const { request } = seedBatch();
		const form = new URLSearchParams(request.body);
		form.set('data', (form.get('data') as string).replace('"40"', '"60"'));
		const error = rejection(() =>
			legalesignWebhook.verify(inbound({ ...request, body: form.toString() }), [simulator.certificatePem], options, NOW),
		);
		expect(error.reason).toBe('bad_signature');
		expect(error.status).toBe(401);
	});

	it('rejects a batch signed by another key (wrong certificate configured)', () => {
		const { request } = seedBatch();
		const error = rejection(() => legalesignWebhook.verify(inbound(request), [otherProvider.certificatePem], options, NOW));
		expect(error.reason).toBe('bad_signature');

		const data = new URLSearchParams(request.body).get('data') as string;
		const forged = simulator.batchRequest(data, otherProvider.privateKey);
		expect(rejection(() => legalesignWebhook.verify(inbound(forged), [simulator.certificatePem], options, NOW)).reason).toBe(
			'bad_signature',
		);
	});

	it('rejects a signature that is not base64, and a batch with no signature', () => {
		const { request } = seedBatch();
		const form = new URLSearchParams(request.body);
		form.set('signed', 'not*base64!');
		expect(
			rejection(() => legalesignWebhook.verify(inbound({ ...request, body: form.toString() }), [simulator.certificatePem], options, NOW))
				.reason,
		).toBe('bad_signature');
		form.delete('signed');
		expect(
			rejection(() => legalesignWebhook.verify(inbound({ ...request, body: form.toString() }), [simulator.certificatePem], options, NOW))
				.reason,
		).toBe('missing_signature');
	});

	it('rejects a replayed batch whose newest change is older than the window', () => {
		const { request } = seedBatch();
		const later = NOW + 3 * 24 * 3600_000 + 1000;
		expect(rejection(() => legalesignWebhook.verify(inbound(request), [simulator.certificatePem], options, later)).reason).toBe(
			'stale_timestamp',
		);
		const lenient = legalesignWebhook.parseOptions({ maxAgeSeconds: 0 });
		expect(() => legalesignWebhook.verify(inbound(request), [simulator.certificatePem], lenient, later)).not.toThrow();
	});

	it('rejects malformed batches even when correctly signed', () => {
		const notJson = simulator.batchRequest('[{"timestamp": ');
		expect(rejection(() => legalesignWebhook.verify(inbound(notJson), [simulator.certificatePem], options, NOW)).reason).toBe(
			'malformed_body',
		);
		const notAList = simulator.batchRequest('{"status": "30"}');
		expect(rejection(() => legalesignWebhook.verify(inbound(notAList), [simulator.certificatePem], options, NOW)).status).toBe(400);
		const badUri = simulator.batchRequest(
			pythonJsonDumps([{ timestamp: legalesignTimestamp(NOW), name: 'status', value: '30', resource_uri: '/api/v1/template/x/' }]),
		);
		expect(rejection(() => legalesignWebhook.normalize(inbound(badUri), options, NOW)).reason).toBe('malformed_body');
	});

	it('rejects a JSON body: Legalesign posts forms', () => {
		const { request } = seedBatch();
		const error = rejection(() =>
			legalesignWebhook.verify(
				inbound({ body: request.body, headers: { 'content-type': 'application/json' } }),
				[simulator.certificatePem],
				options,
				NOW,
			),
		);
		expect(error.reason).toBe('unsupported_media_type');
		expect(error.status).toBe(415);
	});

	it('reads a certificate-less secret list as a configuration fault, not a pass', () => {
		const { request } = seedBatch();
		expect(rejection(() => legalesignWebhook.verify(inbound(request), [TOKEN], options, NOW)).reason).toBe('bad_signature');
		const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
		expect(() => legalesignWebhook.verify(inbound(request), [broken], options, NOW)).toThrow(/cannot be read as PEM X\.509/);
	});

	it('rejects a signature made by an unrelated RSA key', () => {
		const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
		const { request } = seedBatch();
		const data = new URLSearchParams(request.body).get('data') as string;
		const forged = simulator.batchRequest(data, privateKey);
		expect(rejection(() => legalesignWebhook.verify(inbound(forged), [simulator.certificatePem], options, NOW)).reason).toBe(
			'bad_signature',
		);
	});
});

describe('Legalesign realtime "signed" callback', () => {
	const secrets = [simulator.certificatePem, TOKEN];

	it('is accepted with the URL token and maps to document.completed', () => {
		const doc = simulator.createDocument();
		const request = inbound(simulator.signedCallback(doc.documentId, 'NDA – Acme', 'acme', 'deal-7'), { token: TOKEN });
		legalesignWebhook.verify(request, secrets, options, NOW);
		const [event] = legalesignWebhook.normalize(request, options, NOW);
		expect(event).toMatchObject({
			provider: 'legalesign',
			type: 'document.completed',
			providerEvent: 'signed',
			documentId: doc.documentId,
			documentName: 'NDA – Acme',
			payload: { group: '/api/v1/group/acme/', tag: 'deal-7', uuid: doc.documentId },
		});
	});

	it('has the same id as the batch change that reports the same completion', () => {
		const doc = simulator.createDocument();
		simulator.recordDocumentStatus(doc.documentId, 30, NOW - 1000);
		const [fromBatch] = legalesignWebhook.normalize(inbound(simulator.takeBatch()), options, NOW);
		const realtime = inbound(simulator.signedCallback(doc.documentId, 'x'), { token: TOKEN });
		const [fromRealtime] = legalesignWebhook.normalize(realtime, options, NOW + 5000);
		expect(fromRealtime.id).toBe(fromBatch.id);
	});

	it('rejects it without a token, with a wrong token, and when no token is configured', () => {
		const doc = simulator.createDocument();
		const request = simulator.signedCallback(doc.documentId, 'x');
		expect(rejection(() => legalesignWebhook.verify(inbound(request), secrets, options, NOW)).reason).toBe('missing_signature');
		expect(rejection(() => legalesignWebhook.verify(inbound(request, { token: `${TOKEN}x` }), secrets, options, NOW)).reason).toBe(
			'bad_signature',
		);
		expect(
			rejection(() => legalesignWebhook.verify(inbound(request, { token: TOKEN }), [simulator.certificatePem], options, NOW)).message,
		).toMatch(/configure a URL token secret/);
	});

	it('reads the token from the configured query parameter', () => {
		const custom = legalesignWebhook.parseOptions({ tokenParameter: 'k' });
		const request = inbound(simulator.signedCallback(simulator.createDocument().documentId, 'x'), { k: TOKEN });
		expect(() => legalesignWebhook.verify(request, secrets, custom, NOW)).not.toThrow();
		expect(rejection(() => legalesignWebhook.verify(request, secrets, options, NOW)).reason).toBe('missing_signature');
	});

	it('verifies the signed variant (json_signed + X-Signed) against the certificate', () => {
		const doc = simulator.createDocument();
		const request = simulator.signedCallbackWithSignature(doc.documentId, 'Lease');
		legalesignWebhook.verify(inbound(request), [simulator.certificatePem], options, NOW);
		expect(legalesignWebhook.normalize(inbound(request), options, NOW)[0]).toMatchObject({
			type: 'document.completed',
			documentId: doc.documentId,
			documentName: 'Lease',
		});
		const tampered = { ...request, body: request.body.replace('Lease', 'Lense') };
		expect(rejection(() => legalesignWebhook.verify(inbound(tampered), [simulator.certificatePem], options, NOW)).reason).toBe(
			'bad_signature',
		);
	});

	it('rejects a realtime callback that names no document', () => {
		const request = inbound({ body: 'group=%2Fapi%2Fv1%2Fgroup%2Fg%2F&name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, { token: TOKEN });
		expect(rejection(() => legalesignWebhook.normalize(request, options, NOW)).reason).toBe('malformed_body');
	});
});

describe('Legalesign source options', () => {
	it('explain what is wrong', () => {
		expect(() => legalesignWebhook.parseOptions({ tokenParameter: 'a b' })).toThrow(/tokenParameter/);
		expect(() => legalesignWebhook.parseOptions({ maxAgeSeconds: -1 })).toThrow(/maxAgeSeconds/);
		expect(() => legalesignWebhook.parseOptions('x')).toThrow(/must be an object/);
		expect(legalesignWebhook.parseOptions(undefined)).toEqual({ tokenParameter: 'token', maxAgeSeconds: 216000 });
	});
});
