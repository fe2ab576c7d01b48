/**
 * Issue 14's Documenso operations through n8n's execution engine against the simulator (real
 * HTTP): Template → List / Get, Signature Request → Send From Template, Invite → Get Signing
 * Link, Document → Add Fields placed next to a text, Download with the signing certificate.
 */
import { DocumensoApi } from '../../credentials/DocumensoApi.credentials';
import { Documenso } from '../../nodes/Documenso/Documenso.node';
import { documensoAdapter } from '../../nodes/providers/documenso/api';
import { binaryItem, contractPdf, makePdf, runNode, TestCredentialsHelper } from '../helpers';
import { httpProviderClient } from '../helpers/provider-client';
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

async function run(parameters: Record<string, unknown>, input?: Parameters<typeof runNode>[0]['input']) {
	return await runNode({
		node: { type: 'documenso', parameters: { authentication: 'apiToken', ...parameters }, credentials: { documensoApi: credential } },
		nodeTypes: { documenso: new Documenso() },
		credentialsHelper: credentials,
		input,
	});
}

/** A one-signer template with a labelled text field, made through the API as a user's app would. */
async function makeTemplate(): Promise<string> {
	const client = httpProviderClient(documensoAdapter, { apiToken: TOKEN, baseUrl: simulator.apiBaseUrl }, TOKEN);
	const { id } = await client.request<{ id: string }>({
		method: 'POST',
		path: '/envelope/create',
		body: { kind: 'multipart', fields: { payload: JSON.stringify({ title: 'Lease', type: 'TEMPLATE' }) }, files: [{ field: 'files', data: contractPdf('Lease'), fileName: 'lease.pdf', mimeType: 'application/pdf' }] },
	});
	const { data } = await client.request<{ data: Array<{ id: number }> }>({
		method: 'POST',
		path: '/envelope/recipient/create-many',
		body: { kind: 'json', data: { envelopeId: id, data: [{ email: 'recipient.1@documenso.com', name: 'Tenant', role: 'SIGNER' }] } },
	});
	await client.request({
		method: 'POST',
		path: '/envelope/field/create-many',
		body: {
			kind: 'json',
			data: {
				envelopeId: id,
				data: [
					{ recipientId: data[0].id, type: 'SIGNATURE', page: 1, positionX: 10, positionY: 60, width: 20, height: 5 },
					{ recipientId: data[0].id, type: 'TEXT', page: 1, positionX: 10, positionY: 20, width: 20, height: 5, fieldMeta: { type: 'text', label: 'Rent' } },
				],
			},
		},
	});
	return id;
}

it('lists and gets templates, sends from one with the recipient and a prefilled field, and gives the signing link', async () => {
	const id = await makeTemplate();
	const listed = await run({ resource: 'template', operation: 'list', limit: 10 });
	expect(listed.error).toBeUndefined();
	expect(listed.items.map((i) => [i.json.id, i.json.name, i.json.roles])).toEqual([[id, 'Lease', ['Tenant']]]);
	const got = await run({ resource: 'template', operation: 'get', templateId: id });
	expect(got.items[0].json).toMatchObject({ fields: ['Rent'] });

	const sent = await run({
		resource: 'signatureRequest',
		operation: 'sendFromTemplate',
		templateId: id,
		templateRecipients: { recipient: [{ role: 'Tenant', email: 'tina@example.com', name: 'Tina' }] },
		prefillFields: { field: [{ name: 'Rent', value: '1200' }] },
		options: { title: 'Lease for Tina' },
	});
	expect(sent.error).toBeUndefined();
	const documentId = String(sent.items[0].json.id);
	expect(simulator.state.envelopes.get(documentId)).toMatchObject({ title: 'Lease for Tina', status: 'PENDING' });

	const link = await run({ resource: 'invite', operation: 'signingLink', documentId, signerEmail: 'tina@example.com' });
	expect(link.error).toBeUndefined();
	const token = simulator.state.envelopes.get(documentId)!.recipients[0].token;
	expect(link.items[0].json).toMatchObject({ signingLink: `${simulator.url}/sign/${token}`, secret: true });
});

it('places a field next to a text of the PDF (placeholder) and downloads the signing certificate with the signed PDF', async () => {
	const uploaded = await run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(makePdf({ pages: [['Lease', 'Tenant: {{sig}}']] }), 'lease.pdf')]);
	const documentId = String(uploaded.items[0].json.id);
	const fields = await run({
		resource: 'document',
		operation: 'addFields',
		documentId,
		fields: { field: [{ type: 'signature', role: 'tina@example.com', placement: 'anchorText', anchorText: '{{sig}}', anchorOffsetX: 0, anchorOffsetY: 0, width: 120, height: 30, required: true }] },
	});
	expect(fields.error).toBeUndefined();
	expect(simulator.state.envelopes.get(documentId)!.fields[0]).toMatchObject({ page: 1, width: 19.61 });
	await run({ resource: 'invite', operation: 'send', documentId, signers: { signer: [{ email: 'tina@example.com' }] } });
	await fetch(`${simulator.url}/__control/sign`, { method: 'POST', body: JSON.stringify({ envelopeId: documentId, email: 'tina@example.com' }) });
	const file = await run({ resource: 'document', operation: 'download', documentId, binaryPropertyName: 'data', options: { includeAuditCertificate: true } });
	expect(file.error).toBeUndefined();
	expect(Object.keys(file.items[0].binary ?? {}).sort()).toEqual(['auditCertificate', 'data']);
});
