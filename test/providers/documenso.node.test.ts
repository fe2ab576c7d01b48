/**
 * The E-Signature node's Documenso operations, run through n8n's execution engine against the
 * Documenso simulator over real HTTP, and the simulator's webhooks checked by the pure module.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DocumensoApi } from '../../credentials/DocumensoApi.credentials';
import { Documenso } from '../../nodes/Documenso/Documenso.node';
import { documensoWebhook } from '../../nodes/providers/documenso/webhook';
import { binaryBytes, binaryItem, contractPdf, runNode, TestCredentialsHelper } from '../helpers';
import { startDocumensoSimulator, type DocumensoSimulator } from '../simulators/documenso/simulator';

const TOKEN = 'api_testToken9f3k2mZq';

let simulator: DocumensoSimulator;
let credentials: TestCredentialsHelper;
let credential: { id: string; name: string };

beforeEach(async () => {
	simulator = await startDocumensoSimulator({ apiToken: TOKEN });
	credentials = new TestCredentialsHelper([new DocumensoApi()]);
	credential = credentials.add('documensoApi', { apiToken: TOKEN, baseUrl: simulator.apiBaseUrl }) as { id: string; name: string };
});

afterEach(async () => {
	await simulator.close();
});

async function run(parameters: Record<string, unknown>, input = [{ json: {} }] as Parameters<typeof runNode>[0]['input']) {
	return await runNode({
		node: {
			type: 'documenso',
			parameters: { authentication: 'apiToken', ...parameters },
			credentials: { documensoApi: credential },
		},
		nodeTypes: { documenso: new Documenso() },
		credentialsHelper: credentials,
		input,
	});
}

async function upload(): Promise<string> {
	const result = await run(
		{ resource: 'document', operation: 'upload', binaryPropertyName: 'data' },
		[binaryItem(contractPdf('Lease'), 'lease.pdf')],
	);
	expect(result.error).toBeUndefined();
	return String(result.items[0].json.id);
}

async function addSignatureField(documentId: string, email: string) {
	return await run({
		resource: 'document',
		operation: 'addFields',
		documentId,
		fields: { field: [{ type: 'signature', role: email, page: 1, x: 306, y: 396, width: 122.4, height: 39.6, required: true }] },
	});
}

describe('E-Signature node × Documenso simulator', () => {
	it('uploads a PDF as a draft envelope (multipart payload + files)', async () => {
		const id = await upload();
		expect(id).toMatch(/^envelope_/);
		const stored = simulator.state.envelopes.get(id);
		expect(stored?.title).toBe('lease');
		expect(stored?.status).toBe('DRAFT');
		expect(stored?.envelopeItems[0].data.subarray(0, 5).toString()).toBe('%PDF-');
	});

	it('adds fields as percentages of the page, creating the recipient from the email', async () => {
		const id = await upload();
		const result = await addSignatureField(id, 'tenant@example.com');
		expect(result.error).toBeUndefined();
		const stored = simulator.state.envelopes.get(id);
		expect(stored?.recipients.map((r) => [r.email, r.role])).toEqual([['tenant@example.com', 'SIGNER']]);
		expect(stored?.fields[0]).toMatchObject({ type: 'SIGNATURE', page: 1, positionX: 50, positionY: 50, width: 20, height: 5 });
	});

	it('rejects a field whose role is not an email before calling Documenso', async () => {
		const id = await upload();
		const before = simulator.state.requests.length;
		const result = await addSignatureField(id, 'Signer 1');
		expect(result.error?.message).toMatch(/not an email address/);
		expect(simulator.state.requests.length).toBe(before);
	});

	it('distributes, reports the status, and downloads the signed PDF after signing', async () => {
		const id = await upload();
		expect((await addSignatureField(id, 'tenant@example.com')).error).toBeUndefined();
		const sent = await run({
			resource: 'invite',
			operation: 'send',
			documentId: id,
			signers: { signer: [{ email: 'tenant@example.com', role: 'tenant@example.com', order: 1 }] },
			options: { subject: 'Please sign the lease' },
		});
		expect(sent.error).toBeUndefined();
		expect(simulator.state.envelopes.get(id)?.status).toBe('PENDING');
		expect(simulator.state.envelopes.get(id)?.documentMeta.subject).toBe('Please sign the lease');

		const pending = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(pending.items[0].json).toMatchObject({ id, status: 'pending' });

		const early = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(early.error?.message).toMatch(/not signed yet/);

		await fetch(`${simulator.url}/__control/sign`, {
			method: 'POST',
			body: JSON.stringify({ envelopeId: id, email: 'tenant@example.com' }),
		});
		const done = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(done.items[0].json).toMatchObject({ status: 'completed' });

		const file = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(file.error).toBeUndefined();
		const bytes = binaryBytes(file.items[0]);
		expect(bytes.toString('latin1')).toContain('signed by tenant@example.com');
		expect(file.items[0].binary?.data.fileName).toBe('lease_signed.pdf');
	});

	it('surfaces Documenso\'s own error when distributing without a signature field', async () => {
		const id = await upload();
		const sent = await run({
			resource: 'invite',
			operation: 'send',
			documentId: id,
			signers: { signer: [{ email: 'a@example.com', role: 'a@example.com' }] },
		});
		expect(sent.error?.message ?? '').toMatch(/without a signature field/);
	});

	it('fails with a readable error on a wrong API token', async () => {
		const bad = credentials.add('documensoApi', { apiToken: 'api_wrong', baseUrl: simulator.apiBaseUrl }) as { id: string; name: string };
		const result = await runNode({
			node: {
				type: 'documenso',
				parameters: { authentication: 'apiToken', resource: 'document', operation: 'get', documentId: 'envelope_x' },
				credentials: { documensoApi: bad },
			},
			nodeTypes: { documenso: new Documenso() },
			credentialsHelper: credentials,
		});
		expect(result.error?.message ?? '').toMatch(/Unauthorized|401|authori/i);
	});
});

describe('Documenso simulator webhooks', () => {
	it('sends DOCUMENT_SIGNED and DOCUMENT_COMPLETED with X-Documenso-Secret, which the handler verifies; a retry keeps the id', async () => {
		const received: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.end('{}');
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
			simulator.state.webhooks.push({ url, secret: 'whs-documenso-1', events: ['DOCUMENT_SIGNED', 'DOCUMENT_COMPLETED'] });
			const id = await upload();
			await addSignatureField(id, 'tenant@example.com');
			await run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'tenant@example.com', role: 'tenant@example.com' }] } });
			await fetch(`${simulator.url}/__control/sign`, { method: 'POST', body: JSON.stringify({ envelopeId: id, email: 'tenant@example.com' }) });
			await fetch(`${simulator.url}/__control/redeliver`, { method: 'POST', body: JSON.stringify({ index: 1 }) });

			expect(received.map((r) => JSON.parse(r.body.toString()).event)).toEqual(['DOCUMENT_SIGNED', 'DOCUMENT_COMPLETED', 'DOCUMENT_COMPLETED']);
			const options = documensoWebhook.parseOptions({});
			const events = received.map((r) => {
				const request = { rawBody: r.body, headers: r.headers };
				documensoWebhook.verify(request, ['whs-documenso-1'], options, Date.now());
				return documensoWebhook.normalize(request, options, Date.now())[0];
			});
			expect(events.map((e) => [e.type, e.documentId, e.signerEmail])).toEqual([
				['invite.signed', id, 'tenant@example.com'],
				['document.completed', id, 'tenant@example.com'],
				['document.completed', id, 'tenant@example.com'],
			]);
			expect(events[2].id).toBe(events[1].id);
			expect(events[1].id).not.toBe(events[0].id);
			expect(() =>
				documensoWebhook.verify({ rawBody: received[0].body, headers: received[0].headers }, ['other'], options, Date.now()),
			).toThrow(/does not match/);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});
});
