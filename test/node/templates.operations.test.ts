/**
 * Issue 14's operations through n8n's engine over real HTTP, with the contract-test provider
 * (test/helpers/contract-provider.ts): what the node sends the adapter for each parameter, what
 * it outputs, how Bulk Send pairs one provider call's rows with the input items, and how
 * Download waits for a file the provider is still preparing.
 */
import type { INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { DocuSealApi } from '../../credentials/DocuSealApi.credentials';
import { binaryBytes, runNode, TestCredentialsHelper } from '../helpers';
import { CONTRACT_API_KEY, contractNode, startContractServer, type ContractServer } from '../helpers/contract-provider';

let server: ContractServer;
let credentials: TestCredentialsHelper;
let credential: { id: string; name: string };

beforeEach(async () => {
	server = await startContractServer();
	credentials = new TestCredentialsHelper([new DocuSealApi()]);
	credential = credentials.add('docuSealApi', { apiKey: CONTRACT_API_KEY, deployment: 'selfHosted', baseUrl: server.baseUrl }) as {
		id: string;
		name: string;
	};
});

afterEach(async () => {
	await server.close();
});

async function run(parameters: INodeParameters, input?: INodeExecutionData[], continueOnFail = false) {
	return await runNode({
		node: { type: 'contractSign', parameters, credentials: { docuSealApi: credential }, continueOnFail },
		nodeTypes: { contractSign: contractNode() },
		credentialsHelper: credentials,
		input,
	});
}

const posted = (suffix: string) => server.requests.filter((request) => request.method === 'POST' && request.path.endsWith(suffix));

describe('Template', () => {
	it('List outputs one item per template, filtered by Search and cut at Limit', async () => {
		const all = await run({ resource: 'template', operation: 'list', limit: 50 });
		expect(all.error).toBeUndefined();
		expect(all.items.map((item) => item.json)).toEqual([
			expect.objectContaining({ provider: 'contract', id: 'tpl_nda', name: 'Mutual NDA', roles: ['Client', 'Company'], fields: ['company_name', 'start_date'] }),
			expect.objectContaining({ id: 'tpl_offer', roles: ['Candidate'] }),
		]);
		const one = await run({ resource: 'template', operation: 'list', limit: 1 });
		expect(one.items.map((item) => item.json.id)).toEqual(['tpl_nda']);
		const searched = await run({ resource: 'template', operation: 'list', limit: 50, filters: { search: 'offer' } });
		expect(searched.items.map((item) => item.json.id)).toEqual(['tpl_offer']);
		expect(server.requests.at(-1)?.path).toBe('/templates?search=offer');
	});

	it('List refuses a Limit out of range before asking the provider', async () => {
		const result = await run({ resource: 'template', operation: 'list', limit: 0 });
		expect(result.error?.message).toBe('"Limit" must be a whole number from 1 to 1000');
		expect(server.requests).toEqual([]);
	});

	it('Get outputs the template; an unknown one is the provider\'s 404', async () => {
		const found = await run({ resource: 'template', operation: 'get', templateId: 'tpl_offer' });
		expect(found.items[0].json).toMatchObject({ id: 'tpl_offer', name: 'Offer Letter', fields: ['salary'] });
		const missing = await run({ resource: 'template', operation: 'get', templateId: 'tpl_nope' });
		expect(missing.error?.message).toContain('no template tpl_nope');
	});
});

describe('Signature Request → Send From Template', () => {
	const parameters = {
		resource: 'signatureRequest',
		operation: 'sendFromTemplate',
		templateId: 'tpl_nda',
		templateRecipients: {
			recipient: [
				{ role: 'Client', email: '={{ $json.email }}', name: '={{ $json.name }}', order: 1 },
				{ role: 'Company', email: 'legal@acme.test', name: 'Acme Legal', order: 0 },
			],
		},
		prefillFields: { field: [{ name: 'company_name', value: '={{ $json.company }}' }] },
		options: { title: 'NDA {{ $json.company }}', subject: 'Please sign', testMode: true },
	};

	it('fills roles and prefilled fields from each item and outputs the document per item', async () => {
		const result = await run({ ...parameters, options: { ...parameters.options, title: '=NDA {{ $json.company }}' } }, [
			{ json: { email: 'ann@client.test', name: 'Ann', company: 'Client One' } },
			{ json: { email: 'bob@client.test', name: 'Bob', company: 'Client Two' } },
		]);
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => [item.json.id, item.json.templateId, item.json.status, item.pairedItem])).toEqual([
			['doc_1', 'tpl_nda', 'pending', { item: 0 }],
			['doc_2', 'tpl_nda', 'pending', { item: 1 }],
		]);
		expect(posted('/templates/tpl_nda/send').map((request) => request.body)).toEqual([
			{
				templateId: 'tpl_nda',
				title: 'NDA Client One',
				subject: 'Please sign',
				testMode: true,
				recipients: [
					{ role: 'Client', email: 'ann@client.test', name: 'Ann', order: 1 },
					{ role: 'Company', email: 'legal@acme.test', name: 'Acme Legal' },
				],
				fieldValues: { company_name: 'Client One' },
			},
			expect.objectContaining({ title: 'NDA Client Two', fieldValues: { company_name: 'Client Two' } }),
		]);
	});

	it('refuses a role filled twice, an empty role and a bad email before sending', async () => {
		const twice = await run({
			...parameters,
			templateRecipients: { recipient: [{ role: 'Client', email: 'a@b.test', name: 'A' }, { role: 'Client', email: 'c@d.test', name: 'C' }] },
		});
		expect(twice.error?.message).toBe('The role "Client" is filled twice');
		const empty = await run({ ...parameters, templateRecipients: { recipient: [{ role: ' ', email: 'a@b.test', name: 'A' }] } });
		expect(empty.error?.message).toBe('Recipient 1: the role is empty');
		const email = await run(parameters, [{ json: { email: 'not-an-email', name: 'X' } }]);
		expect(email.error?.message).toBe('"not-an-email" is not a valid email address (recipient 1)');
		expect(posted('/send')).toEqual([]);
	});
});

describe('Signature Request → Bulk Send From Template', () => {
	const parameters = {
		resource: 'signatureRequest',
		operation: 'bulkSend',
		templateId: 'tpl_nda',
		role: 'Client',
		signerEmail: '={{ $json.email }}',
		signerName: '={{ $json.name }}',
		prefillFields: { field: [{ name: 'company_name', value: '={{ $json.company }}' }] },
		options: { subject: 'NDA' },
	};
	const rows = [
		{ json: { email: 'ann@client.test', name: 'Ann', company: 'One' } },
		{ json: { email: 'old@bounce.test', name: 'Old', company: 'Two' } },
		{ json: { email: 'cy@client.test', name: 'Cy', company: 'Three' } },
	];

	it('makes one provider call for all items and pairs each row result with its item', async () => {
		const result = await run(parameters, rows);
		expect(result.error).toBeUndefined();
		const bulk = posted('/templates/tpl_nda/bulk');
		expect(bulk).toHaveLength(1);
		expect(bulk[0].body).toEqual({
			templateId: 'tpl_nda',
			role: 'Client',
			subject: 'NDA',
			testMode: false,
			rows: [
				{ email: 'ann@client.test', name: 'Ann', fieldValues: { company_name: 'One' } },
				{ email: 'old@bounce.test', name: 'Old', fieldValues: { company_name: 'Two' } },
				{ email: 'cy@client.test', name: 'Cy', fieldValues: { company_name: 'Three' } },
			],
		});
		// A row the provider refused does not fail the node: the others are already on their way.
		expect(result.items.map((item) => [item.pairedItem, item.json])).toEqual([
			[{ item: 0 }, expect.objectContaining({ index: 0, email: 'ann@client.test', status: 'sent', documentId: 'doc_1', batchId: 'batch_1', error: undefined })],
			[{ item: 1 }, expect.objectContaining({ index: 1, email: 'old@bounce.test', status: 'failed', documentId: undefined, batchId: 'batch_1', error: 'The address bounced before' })],
			[{ item: 2 }, expect.objectContaining({ index: 2, email: 'cy@client.test', status: 'sent', documentId: 'doc_2' })],
		]);
	});

	it('a row that fails the node\'s checks stops the node before anything is sent', async () => {
		const result = await run(parameters, [rows[0], { json: { email: 'nope', name: 'N' } }, rows[2]]);
		expect(result.error?.message).toBe('"nope" is not a valid email address (signer email)');
		expect(result.error?.context?.itemIndex).toBe(1);
		expect(posted('/bulk')).toEqual([]);
	});

	it('with continue-on-fail, that row becomes its item\'s error item and the others are sent', async () => {
		const result = await run(parameters, [rows[0], { json: { email: 'cy@client.test', name: '' } }, rows[2]], true);
		expect(result.error).toBeUndefined();
		expect((posted('/bulk')[0].body as { rows: Array<{ email: string }> }).rows.map((row) => row.email)).toEqual([
			'ann@client.test',
			'cy@client.test',
		]);
		expect(result.items.map((item) => [item.pairedItem, item.json.status ?? item.json.error])).toEqual([
			[{ item: 0 }, 'sent'],
			[{ item: 1 }, 'The signer name of item 2 is empty'],
			[{ item: 2 }, 'sent'],
		]);
		expect(result.items[2].json.index).toBe(2);
	});

	it('a failure of the whole call gives every item its error with continue-on-fail', async () => {
		const result = await run({ ...parameters, templateId: 'tpl_gone' }, rows, true);
		expect(result.items.map((item) => [item.pairedItem, item.json.error])).toEqual([
			[{ item: 0 }, expect.stringContaining('no template tpl_gone')],
			[{ item: 1 }, expect.stringContaining('no template tpl_gone')],
			[{ item: 2 }, expect.stringContaining('no template tpl_gone')],
		]);
	});
});

describe('Invite → Get Signing Link', () => {
	it('outputs the link marked as a secret', async () => {
		const result = await run({
			resource: 'invite',
			operation: 'signingLink',
			documentId: 'doc_9',
			signerEmail: 'ann@client.test',
			options: { returnUrl: 'https://acme.test/thanks' },
		});
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toEqual({
			provider: 'contract',
			documentId: 'doc_9',
			email: 'ann@client.test',
			signingLink: 'https://sign.example/s/doc_9/ann%40client.test?token=t0p5ecret',
			expiresAt: '2026-12-03T18:00:00.000Z',
			secret: true,
			note: 'Secret: anyone with this link can sign as ann@client.test. Send it only to them; do not log or share it.',
		});
		expect(posted('/signing-link')[0].body).toEqual({ email: 'ann@client.test', returnUrl: 'https://acme.test/thanks' });
	});
});

describe('anchor-text fields', () => {
	it('maps Placement "Next to a Text" to FieldInput.anchor; page/x/y are not needed', async () => {
		const result = await run({
			resource: 'document',
			operation: 'addFields',
			documentId: 'doc_3',
			fields: {
				field: [
					{ type: 'signature', role: 'Client', placement: 'anchorText', anchorText: ' Signature: ', anchorOffsetX: 10, anchorOffsetY: -5, width: 150, height: 30, required: true },
					{ type: 'date', role: 'Client', page: 2, x: 72, y: 700, width: 100, height: 20, required: false },
				],
			},
		});
		expect(result.error).toBeUndefined();
		const [signature, date] = (posted('/fields')[0].body as { fields: Array<Record<string, unknown>> }).fields;
		expect(signature).toMatchObject({ type: 'signature', anchor: { text: 'Signature:', offsetX: 10, offsetY: -5 }, width: 150, height: 30 });
		expect(date).toMatchObject({ page: 2, x: 72, y: 700 });
		expect(date.anchor).toBeUndefined();
	});

	it('an empty anchor text is refused', async () => {
		const result = await run({
			resource: 'document',
			operation: 'addFields',
			documentId: 'doc_3',
			fields: { field: [{ type: 'signature', role: 'Client', placement: 'anchorText', anchorText: '  ', width: 150, height: 30 }] },
		});
		expect(result.error?.message).toBe('Field 1: the anchor text is empty');
		expect(posted('/fields')).toEqual([]);
	});
});

describe('Document → Download waits for a file the provider is still preparing', () => {
	const download = { resource: 'document', operation: 'download', documentId: 'doc_5', binaryPropertyName: 'data' };
	const fileRequests = () => server.requests.filter((request) => request.path === '/documents/doc_5/file').length;

	it('asks again after the provider\'s 409s until the file is ready', async () => {
		server.notReadyTimes = 3;
		const result = await run({ ...download, options: { waitForFileSeconds: 10 } });
		expect(result.error).toBeUndefined();
		expect(fileRequests()).toBe(4);
		expect(binaryBytes(result.items[0]).subarray(0, 5).toString()).toBe('%PDF-');
	});

	it('with 0 it asks once and says the file is not ready', async () => {
		server.notReadyTimes = 1;
		const result = await run({ ...download, options: { waitForFileSeconds: 0 } });
		expect(result.error?.message).toBe('The signed file is not ready yet: The file is still being prepared');
		expect(result.error?.description).toContain('Wait for File (Seconds)');
		expect(fileRequests()).toBe(1);
	});

	it('gives up when the wait is spent', async () => {
		server.notReadyTimes = 100;
		const result = await run({ ...download, options: { waitForFileSeconds: 0.35 } });
		expect(result.error?.message).toMatch(/^The signed file was still not ready after waiting 0 s \(5 attempts\)/);
		expect(fileRequests()).toBe(5);
	});

	it('refuses a wait over 900 s', async () => {
		const result = await run({ ...download, options: { waitForFileSeconds: 901 } });
		expect(result.error?.message).toBe('"Wait for File (Seconds)" must be from 0 to 900');
	});

	it('adds the audit certificate as a second binary field, waiting for it too', async () => {
		server.notReadyTimes = 1;
		const result = await run({ ...download, options: { includeAuditCertificate: true } });
		expect(result.error).toBeUndefined();
		const item = result.items[0];
		expect(Object.keys(item.binary ?? {}).sort()).toEqual(['auditCertificate', 'data']);
		expect(binaryBytes(item, 'auditCertificate').toString('latin1')).toContain('Audit certificate');
		expect(item.json.auditCertificate).toMatchObject({ field: 'auditCertificate', fileName: 'certificate.pdf' });
		const renamed = await run({ ...download, options: { includeAuditCertificate: true, auditCertificatePropertyName: 'data' } });
		expect(renamed.error?.message).toBe('The audit certificate and the PDF cannot both go in the field "data"');
	});
});
