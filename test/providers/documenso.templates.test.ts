/**
 * The Documenso adapter's templates (envelope use), signing links, placeholder fields and signing
 * certificate, through a ProviderClient over real HTTP against the Documenso simulator; and the
 * recipients' signing tokens Documenso puts in its webhooks, stripped by the handler.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ProviderInputError } from '../../nodes/providers/adapter';
import { documensoAdapter as adapter } from '../../nodes/providers/documenso/api';
import { documensoWebhook } from '../../nodes/providers/documenso/webhook';
import { contractPdf, makePdf } from '../helpers';
import { httpProviderClient } from '../helpers/provider-client';
import { startDocumensoSimulator, type DocumensoSimulator } from '../simulators/documenso/simulator';

const TOKEN = 'api_testToken9f3k2mZq';

let simulator: DocumensoSimulator;

beforeEach(async () => {
	simulator = await startDocumensoSimulator({ apiToken: TOKEN });
});

afterEach(async () => {
	await simulator.close();
});

function client() {
	return httpProviderClient(adapter, { apiToken: TOKEN, baseUrl: simulator.apiBaseUrl }, TOKEN);
}

async function caught(promise: Promise<unknown>): Promise<Error> {
	return (await promise.then(
		() => new Error('expected a failure'),
		(error: unknown) => error,
	)) as Error;
}

/** A template as a user builds it in Documenso: placeholder recipients, labelled fields. */
async function makeTemplate(title: string): Promise<string> {
	const c = client();
	const { id } = await c.request<{ id: string }>({
		method: 'POST',
		path: '/envelope/create',
		body: { kind: 'multipart', fields: { payload: JSON.stringify({ title, type: 'TEMPLATE' }) }, files: [{ field: 'files', data: contractPdf(title), fileName: `${title}.pdf`, mimeType: 'application/pdf' }] },
	});
	const recipients = await c.request<{ data: Array<{ id: number }> }>({
		method: 'POST',
		path: '/envelope/recipient/create-many',
		body: { kind: 'json', data: { envelopeId: id, data: [{ email: 'recipient.1@documenso.com', name: 'Employee', role: 'SIGNER' }, { email: 'recipient.2@documenso.com', name: 'Manager', role: 'SIGNER' }] } },
	});
	const [employee, manager] = recipients.data.map((r) => r.id);
	const field = (recipientId: number, type: string, y: number, fieldMeta?: unknown) => ({ recipientId, type, page: 1, positionX: 10, positionY: y, width: 20, height: 5, ...(fieldMeta ? { fieldMeta } : {}) });
	await c.request({
		method: 'POST',
		path: '/envelope/field/create-many',
		body: {
			kind: 'json',
			data: {
				envelopeId: id,
				data: [field(employee, 'SIGNATURE', 60), field(manager, 'SIGNATURE', 70), field(employee, 'TEXT', 20, { type: 'text', label: 'Start date' }), field(employee, 'CHECKBOX', 30, { type: 'checkbox', label: 'Options', values: [] }), field(manager, 'TEXT', 40)],
			},
		},
	});
	return id;
}

describe('Documenso templates', () => {
	it('lists templates (not documents) by name and gets one with its recipients as roles and labelled fields', async () => {
		const nda = await makeTemplate('NDA');
		await makeTemplate('Offer');
		const found = await adapter.template!.list!(client(), { limit: 10, search: 'nd' });
		expect(found.map((t) => [t.id, t.name, t.roles])).toEqual([[nda, 'NDA', ['Employee', 'Manager']]]);
		expect((await adapter.template!.list!(client(), { limit: 1 })).map((t) => t.name)).toEqual(['NDA']);
		const one = await adapter.template!.get!(client(), nda);
		expect(one).toMatchObject({ name: 'NDA', roles: ['Employee', 'Manager'], fields: ['Start date', 'Options'] });
	});

	it('creates and sends a document from the template with recipients by role and prefilled fields', async () => {
		const nda = await makeTemplate('NDA');
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client(), {
			templateId: nda,
			title: 'NDA for Casey',
			subject: 'Please sign',
			recipients: [
				{ role: 'employee', email: 'casey@example.com', name: 'Casey', order: 1 },
				{ role: 'Manager', email: 'boss@example.com', name: 'Bo' },
			],
			fieldValues: { 'Start date': '2027-01-04', Options: 'a, b' },
		});
		expect(sent).toMatchObject({ name: 'NDA for Casey', status: 'pending' });
		expect(sent.invites.map((i) => i.email)).toEqual(['casey@example.com', 'boss@example.com']);
		const stored = simulator.state.envelopes.get(sent.id)!;
		expect(stored.type).toBe('DOCUMENT');
		expect(stored.documentMeta.subject).toBe('Please sign');
		expect(stored.fields.map((f) => f.fieldMeta).filter(Boolean)).toEqual([
			{ type: 'text', label: 'Start date', readOnly: true, text: '2027-01-04' },
			{ type: 'checkbox', label: 'Options', values: ['a', 'b'], readOnly: true },
		]);
		expect(simulator.state.deliveries).toEqual([]);
	});

	it('names the template\'s roles and fields for an unknown one, and refuses to leave a signer on its placeholder address', async () => {
		const nda = await makeTemplate('NDA');
		const base = { templateId: nda, fieldValues: {}, recipients: [{ role: 'Employee', email: 'e@example.com', name: 'E' }, { role: 'Manager', email: 'm@example.com', name: 'M' }] };
		const role = await caught(adapter.signatureRequest!.sendFromTemplate!(client(), { ...base, recipients: [{ role: 'Boss', email: 'b@example.com', name: 'B' }] }));
		expect(role).toBeInstanceOf(ProviderInputError);
		expect(role.message).toBe('Template "NDA" has no recipient "Boss"');
		expect((role as ProviderInputError).description).toBe('Its recipients (roles) are "Employee", "Manager".');
		const field = await caught(adapter.signatureRequest!.sendFromTemplate!(client(), { ...base, fieldValues: { Salary: '1' } }));
		expect(field.message).toBe('Template "NDA" has no field labelled "Salary" to prefill');
		expect((field as ProviderInputError).description).toMatch(/are "Start date", "Options"\.$/);
		const missing = await caught(adapter.signatureRequest!.sendFromTemplate!(client(), { ...base, recipients: base.recipients.slice(0, 1) }));
		expect(missing.message).toBe('Fill every signer of template "NDA": "Manager" missing');
		expect([...simulator.state.envelopes.values()].filter((e) => e.type === 'DOCUMENT')).toEqual([]);
	});
});

describe('Documenso signing links, placeholder fields and certificate', () => {
	it('gives a sent recipient\'s signing link, and refuses before sending or for a stranger', async () => {
		const nda = await makeTemplate('NDA');
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client(), { templateId: nda, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'C' }, { role: 'Manager', email: 'boss@example.com', name: 'B' }], fieldValues: {} });
		const link = await adapter.invite.signingLink!(client(), { documentId: sent.id, email: 'Casey@example.com' });
		const token = simulator.state.envelopes.get(sent.id)!.recipients[0].token;
		expect(link).toMatchObject({ documentId: sent.id, email: 'casey@example.com', url: `${simulator.url}/sign/${token}` });
		expect(JSON.stringify(link.raw)).not.toContain(token);
		expect((await caught(adapter.invite.signingLink!(client(), { documentId: sent.id, email: 'x@example.com' }))).message).toBe(`x@example.com is not a recipient of document ${sent.id}`);
		expect((await caught(adapter.invite.signingLink!(client(), { documentId: sent.id, email: 'casey@example.com', returnUrl: 'https://x' }))).message).toBe('Documenso takes no return URL per signing link');
		const draft = await adapter.document.upload!(client(), { file: { data: contractPdf('Draft'), fileName: 'draft.pdf', mimeType: 'application/pdf' }, extractFieldsFromTags: false });
		await adapter.document.addFields!(client(), { documentId: draft.id, fields: [{ type: 'signature', role: 'casey@example.com', page: 1, x: 72, y: 600, width: 100, height: 30, required: true }] });
		expect((await caught(adapter.invite.signingLink!(client(), { documentId: draft.id, email: 'casey@example.com' }))).message).toBe(`Document ${draft.id} has not been sent yet`);
	});

	it('places a field on a text of the PDF (Documenso placeholder), refuses offsets, and Documenso refuses a text the PDF lacks', async () => {
		expect(adapter.fieldPlacement?.anchorText).toBe(true);
		const pdf = makePdf({ pages: [['Contract'], ['Terms', 'Sign here: {{signature}}']] });
		const draft = await adapter.document.upload!(client(), { file: { data: pdf, fileName: 'c.pdf', mimeType: 'application/pdf' }, extractFieldsFromTags: false });
		const anchored = { type: 'signature' as const, role: 'casey@example.com', page: 1, x: 0, y: 0, width: 0, height: 0, required: true };
		const details = await adapter.document.addFields!(client(), { documentId: draft.id, fields: [{ ...anchored, anchor: { text: '{{signature}}', offsetX: 0, offsetY: 0 } }] });
		expect(details.fieldCount).toBe(1);
		const [field] = simulator.state.envelopes.get(draft.id)!.fields;
		expect(field).toMatchObject({ type: 'SIGNATURE', page: 2 });
		expect(field.positionX).toBeGreaterThan(11.76);
		expect(field.positionY).toBeGreaterThan(5);
		expect(field.width).toBeGreaterThan(0);
		const offset = await caught(adapter.document.addFields!(client(), { documentId: draft.id, fields: [{ ...anchored, anchor: { text: '{{signature}}', offsetX: 10, offsetY: 0 } }] }));
		expect(offset.message).toBe('Documenso places a field on its text "{{signature}}" itself, without offsets');
		const absent = await caught(adapter.document.addFields!(client(), { documentId: draft.id, fields: [{ ...anchored, anchor: { text: '{{initials}}', offsetX: 0, offsetY: 0 } }] }));
		expect(absent.message).toBe('Documenso answered HTTP 400: Placeholder "{{initials}}" was not found in the PDF (INVALID_BODY)');
	});

	it('downloads the signing certificate of a completed document (and Documenso refuses one before)', async () => {
		const nda = await makeTemplate('NDA');
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client(), { templateId: nda, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'C' }, { role: 'Manager', email: 'boss@example.com', name: 'B' }], fieldValues: {} });
		expect((await caught(adapter.document.auditCertificate!(client(), sent.id))).message).toMatch(/^Documenso answered HTTP 400/);
		for (const email of ['casey@example.com', 'boss@example.com']) {
			await fetch(`${simulator.url}/__control/sign`, { method: 'POST', body: JSON.stringify({ envelopeId: sent.id, email }) });
		}
		const file = await adapter.document.auditCertificate!(client(), sent.id);
		expect(file).toMatchObject({ mimeType: 'application/pdf', fileName: `${sent.id}_certificate.pdf` });
		expect(file.data.toString('latin1')).toContain('Signing certificate of NDA: casey@example.com signed');
	});
});

describe('Documenso webhooks carry recipients\' signing tokens', () => {
	let receiver: Server;
	const bodies: Array<{ body: Buffer; headers: Record<string, string | string[] | undefined> }> = [];

	afterEach(async () => {
		receiver.closeAllConnections();
		await new Promise<void>((resolve) => receiver.close(() => resolve()));
	});

	it('the handler strips every recipient token from the stored event', async () => {
		receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				bodies.push({ body: Buffer.concat(chunks), headers: request.headers });
				response.writeHead(200).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		simulator.state.webhooks.push({ url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'whsec', events: ['DOCUMENT_SENT'] });
		const nda = await makeTemplate('NDA');
		const sent = await adapter.signatureRequest!.sendFromTemplate!(client(), { templateId: nda, recipients: [{ role: 'Employee', email: 'casey@example.com', name: 'C' }, { role: 'Manager', email: 'boss@example.com', name: 'B' }], fieldValues: {} });
		await simulator.settled();
		const tokens = simulator.state.envelopes.get(sent.id)!.recipients.map((r) => r.token);
		// Documenso's payload itself carries them (both spellings of the recipient list)…
		expect(bodies).toHaveLength(1);
		for (const token of tokens) expect(bodies[0].body.toString()).toContain(token);
		const options = documensoWebhook.parseOptions({});
		const request = { rawBody: bodies[0].body, headers: bodies[0].headers };
		documensoWebhook.verify(request, ['whsec'], options, Date.now());
		const [event] = documensoWebhook.normalize(request, options, Date.now());
		// …the event the relay stores and forwards does not.
		const stored = JSON.stringify(event);
		for (const token of tokens) expect(stored).not.toContain(token);
		expect(stored).toContain('casey@example.com');
	});
});
