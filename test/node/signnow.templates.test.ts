/**
 * The SignNow adapter's issue-14 operations (templates, send from template with prefilled texts,
 * bulk invite, embedded signing links, document history) against the SignNow simulator over real
 * HTTP through a plain ProviderClient (API key, Bearer).
 */
import { ProviderInputError } from '../../nodes/providers/adapter';
import { signNowAdapter } from '../../nodes/providers/signnow/api';
import { bulkInviteCsv } from '../../nodes/providers/signnow/templates';
import { contractPdf } from '../helpers';
import { httpProviderClient } from '../helpers/provider-client';
import { simulatorControl, startSignNowSimulator, type SignNowSimulator } from '../simulators/signnow';
import { addFolder } from '../simulators/signnow/server';

let sim: SignNowSimulator;
let client: ReturnType<typeof httpProviderClient>;

beforeEach(async () => {
	sim = await startSignNowSimulator();
	client = httpProviderClient(signNowAdapter, { environment: 'sandbox', baseUrl: sim.url, apiKey: sim.apiKey }, (headers) => {
		headers.authorization = `Bearer ${sim.apiKey}`;
	});
});

afterEach(async () => {
	await sim.close();
});

const adapter = signNowAdapter;

/** A template made the SignNow way: upload, place fields, `POST /template`. */
async function makeTemplate(name: string, roles: string[], textFields: Array<{ name: string; role: string }> = []): Promise<string> {
	const uploaded = await adapter.document.upload!(client, { file: { data: contractPdf(name, 1), fileName: `${name}.pdf`, mimeType: 'application/pdf' }, extractFieldsFromTags: false });
	const fields = [
		...roles.map((role, index) => ({ type: 'signature', role, page_number: 0, x: 72, y: 500 + 50 * index, width: 200, height: 40, required: true })),
		...textFields.map((field, index) => ({ type: 'text', role: field.role, name: field.name, page_number: 0, x: 300, y: 100 + 40 * index, width: 150, height: 24, required: false })),
	];
	await client.request({ method: 'PUT', path: `/document/${uploaded.id}`, body: { kind: 'json', data: { fields } } });
	const template = await client.request<{ id: string }>({ method: 'POST', path: '/template', body: { kind: 'json', data: { document_id: uploaded.id, document_name: name } } });
	return template.id;
}

describe('SignNow templates', () => {
	it('lists templates from every folder (Templates and subfolders, not Trash Bin), filters by name, and gets one', async () => {
		const offer = await makeTemplate('Offer Letter', ['Candidate', 'HR'], [{ name: 'Salary', role: 'Candidate' }]);
		const nda = await makeTemplate('Mutual NDA', ['Partner']);
		const old = await makeTemplate('Old NDA', ['Partner']);
		const sub = addFolder(sim.state, sim.user.id, 'HR forms');
		sim.state.documents.get(offer)!.folderId = sub;
		const trash = [...sim.state.folders.values()].find((f) => f.name === 'Trash Bin' && f.ownerId === sim.user.id)!;
		sim.state.documents.get(old)!.folderId = trash.id;

		const all = await adapter.template!.list!(client, { limit: 10 });
		expect(all.map((t) => t.id).sort()).toEqual([offer, nda].sort());
		// Documents are not templates: the uploaded originals stay out.
		expect(all.every((t) => t.name !== '')).toBe(true);
		const searched = await adapter.template!.list!(client, { limit: 10, search: 'offer' });
		expect(searched.map((t) => [t.id, t.roles, t.fields])).toEqual([[offer, ['Candidate', 'HR'], ['Salary']]]);

		const got = await adapter.template!.get!(client, offer);
		expect(got).toMatchObject({ id: offer, name: 'Offer Letter', roles: ['Candidate', 'HR'], fields: ['Salary'] });
		const uploaded = [...sim.state.documents.values()].find((d) => !d.isTemplate)!;
		await expect(adapter.template!.get!(client, uploaded.id)).rejects.toThrow('is a document, not a template');
	});

	it('stops reading folders once it has `limit` templates', async () => {
		await makeTemplate('A', ['Signer']);
		await makeTemplate('B', ['Signer']);
		const one = await adapter.template!.list!(client, { limit: 1 });
		expect(one).toHaveLength(1);
		// /folder, then Root (no templates there), then Documents or Templates, not more than needed.
		expect(sim.state.requests.filter((r) => r.path.startsWith('/folder')).length).toBeLessThanOrEqual(4);
	});
});

describe('SignNow send from template', () => {
	it('copies the template, prefills its text fields by name, and sends a role-based invite', async () => {
		const templateId = await makeTemplate('Offer Letter', ['Candidate', 'HR'], [{ name: 'Salary', role: 'Candidate' }, { name: 'Start Date', role: 'HR' }]);
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId,
			title: 'Offer for Cara',
			subject: 'Your offer',
			message: 'Please sign',
			recipients: [
				{ role: 'candidate', email: 'cara@example.com', name: 'Cara', order: 1 },
				{ role: 'HR', email: 'hr@example.com', name: 'HR', order: 2 },
			],
			fieldValues: { salary: '70000', 'Start Date': '2027-01-04' },
		});
		expect(details.id).not.toBe(templateId);
		expect(details.name).toBe('Offer for Cara');
		expect(details.status).toBe('pending');
		expect(details.invites.map((i) => [i.email, i.role, i.signingOrder])).toEqual([
			['cara@example.com', 'Candidate', 1],
			['hr@example.com', 'HR', 2],
		]);
		const document = sim.state.documents.get(details.id)!;
		expect(document.fields.filter((f) => f.type === 'text').map((f) => [f.name, f.prefilled_text])).toEqual([
			['Salary', '70000'],
			['Start Date', '2027-01-04'],
		]);
		// The template itself is untouched.
		expect(sim.state.documents.get(templateId)!.fields.every((f) => f.prefilled_text === undefined)).toBe(true);
		expect(sim.state.requests.map((r) => `${r.method} ${r.path}`)).toEqual(
			expect.arrayContaining([`POST /template/${templateId}/copy`, `PUT /v2/documents/${details.id}/prefill-texts`, `POST /document/${details.id}/invite`]),
		);
	});

	it('refuses an unknown role or field, or a role left without a recipient, before copying anything', async () => {
		const templateId = await makeTemplate('Offer Letter', ['Candidate', 'HR'], [{ name: 'Salary', role: 'Candidate' }]);
		const both = [
			{ role: 'Candidate', email: 'cara@example.com', name: 'Cara' },
			{ role: 'HR', email: 'hr@example.com', name: 'HR' },
		];
		const unknownRole = adapter.signatureRequest!.sendFromTemplate!(client, { templateId, recipients: [{ role: 'CEO', email: 'c@example.com', name: 'C' }], fieldValues: {} });
		await expect(unknownRole).rejects.toThrow(ProviderInputError);
		await expect(unknownRole).rejects.toMatchObject({ message: expect.stringContaining('no role named "CEO"'), description: 'Roles in this template: "Candidate", "HR".' });
		const unknownField = adapter.signatureRequest!.sendFromTemplate!(client, { templateId, recipients: both, fieldValues: { Bonus: '1' } });
		await expect(unknownField).rejects.toMatchObject({ message: expect.stringContaining('no text field named "Bonus"'), description: 'Text fields in this template: "Salary".' });
		await expect(adapter.signatureRequest!.sendFromTemplate!(client, { templateId, recipients: [both[0]], fieldValues: {} })).rejects.toThrow('missing: "HR"');
		expect(sim.state.requests.filter((r) => r.path.endsWith('/copy'))).toHaveLength(0);
	});

	it('the simulator refuses a prefill for a field the document does not have, and a copy of a document that is no template', async () => {
		const templateId = await makeTemplate('NDA', ['Partner'], [{ name: 'Company', role: 'Partner' }]);
		const copy = await client.request<{ id: string }>({ method: 'POST', path: `/template/${templateId}/copy`, body: { kind: 'json', data: {} } });
		await expect(client.request({ method: 'PUT', path: `/v2/documents/${copy.id}/prefill-texts`, body: { kind: 'json', data: { fields: [{ field_name: 'Nope', prefilled_text: 'x' }] } } })).rejects.toMatchObject({ status: 400 });
		await expect(client.request({ method: 'POST', path: `/template/${copy.id}/copy`, body: { kind: 'json', data: {} } })).rejects.toMatchObject({ status: 400 });
	});
});

describe('SignNow bulk invite', () => {
	it('writes the CSV: a header with the role and the prefilled fields, one signer per line, quoted where needed', () => {
		expect(bulkInviteCsv('Signer', ['Company', 'Note'], [
			{ email: 'a@example.com', name: 'A', fieldValues: { Company: 'Acme, Inc.', Note: 'say "hi"' } },
			{ email: 'b@example.com', name: 'B', fieldValues: { Company: 'Beta' } },
		])).toBe('Signer,Company,Note\r\na@example.com,"Acme, Inc.","say ""hi"""\r\nb@example.com,Beta,\r\n');
	});

	it('sends one bulk invite for all rows: rows are queued, invalid addresses fail alone, each signer gets a document', async () => {
		const templateId = await makeTemplate('Policy', ['Employee'], [{ name: 'Department', role: 'Employee' }]);
		const result = await adapter.signatureRequest!.bulkSend!(client, {
			templateId,
			role: 'employee',
			title: 'Policy 2027',
			subject: 'Please sign the policy',
			message: 'Thanks',
			rows: [
				{ email: 'a@example.com', name: 'A', fieldValues: { Department: 'Sales' } },
				{ email: 'nope', name: 'B', fieldValues: {} },
				{ email: 'c@example.com', name: 'C', fieldValues: { department: 'R&D, Labs' } },
			],
		});
		expect(result.rows.map((r) => [r.index, r.status])).toEqual([
			[0, 'queued'],
			[1, 'failed'],
			[2, 'queued'],
		]);
		expect(result.raw).toEqual({ status: 'job queued' });
		expect(sim.state.requests.filter((r) => r.path === `/template/${templateId}/bulkinvite`)).toHaveLength(1);
		const [job] = sim.state.bulkInvites;
		expect(job).toMatchObject({ subject: 'Please sign the policy', emailMessage: 'Thanks', documentName: 'Policy 2027' });
		const documents = job.documentIds.map((id) => sim.state.documents.get(id)!);
		expect(documents.map((d) => [d.fieldInvites[0].email, d.fields.find((f) => f.name === 'Department')?.prefilled_text])).toEqual([
			['a@example.com', 'Sales'],
			['c@example.com', 'R&D, Labs'],
		]);
		const documentsFolder = [...sim.state.folders.values()].find((f) => f.name === 'Documents' && f.ownerId === sim.user.id)!;
		expect(job.folderId).toBe(documentsFolder.id);
	});

	it('refuses an unknown role or field for the whole batch', async () => {
		const templateId = await makeTemplate('Policy', ['Employee'], [{ name: 'Department', role: 'Employee' }]);
		await expect(adapter.signatureRequest!.bulkSend!(client, { templateId, role: 'Boss', rows: [{ email: 'a@example.com', name: 'A', fieldValues: {} }] })).rejects.toThrow('no role named "Boss"');
		await expect(adapter.signatureRequest!.bulkSend!(client, { templateId, role: 'Employee', rows: [{ email: 'a@example.com', name: 'A', fieldValues: { Team: 'x' } }] })).rejects.toThrow('no text field named "Team"');
		expect(sim.state.bulkInvites).toHaveLength(0);
	});
});

describe('SignNow signing links (embedded invites)', () => {
	async function preparedDocument(roles: string[]): Promise<string> {
		const uploaded = await adapter.document.upload!(client, { file: { data: contractPdf('Waiver', 1), fileName: 'Waiver.pdf', mimeType: 'application/pdf' }, extractFieldsFromTags: false });
		await adapter.document.addFields!(client, { documentId: uploaded.id, fields: roles.map((role, i) => ({ type: 'signature' as const, role, page: 1, x: 72, y: 500 + 50 * i, width: 200, height: 40, required: true })) });
		return uploaded.id;
	}

	it('creates an embedded invite for the signer of a one-role document and returns its link; asked again, a fresh link', async () => {
		const documentId = await preparedDocument(['Guest']);
		const link = await adapter.invite.signingLink!(client, { documentId, email: 'guest@example.com', returnUrl: 'https://app.example/thanks' });
		expect(link.url).toMatch(new RegExp(`^${sim.url}/webapp/document/${documentId}/invite\\?token=[0-9a-f]{48}$`));
		expect(Date.parse(link.expiresAt!)).toBeGreaterThan(Date.now() + 40 * 60_000);
		const invite = sim.state.documents.get(documentId)!.fieldInvites[0];
		expect([invite.email, invite.embedded, invite.redirectUri]).toEqual(['guest@example.com', true, 'https://app.example/thanks']);
		const again = await adapter.invite.signingLink!(client, { documentId, email: 'GUEST@example.com' });
		expect(again.url).not.toBe(link.url);
		expect(sim.state.documents.get(documentId)!.fieldInvites).toHaveLength(1);
	});

	it('says why there is no link: invited by email, signed already, not a signer, several roles', async () => {
		const emailed = await preparedDocument(['Guest']);
		await adapter.invite.send!(client, { documentId: emailed, signers: [{ email: 'guest@example.com', role: 'Guest' }] });
		await expect(adapter.invite.signingLink!(client, { documentId: emailed, email: 'guest@example.com' })).rejects.toThrow('was invited by email');
		await expect(adapter.invite.signingLink!(client, { documentId: emailed, email: 'other@example.com' })).rejects.toThrow('is not a signer');
		await simulatorControl(sim).sign(emailed, 'guest@example.com');
		await expect(adapter.invite.signingLink!(client, { documentId: emailed, email: 'guest@example.com' })).rejects.toThrow('has no pending invite');
		const two = await preparedDocument(['A', 'B']);
		await expect(adapter.invite.signingLink!(client, { documentId: two, email: 'a@example.com' })).rejects.toThrow('has 2 roles');
		expect(sim.state.requests.filter((r) => r.path.includes('embedded-invites'))).toHaveLength(0);
	});

	it('the simulator refuses a link_expiration outside 15–45 minutes', async () => {
		const documentId = await preparedDocument(['Guest']);
		await adapter.invite.signingLink!(client, { documentId, email: 'guest@example.com' });
		const invite = sim.state.documents.get(documentId)!.fieldInvites[0];
		const link = (minutes: number) => client.request({ method: 'POST', path: `/v2/documents/${documentId}/embedded-invites/${invite.id}/link`, body: { kind: 'json', data: { auth_method: 'none', link_expiration: minutes } } });
		await expect(link(60)).rejects.toMatchObject({ status: 400 });
		await expect(link(10)).rejects.toMatchObject({ status: 400 });
	});
});

describe('SignNow document history', () => {
	it('returns the document\'s history as a JSON file: created, invited, signed', async () => {
		const uploaded = await adapter.document.upload!(client, { file: { data: contractPdf('Lease', 1), fileName: 'Lease.pdf', mimeType: 'application/pdf' }, extractFieldsFromTags: false });
		await adapter.document.addFields!(client, { documentId: uploaded.id, fields: [{ type: 'signature', role: 'Tenant', page: 1, x: 72, y: 500, width: 200, height: 40, required: true }] });
		await adapter.invite.send!(client, { documentId: uploaded.id, signers: [{ email: 'tenant@example.com', role: 'Tenant' }] });
		await simulatorControl(sim).sign(uploaded.id);
		const file = await adapter.document.auditCertificate!(client, uploaded.id);
		expect([file.fileName, file.mimeType]).toEqual(['Lease-history.json', 'application/json']);
		const events = JSON.parse(file.data.toString('utf8')) as Array<{ event: string; email: string }>;
		expect(events.map((e) => [e.event, e.email])).toEqual([
			['created_document', sim.user.email],
			['create_field_invite', 'tenant@example.com'],
			['fulfilled_field_invite', 'tenant@example.com'],
		]);
	});
});
