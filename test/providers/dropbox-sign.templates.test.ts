/**
 * The Dropbox Sign adapter's templates, send from template, bulk send, embedded signing links,
 * callback URLs (webhook register/list/delete, Direct mode) and files-not-ready, driven through
 * a ProviderClient over real HTTP against the Dropbox Sign simulator.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { FileNotReadyError, ProviderInputError, type ProviderClient } from '../../nodes/providers/adapter';
import { dropboxSignAdapter as adapter } from '../../nodes/providers/dropbox-sign/api';
import { dropboxSignWebhook } from '../../nodes/providers/dropbox-sign/webhook';
import { httpProviderClient } from '../helpers/provider-client';
import { ACK, startDropboxSignSimulator, type DropboxSignSimulator } from '../simulators/dropbox-sign/simulator';

const API_KEY = 'dbs-test-key-6f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b';
const CLIENT_ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';

let simulator: DropboxSignSimulator;

function clientFor(extra: Record<string, unknown> = {}) {
	return httpProviderClient(adapter, { apiKey: API_KEY, baseUrl: simulator.apiBaseUrl, ...extra }, `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`);
}

async function control(path: string, body: unknown): Promise<Record<string, unknown>> {
	const response = await fetch(`${simulator.url}/__control/${path}`, { method: 'POST', body: JSON.stringify(body) });
	return (await response.json()) as Record<string, unknown>;
}

async function template(title: string, roles: string[], fields: string[] = []): Promise<string> {
	return String((await control('template', { title, roles, fields })).template_id);
}

async function caught(promise: Promise<unknown>): Promise<Error> {
	return (await promise.then(
		() => new Error('expected a failure'),
		(error: unknown) => error,
	)) as Error;
}

afterEach(async () => {
	await simulator.close();
});

describe('Dropbox Sign templates', () => {
	beforeEach(async () => {
		simulator = await startDropboxSignSimulator({ apiKey: API_KEY, apiApps: [CLIENT_ID] });
	});

	it('lists templates page by page up to the limit, searches by title, and gets one with its roles and merge fields', async () => {
		const client = clientFor();
		const nda = await template('NDA', ['Employee', 'Manager'], ['Start date', 'Salary']);
		await template('Offer letter', ['Candidate']);
		await template('NDA (contractors)', ['Contractor']);

		const all = await adapter.template!.list!(client, { limit: 2 });
		expect(all.map((t) => t.name)).toEqual(['NDA', 'Offer letter']);
		const found = await adapter.template!.list!(client, { limit: 10, search: 'nda' });
		expect(found.map((t) => t.name)).toEqual(['NDA', 'NDA (contractors)']);
		expect(client.log.filter((l) => l.path === '/template/list')).toHaveLength(2);

		const one = await adapter.template!.get!(client, nda);
		expect(one).toMatchObject({ id: nda, name: 'NDA', roles: ['Employee', 'Manager'], fields: ['Start date', 'Salary'] });
	});

	it('sends from a template with signers by role and prefilled merge fields', async () => {
		const id = await template('NDA', ['Employee', 'Manager'], ['Start date']);
		const sent = await adapter.signatureRequest!.sendFromTemplate!(clientFor(), {
			templateId: id,
			title: 'NDA for Casey',
			message: 'Please sign',
			testMode: true,
			recipients: [
				{ role: 'manager', email: 'boss@example.com', name: 'Bo Boss' },
				{ role: 'Employee', email: 'casey@example.com', name: 'Casey', order: 1 },
			],
			fieldValues: { 'start date': '2027-01-04' },
		});
		expect(sent).toMatchObject({ name: 'NDA for Casey', status: 'pending' });
		const stored = simulator.state.requests.get(sent.id)!;
		expect(stored.signatures.map((s) => [s.signer_role, s.signer_email_address, s.order])).toEqual([
			['Manager', 'boss@example.com', 1],
			['Employee', 'casey@example.com', 0],
		]);
		expect(stored.custom_fields?.map((f) => [f.name, f.value])).toEqual([['Start date', '2027-01-04']]);
		expect(stored).toMatchObject({ test_mode: true, embedded: false, template_ids: [id] });
	});

	it('names the template\'s roles and fields when one given is unknown or a role is left empty, before sending', async () => {
		const id = await template('NDA', ['Employee', 'Manager'], ['Start date']);
		const client = clientFor();
		const base = { templateId: id, fieldValues: {}, recipients: [{ role: 'Employee', email: 'e@example.com', name: 'E' }, { role: 'Manager', email: 'm@example.com', name: 'M' }] };
		const role = await caught(adapter.signatureRequest!.sendFromTemplate!(client, { ...base, recipients: [{ role: 'Boss', email: 'b@example.com', name: 'B' }] }));
		expect(role).toBeInstanceOf(ProviderInputError);
		expect(role.message).toBe('Template "NDA" has no role "Boss"');
		expect((role as ProviderInputError).description).toBe('Its roles are "Employee", "Manager".');
		const field = await caught(adapter.signatureRequest!.sendFromTemplate!(client, { ...base, fieldValues: { Salary: '1' } }));
		expect(field.message).toBe('Template "NDA" has no field "Salary" to prefill');
		expect((field as ProviderInputError).description).toBe('Its prefillable (merge) fields are "Start date".');
		const missing = await caught(adapter.signatureRequest!.sendFromTemplate!(client, { ...base, recipients: base.recipients.slice(0, 1) }));
		expect(missing.message).toBe('Fill every role of template "NDA": "Manager" missing');
		const order = await caught(adapter.signatureRequest!.sendFromTemplate!(client, { ...base, recipients: [{ ...base.recipients[0], order: 2 }, base.recipients[1]] }));
		expect(order.message).toMatch(/takes the signing order from the template/);
		expect(simulator.state.requests.size).toBe(0);
	});

	it('simulator: rejects an unknown role and a missing role as Dropbox Sign does', async () => {
		const id = await template('NDA', ['Employee', 'Manager']);
		const post = async (signers: unknown) =>
			await fetch(`${simulator.apiBaseUrl}/signature_request/send_with_template`, {
				method: 'POST',
				headers: { authorization: `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`, 'content-type': 'application/json' },
				body: JSON.stringify({ template_ids: [id], signers }),
			});
		const unknown = await post([{ role: 'Boss', name: 'B', email_address: 'b@example.com' }]);
		expect(unknown.status).toBe(400);
		expect(await unknown.json()).toMatchObject({ error: { error_name: 'bad_request', error_msg: 'Invalid signer role: Boss' } });
		const missing = await post([{ role: 'Employee', name: 'E', email_address: 'e@example.com' }]);
		expect(await missing.json()).toMatchObject({ error: { error_msg: 'Missing signer for role: Manager' } });
	});

	it('bulk sends one request per row and reports each row\'s request from the bulk send job', async () => {
		const id = await template('Policy', ['Employee'], ['Team']);
		const result = await adapter.signatureRequest!.bulkSend!(clientFor(), {
			templateId: id,
			role: 'Employee',
			title: 'Policy 2027',
			rows: [
				{ email: 'a@example.com', name: 'A', fieldValues: { Team: 'Red' } },
				{ email: 'b@example.com', name: 'B', fieldValues: {} },
			],
		});
		expect(result.batchId).toMatch(/^[0-9a-f]{40}$/);
		expect(result.rows.map((r) => [r.index, r.email, r.status])).toEqual([
			[0, 'a@example.com', 'sent'],
			[1, 'b@example.com', 'sent'],
		]);
		const first = simulator.state.requests.get(result.rows[0].documentId!)!;
		expect(first).toMatchObject({ title: 'Policy 2027', bulk_send_job_id: result.batchId });
		expect(first.custom_fields?.[0]).toMatchObject({ name: 'Team', value: 'Red' });
		expect(simulator.state.requests.get(result.rows[1].documentId!)!.signatures[0].signer_email_address).toBe('b@example.com');
	});

	it('refuses a bulk send beyond 250 rows, and a template with more than the one role', async () => {
		const id = await template('Policy', ['Employee']);
		const rows = Array.from({ length: 251 }, (_, i) => ({ email: `p${i}@example.com`, name: `P${i}`, fieldValues: {} }));
		expect((await caught(adapter.signatureRequest!.bulkSend!(clientFor(), { templateId: id, role: 'Employee', rows }))).message).toBe(
			'Dropbox Sign bulk sends to at most 250 signers per job, got 251',
		);
		const two = await template('NDA', ['Employee', 'Manager']);
		expect((await caught(adapter.signatureRequest!.bulkSend!(clientFor(), { templateId: two, role: 'Employee', rows: rows.slice(0, 1) }))).message).toBe(
			'Template "NDA" has more roles than "Employee": "Manager"',
		);
	});
});

describe('Dropbox Sign embedded signing links', () => {
	beforeEach(async () => {
		simulator = await startDropboxSignSimulator({ apiKey: API_KEY, apiApps: [CLIENT_ID] });
	});

	it('creates embedded requests with the credential\'s client ID and returns a signer\'s sign URL', async () => {
		const id = await template('NDA', ['Employee']);
		const client = clientFor({ embeddedClientId: CLIENT_ID });
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'Casey' }], fieldValues: {} });
		expect(simulator.state.requests.get(sent.id)).toMatchObject({ embedded: true, client_id: CLIENT_ID });
		const link = await adapter.invite.signingLink!(client, { documentId: sent.id, email: 'Casey@example.com' });
		expect(link.url).toMatch(new RegExp(`^${simulator.url}/editor/embeddedSign\\?signature_id=[0-9a-f]{40}&token=`));
		expect(link.email).toBe('casey@example.com');
		expect(Date.parse(link.expiresAt!)).toBeGreaterThan(Date.now());
		expect((await caught(adapter.invite.signingLink!(client, { documentId: sent.id, email: 'x@example.com' }))).message).toBe(
			`x@example.com is not a signer of signature request ${sent.id}`,
		);
	});

	it('explains that links need an API app when the credential has none, and passes on Dropbox Sign\'s refusal for a request sent by email', async () => {
		const id = await template('NDA', ['Employee']);
		const sent = await adapter.signatureRequest!.sendFromTemplate!(clientFor(), { templateId: id, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'Casey' }], fieldValues: {} });
		const none = await caught(adapter.invite.signingLink!(clientFor(), { documentId: sent.id, email: 'casey@example.com' }));
		expect(none).toBeInstanceOf(ProviderInputError);
		expect(none.message).toBe('Dropbox Sign gives signing links only for embedded signature requests');
		const notEmbedded = await caught(adapter.invite.signingLink!(clientFor({ embeddedClientId: CLIENT_ID }), { documentId: sent.id, email: 'casey@example.com' }));
		expect(notEmbedded.message).toBe('Dropbox Sign answered HTTP 400: This signature request was not created for embedded signing (bad_request)');
	});

	it('simulator: refuses an embedded request without a client_id, or with one of no app of the account', async () => {
		const id = await template('NDA', ['Employee']);
		const sendEmbedded = (clientId?: string) =>
			caught(
				clientFor().request({
					method: 'POST',
					path: '/signature_request/create_embedded_with_template',
					body: { kind: 'json', data: { template_ids: [id], signers: [{ role: 'Employee', name: 'E', email_address: 'e@example.com' }], ...(clientId ? { client_id: clientId } : {}) } },
				}),
			);
		expect((await sendEmbedded()).message).toMatch(/client_id is required/);
		expect((await sendEmbedded('deadbeef')).message).toMatch(/No API app with client_id deadbeef/);
	});
});

describe('Dropbox Sign callback URLs as webhooks', () => {
	let receiver: Server;
	let receiverUrl: string;
	const received: Buffer[] = [];

	beforeEach(async () => {
		simulator = await startDropboxSignSimulator({ apiKey: API_KEY, apiApps: [CLIENT_ID], filesPreparationMs: 300 });
		received.length = 0;
		receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push(Buffer.concat(chunks));
				const answer = adapter.directWebhook!.response!;
				response.writeHead(200, { 'content-type': answer.contentType }).end(answer.body);
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
	});

	afterEach(async () => {
		receiver.closeAllConnections();
		await new Promise<void>((resolve) => receiver.close(() => resolve()));
	});

	it('registers, lists and deletes the account callback URL', async () => {
		const client = clientFor();
		expect(await adapter.webhook.list!(client)).toEqual([]);
		const [subscription] = await adapter.webhook.register!(client, { events: ['signature_request_signed'], callbackUrl: receiverUrl });
		expect(subscription).toMatchObject({ id: 'account', event: '*', callbackUrl: receiverUrl });
		expect(simulator.state.callbackUrl).toBe(receiverUrl);
		expect((await adapter.webhook.list!(client)).map((s) => [s.id, s.callbackUrl])).toEqual([['account', receiverUrl]]);
		// One URL per account: another one is refused instead of silently replacing it.
		const taken = await caught(adapter.webhook.register!(client, { events: [], callbackUrl: 'https://elsewhere.example.com/x' }));
		expect(taken.message).toBe(`The Dropbox Sign account already sends its events to ${receiverUrl}`);
		await adapter.webhook.delete!(client, 'account');
		expect(simulator.state.callbackUrl).toBeUndefined();
		expect(await adapter.webhook.list!(client)).toEqual([]);
		expect((await caught(adapter.webhook.delete!(client, 'nope'))).message).toBe('"nope" is not a Dropbox Sign callback');
	});

	it('registers on the API app when the credential names one; the app callback gets the embedded request\'s events, verified with the API key (Direct mode)', async () => {
		const client = clientFor({ embeddedClientId: CLIENT_ID });
		const [subscription] = await adapter.webhook.register!(client, { events: [], callbackUrl: receiverUrl });
		expect(subscription.id).toBe(`api_app:${CLIENT_ID}`);
		expect(simulator.state.apiApps.get(CLIENT_ID)?.callback_url).toBe(receiverUrl);
		expect(adapter.directWebhook).toMatchObject({ secret: { kind: 'credential', field: 'apiKey' }, response: { body: ACK } });

		const id = await template('NDA', ['Employee']);
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'Casey' }], fieldValues: {} });
		await simulator.settled();
		expect(simulator.state.callbacks.map((c) => [c.url, c.eventType, c.acknowledged])).toEqual([[receiverUrl, 'signature_request_sent', true]]);
		const options = dropboxSignWebhook.parseOptions(adapter.directWebhook!.handlerOptions);
		const request = { rawBody: received[0], headers: { 'content-type': `multipart/form-data; boundary=${/^--(.+)\r\n/.exec(received[0].toString())![1]}` } };
		expect(() => dropboxSignWebhook.verify(request, [String(client.credentials.apiKey)], options, Date.now())).not.toThrow();
		expect(dropboxSignWebhook.normalize(request, options, Date.now())[0]).toMatchObject({ type: 'invite.sent', documentId: sent.id });

		await adapter.webhook.delete!(client, subscription.id);
		expect(simulator.state.apiApps.get(CLIENT_ID)?.callback_url).toBeNull();
	});

	it('answers FileNotReadyError while the signed files are prepared, then sends signature_request_downloadable and serves the PDF', async () => {
		const client = clientFor();
		await adapter.webhook.register!(client, { events: [], callbackUrl: receiverUrl });
		const id = await template('NDA', ['Employee']);
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'Casey' }], fieldValues: {} });
		await control('sign', { signatureRequestId: sent.id, email: 'casey@example.com' });
		expect((await adapter.document.get!(client, sent.id)).status).toBe('completed');
		const notReady = await caught(adapter.document.download!(client, { documentId: sent.id, withHistory: false }));
		expect(notReady).toBeInstanceOf(FileNotReadyError);
		expect((notReady as FileNotReadyError).retryAfterMs).toBe(3_000);
		expect(notReady.message).toMatch(/still preparing the files/);

		const deadline = Date.now() + 5_000;
		while (!simulator.state.callbacks.some((c) => c.eventType === 'signature_request_downloadable') && Date.now() < deadline) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			await simulator.settled();
		}
		expect(simulator.state.callbacks.map((c) => c.eventType)).toEqual(['signature_request_sent', 'signature_request_signed', 'signature_request_all_signed', 'signature_request_downloadable']);
		const file = await adapter.document.download!(client, { documentId: sent.id, withHistory: false });
		expect(file.data.toString('latin1')).toContain('signed: casey@example.com');
	});

	it('refuses to limit a callback to one request (Dropbox Sign has no such scope)', async () => {
		const client: ProviderClient = clientFor();
		const error = await caught(adapter.webhook.register!(client, { events: [], callbackUrl: receiverUrl, documentId: 'a'.repeat(40) }));
		expect(error.message).toBe('Dropbox Sign callbacks cannot be limited to one signature request');
	});
});
