/**
 * Issue 14's Dropbox Sign operations through n8n's execution engine against the simulator (real
 * HTTP, Basic auth): Template → List / Get, Signature Request → Send From Template / Bulk Send
 * From Template, Invite → Get Signing Link, Document → Download waiting for the files, and
 * Webhook → Register / List / Delete on the account callback URL.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import { DropboxSignApi } from '../../credentials/DropboxSignApi.credentials';
import { DropboxSign } from '../../nodes/DropboxSign/DropboxSign.node';
import { binaryBytes, runNode, TestCredentialsHelper } from '../helpers';
import { startDropboxSignSimulator, type DropboxSignSimulator } from '../simulators/dropbox-sign/simulator';

const API_KEY = 'dbs-test-key-6f1e0c9a8b7d6e5f4a3b2c1d0e9f8a7b';
const CLIENT_ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';

let simulator: DropboxSignSimulator;
let credentials: TestCredentialsHelper;

beforeEach(async () => {
	simulator = await startDropboxSignSimulator({ apiKey: API_KEY, apiApps: [CLIENT_ID], filesPreparationMs: 1_500 });
	credentials = new TestCredentialsHelper([new DropboxSignApi()]);
});

afterEach(async () => {
	await simulator.close();
});

async function run(parameters: Record<string, unknown>, options: { embedded?: boolean; input?: INodeExecutionData[] } = {}) {
	const credential = credentials.add('dropboxSignApi', { apiKey: API_KEY, baseUrl: simulator.apiBaseUrl, embeddedClientId: options.embedded ? CLIENT_ID : '' }) as { id: string; name: string };
	return await runNode({
		node: { type: 'dropboxSign', parameters: { authentication: 'apiKey', ...parameters }, credentials: { dropboxSignApi: credential } },
		nodeTypes: { dropboxSign: new DropboxSign() },
		credentialsHelper: credentials,
		input: options.input,
	});
}

async function template(title: string, roles: string[], fields: string[] = []): Promise<string> {
	const response = await fetch(`${simulator.url}/__control/template`, { method: 'POST', body: JSON.stringify({ title, roles, fields }) });
	return String(((await response.json()) as { template_id: string }).template_id);
}

async function sendNda(embedded = false): Promise<string> {
	const id = await template('NDA', ['Employee'], ['Start date']);
	const sent = await run(
		{
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId: id,
			templateRecipients: { recipient: [{ role: 'Employee', email: 'casey@example.com', name: 'Casey' }] },
			prefillFields: { field: [{ name: 'Start date', value: '2027-01-04' }] },
			options: { title: 'NDA for Casey', testMode: true },
		},
		{ embedded },
	);
	expect(sent.error).toBeUndefined();
	return String(sent.items[0].json.id);
}

describe('Dropbox Sign templates through the engine', () => {
	it('lists templates with a search and a limit, and gets one', async () => {
		const nda = await template('NDA', ['Employee', 'Manager'], ['Start date']);
		await template('Offer', ['Candidate']);
		const listed = await run({ resource: 'template', operation: 'list', limit: 5, filters: { search: 'nd' } });
		expect(listed.error).toBeUndefined();
		expect(listed.items.map((i) => [i.json.id, i.json.name])).toEqual([[nda, 'NDA']]);
		const got = await run({ resource: 'template', operation: 'get', templateId: nda });
		expect(got.error).toBeUndefined();
		expect(got.items[0].json).toMatchObject({ id: nda, name: 'NDA', roles: ['Employee', 'Manager'], fields: ['Start date'] });
	});

	it('sends from a template with the role filled and a merge field prefilled; an unknown role names the template\'s roles', async () => {
		const id = await sendNda();
		const stored = simulator.state.requests.get(id)!;
		expect(stored).toMatchObject({ title: 'NDA for Casey', test_mode: true });
		expect(stored.custom_fields?.[0]).toMatchObject({ name: 'Start date', value: '2027-01-04' });
		const wrong = await run({
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId: stored.template_ids![0],
			templateRecipients: { recipient: [{ role: 'Boss', email: 'b@example.com', name: 'B' }] },
		});
		expect(wrong.error?.message).toBe('Template "NDA" has no role "Boss"');
		expect((wrong.error as { description?: string }).description).toContain('Its roles are "Employee".');
	});

	it('bulk sends one request per input item and answers each item with its request', async () => {
		const id = await template('Policy', ['Employee'], ['Team']);
		const result = await run(
			{ resource: 'signatureRequest', operation: 'bulkSend', templateId: id, role: 'Employee', prefillFields: { field: [{ name: 'Team', value: '={{ $json.team }}' }] }, options: { title: 'Policy 2027' } },
			{ input: [{ json: { email: 'a@example.com', name: 'A', team: 'Red' } }, { json: { email: 'b@example.com', name: 'B', team: 'Blue' } }] },
		);
		expect(result.error).toBeUndefined();
		expect(result.items.map((i) => [i.json.email, i.json.status])).toEqual([
			['a@example.com', 'sent'],
			['b@example.com', 'sent'],
		]);
		const batch = String(result.items[0].json.batchId);
		expect(simulator.state.bulkSendJobs.get(batch)?.total).toBe(2);
		const second = simulator.state.requests.get(String(result.items[1].json.documentId))!;
		expect(second.custom_fields?.[0]).toMatchObject({ name: 'Team', value: 'Blue' });
	});
});

describe('Dropbox Sign signing links, files and callback URLs through the engine', () => {
	it('gets an embedded signing link, marked as a secret', async () => {
		const id = await sendNda(true);
		const link = await run({ resource: 'invite', operation: 'signingLink', documentId: id, signerEmail: 'casey@example.com' }, { embedded: true });
		expect(link.error).toBeUndefined();
		expect(link.items[0].json).toMatchObject({ documentId: id, email: 'casey@example.com', secret: true });
		expect(String(link.items[0].json.signingLink)).toMatch(/\/editor\/embeddedSign\?signature_id=/);
		const plain = await run({ resource: 'invite', operation: 'signingLink', documentId: id, signerEmail: 'casey@example.com' });
		expect(plain.error?.message).toBe('Dropbox Sign gives signing links only for embedded signature requests');
	});

	it('Download waits while Dropbox Sign prepares the signed files (409), or says so without waiting', async () => {
		const id = await sendNda();
		await fetch(`${simulator.url}/__control/sign`, { method: 'POST', body: JSON.stringify({ signatureRequestId: id, email: 'casey@example.com' }) });
		const impatient = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data', options: { waitForFileSeconds: 0 } });
		expect(impatient.error?.message).toMatch(/still preparing the files/);
		const patient = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data', options: { waitForFileSeconds: 30 } });
		expect(patient.error).toBeUndefined();
		expect(binaryBytes(patient.items[0]).toString('latin1')).toContain('signed: casey@example.com');
	}, 40_000);

	it('registers, lists and deletes the account callback URL', async () => {
		const registered = await run({ resource: 'webhook', operation: 'register', events: ['signature_request_all_signed'], callbackUrl: 'https://relay.example.com/ingest/dropbox-sign' });
		expect(registered.error).toBeUndefined();
		expect(simulator.state.callbackUrl).toBe('https://relay.example.com/ingest/dropbox-sign');
		const listed = await run({ resource: 'webhook', operation: 'list' });
		expect(listed.items.map((i) => i.json.id)).toEqual(['account']);
		const deleted = await run({ resource: 'webhook', operation: 'delete', subscriptionId: 'account' });
		expect(deleted.error).toBeUndefined();
		expect(simulator.state.callbackUrl).toBeUndefined();
	});
});
