/**
 * The E-Signature node's Dropbox Sign operations through n8n's execution engine against the
 * Dropbox Sign simulator (real HTTP, Basic auth with the API key), and the simulator's callbacks
 * through the relay's handler, answered with the body Dropbox Sign requires.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DropboxSignApi } from '../../credentials/DropboxSignApi.credentials';
import { DropboxSign } from '../../nodes/DropboxSign/DropboxSign.node';
import { dropboxSignWebhook } from '../../nodes/providers/dropbox-sign/webhook';
import { binaryBytes, binaryItem, contractPdf, runNode, TestCredentialsHelper } from '../helpers';
import { ACK, startDropboxSignSimulator, type DropboxSignSimulator } from '../simulators/dropbox-sign/simulator';

const API_KEY = 'dbs-test-key-6f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b';

let simulator: DropboxSignSimulator;
let credentials: TestCredentialsHelper;
let credential: { id: string; name: string };

beforeEach(async () => {
	simulator = await startDropboxSignSimulator({ apiKey: API_KEY });
	credentials = new TestCredentialsHelper([new DropboxSignApi()]);
	credential = credentials.add('dropboxSignApi', { apiKey: API_KEY, baseUrl: simulator.apiBaseUrl }) as { id: string; name: string };
});

afterEach(async () => {
	await simulator.close();
});

async function run(parameters: Record<string, unknown>) {
	return await runNode({
		node: {
			type: 'dropboxSign',
			parameters: { authentication: 'apiKey', ...parameters },
			credentials: { dropboxSignApi: credential },
		},
		nodeTypes: { dropboxSign: new DropboxSign() },
		credentialsHelper: credentials,
	});
}

async function sendRequest(extra: Record<string, unknown> = {}): Promise<string> {
	const sent = await runNode({
		node: {
			type: 'dropboxSign',
			parameters: {
				authentication: 'apiKey',
				resource: 'signatureRequest',
				operation: 'send',
				binaryPropertyName: 'data',
				requestSigners: { signer: [{ email: 'candidate@example.com', name: 'Casey Candidate' }] },
				options: { title: 'Offer letter' },
				...extra,
			},
			credentials: { dropboxSignApi: credential },
		},
		nodeTypes: { dropboxSign: new DropboxSign() },
		credentialsHelper: credentials,
		input: [binaryItem(contractPdf('Offer', 2), 'offer.pdf')],
	});
	if (sent.error) throw new Error(`send failed: ${sent.error.message}`);
	return String(sent.items[0].json.id);
}

describe('E-Signature node × Dropbox Sign simulator', () => {
	it('sends a multipart signature request with bracketed signer fields through the engine', async () => {
		const id = await sendRequest();
		const stored = simulator.state.requests.get(id);
		expect(stored?.signatures.map((s) => [s.signer_email_address, s.signer_name, s.order])).toEqual([['candidate@example.com', 'Casey Candidate', null]]);
		expect(stored?.file.equals(contractPdf('Offer', 2))).toBe(true);
		expect(stored?.formFields).toEqual([]);
		expect(stored?.test_mode).toBe(false);
	});

	it('sends signing order (from 0), form fields per signer, subject, message and test mode', async () => {
		const id = await sendRequest({
			requestSigners: {
				signer: [
					{ email: 'candidate@example.com', name: 'Casey Candidate', role: 'Candidate', order: 1 },
					{ email: 'hr@example.com', name: 'Harper HR', order: 2 },
				],
			},
			signatureFields: {
				field: [
					{ type: 'signature', role: 'Candidate', page: 2, x: 72, y: 650, width: 200, height: 40, required: true },
					{ type: 'date', role: 'hr@example.com', page: 2, x: 300, y: 650, width: 120, height: 20, required: false, label: 'Date' },
				],
			},
			options: { title: 'Offer letter', subject: 'Your offer', message: 'Welcome aboard', testMode: true },
		});
		const stored = simulator.state.requests.get(id);
		expect(stored?.signatures.map((s) => [s.signer_email_address, s.order])).toEqual([
			['candidate@example.com', 0],
			['hr@example.com', 1],
		]);
		expect(stored).toMatchObject({ subject: 'Your offer', message: 'Welcome aboard', test_mode: true });
		expect(stored?.formFields).toEqual([
			{ document_index: 0, api_id: 'field_1', name: '', type: 'signature', signer: '0', page: 2, x: 72, y: 650, width: 200, height: 40, required: true },
			{ document_index: 0, api_id: 'field_2', name: 'Date', type: 'date_signed', signer: '1', page: 2, x: 300, y: 650, width: 120, height: 20, required: false },
		]);
	});

	it('refuses a signer without a name before calling Dropbox Sign', async () => {
		await expect(sendRequest({ requestSigners: { signer: [{ email: 'candidate@example.com', name: ' ' }] } })).rejects.toThrow(
			'send failed: Signer 1: the name is empty',
		);
		expect(simulator.state.requests.size).toBe(0);
	});

	it('gets a signature request through the engine', async () => {
		const id = await sendRequest();
		const result = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id, name: 'Offer letter', status: 'pending' });
	});

	it('reminds a signer, and refuses a stranger with Dropbox Sign\'s error', async () => {
		const id = await sendRequest();
		const reminded = await run({ resource: 'signatureRequest', operation: 'remind', documentId: id, signerEmail: 'candidate@example.com' });
		expect(reminded.error).toBeUndefined();
		expect(reminded.items[0].json).toMatchObject({ id, status: 'pending', remindedEmail: 'candidate@example.com' });
		expect(simulator.state.requests.get(id)?.signatures[0].last_reminded_at).not.toBeNull();
		const stranger = await run({ resource: 'signatureRequest', operation: 'remind', documentId: id, signerEmail: 'nobody@example.com' });
		expect(stranger.error?.message).toBe('Dropbox Sign answered HTTP 400: email_address is not a signer of this request (bad_request)');
	});

	it('downloads the signed PDF once complete', async () => {
		const id = await sendRequest();
		await fetch(`${simulator.url}/__control/sign`, { method: 'POST', body: JSON.stringify({ signatureRequestId: id, email: 'candidate@example.com' }) });
		const file = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(file.error).toBeUndefined();
		expect(binaryBytes(file.items[0]).toString('latin1')).toContain('signed: candidate@example.com');
	});

	it('cancels a pending request', async () => {
		const id = await sendRequest();
		const result = await run({ resource: 'invite', operation: 'cancel', documentId: id });
		expect(result.error).toBeUndefined();
		expect(simulator.state.requests.get(id)?.cancelled).toBe(true);
	});

	it('reports a wrong API key with Dropbox Sign\'s message', async () => {
		const bad = credentials.add('dropboxSignApi', { apiKey: 'wrong', baseUrl: simulator.apiBaseUrl }) as { id: string; name: string };
		const result = await runNode({
			node: {
				type: 'dropboxSign',
				parameters: { authentication: 'apiKey', resource: 'document', operation: 'get', documentId: 'a'.repeat(40) },
				credentials: { dropboxSignApi: bad },
			},
			nodeTypes: { dropboxSign: new DropboxSign() },
			credentialsHelper: credentials,
		});
		expect(result.error?.message ?? '').toMatch(/Unauthorized|401/i);
	});
});

describe('Dropbox Sign simulator callbacks', () => {
	it('posts multipart `json` callbacks the handler verifies; without the exact acknowledgement it retries the same event', async () => {
		let answer = 'ok';
		const received: Array<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			simulator.state.callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
			await sendRequest();
			// Callbacks are posted in the background, as Dropbox Sign does: wait for the worker.
			await simulator.settled();
			expect(simulator.state.callbacks[0].acknowledged).toBe(false);
			answer = ACK;
			await fetch(`${simulator.url}/__control/retry-failed`, { method: 'POST' });
			expect(simulator.state.callbacks.at(-1)?.acknowledged).toBe(true);

			const options = dropboxSignWebhook.parseOptions({});
			const events = received.map((r) => {
				const request = { rawBody: r.body, headers: r.headers };
				dropboxSignWebhook.verify(request, [API_KEY], options, Date.now());
				return dropboxSignWebhook.normalize(request, options, Date.now())[0];
			});
			expect(String(received[0].headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
			expect(events.map((e) => e.type)).toEqual(['invite.sent', 'invite.sent']);
			expect(events[1].id).toBe(events[0].id);
			expect(() => dropboxSignWebhook.verify({ rawBody: received[0].body, headers: received[0].headers }, ['other-key'], options, Date.now())).toThrow(
				/does not match/,
			);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});
});
