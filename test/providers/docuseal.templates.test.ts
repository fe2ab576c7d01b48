/**
 * The DocuSeal adapter's issue-14 operations (templates, send from template, bulk send, signing
 * links, audit log) against the DocuSeal simulator over real HTTP, through a plain ProviderClient.
 */
import { ProviderInputError } from '../../nodes/providers/adapter';
import { docuSealAdapter, docuSealAppUrl } from '../../nodes/providers/docuseal/api';
import { contractPdf } from '../helpers';
import { httpProviderClient } from '../helpers/provider-client';
import { startDocuSealSimulator, type DocuSealSimulator } from '../simulators/docuseal/simulator';

const API_KEY = 'ds_test_templates_5Kq8Rr2n';

let simulator: DocuSealSimulator;
let client: ReturnType<typeof httpProviderClient>;
let templateId: number;

beforeEach(async () => {
	simulator = await startDocuSealSimulator({ apiKey: API_KEY });
	client = httpProviderClient(docuSealAdapter, { apiKey: API_KEY, deployment: 'selfHosted', baseUrl: simulator.apiBaseUrl }, (headers) => {
		headers['x-auth-token'] = API_KEY;
	});
	templateId = simulator.addTemplate({
		name: 'Employment Contract',
		pdf: contractPdf('Employment Contract', 2),
		roles: ['Employee', 'Manager'],
		fields: [
			{ name: 'Salary', type: 'text', role: 'Employee' },
			{ name: 'Start Date', type: 'date', role: 'Employee' },
			{ name: 'Employee Signature', type: 'signature', role: 'Employee' },
			{ name: 'Department', type: 'text', role: 'Manager' },
			{ name: 'Manager Signature', type: 'signature', role: 'Manager' },
		],
	});
});

afterEach(async () => {
	await simulator.close();
});

const adapter = docuSealAdapter;

describe('DocuSeal templates', () => {
	it('lists templates newest first, paging with `after`, and filters by name (q)', async () => {
		for (let i = 1; i <= 4; i++) simulator.addTemplate({ name: `NDA ${i}`, roles: ['Signer'], fields: [{ name: 'Sig', type: 'signature', role: 'Signer' }] });
		const all = await adapter.template!.list!(client, { limit: 10 });
		expect(all.map((t) => t.name)).toEqual(['NDA 4', 'NDA 3', 'NDA 2', 'NDA 1', 'Employment Contract']);
		const few = await adapter.template!.list!(client, { limit: 3 });
		expect(few.map((t) => t.name)).toEqual(['NDA 4', 'NDA 3', 'NDA 2']);
		const searched = await adapter.template!.list!(client, { limit: 10, search: 'employment' });
		expect(searched.map((t) => t.id)).toEqual([String(templateId)]);
		// One request per page: limit 3 of 5 is one page; the search one.
		expect(simulator.state.requests.filter((r) => r.path === '/api/templates')).toHaveLength(3);
	});

	it('pages past DocuSeal\'s 100 per page', async () => {
		for (let i = 1; i <= 104; i++) simulator.addTemplate({ name: `Form ${i}`, roles: ['Signer'], fields: [{ name: 'Sig', type: 'signature', role: 'Signer' }] });
		const many = await adapter.template!.list!(client, { limit: 103 });
		expect(many).toHaveLength(103);
		expect(new Set(many.map((t) => t.id)).size).toBe(103);
		expect(many.at(-1)!.name).toBe('Form 2');
		expect(simulator.state.requests.filter((r) => r.path === '/api/templates')).toHaveLength(2);
	});

	it('gets a template with its roles and prefillable fields (signatures are not prefillable)', async () => {
		const template = await adapter.template!.get!(client, String(templateId));
		expect(template).toMatchObject({ id: String(templateId), name: 'Employment Contract', roles: ['Employee', 'Manager'], fields: ['Salary', 'Start Date', 'Department'] });
		await expect(adapter.template!.get!(client, 'abc')).rejects.toThrow(ProviderInputError);
	});
});

describe('DocuSeal send from template', () => {
	const recipients = [
		{ role: 'Employee', email: 'emma@example.com', name: 'Emma Employee' },
		{ role: 'manager', email: 'max@example.com', name: 'Max Manager' },
	];

	it('creates the submission, fills the roles and puts each prefilled value on the submitter whose field it is', async () => {
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId: String(templateId),
			title: 'Contract for Emma',
			subject: 'Your contract',
			message: 'Please sign {{submitter.link}}',
			recipients,
			fieldValues: { Salary: '50000', Department: 'Sales' },
		});
		expect(details.status).toBe('pending');
		expect(details.name).toBe('Contract for Emma');
		expect(details.invites.map((i) => [i.email, i.role, i.status])).toEqual([
			['emma@example.com', 'Employee', 'sent'],
			['max@example.com', 'Manager', 'awaiting'],
		]);
		const submission = simulator.state.submissions.get(Number(details.id))!;
		expect(submission.submitters.map((s) => s.values)).toEqual([{ Salary: '50000' }, { Department: 'Sales' }]);
		expect(submission.message).toEqual({ subject: 'Your contract', body: 'Please sign {{submitter.link}}' });
	});

	it('refuses an unknown role or field before calling DocuSeal, naming the template\'s roles and fields', async () => {
		const unknownRole = adapter.signatureRequest!.sendFromTemplate!(client, { templateId: String(templateId), recipients: [{ role: 'CEO', email: 'c@example.com', name: 'C' }], fieldValues: {} });
		await expect(unknownRole).rejects.toThrow('has no role named "CEO"');
		await expect(unknownRole).rejects.toMatchObject({ description: 'Roles in this template: "Employee", "Manager".' });
		const unknownField = adapter.signatureRequest!.sendFromTemplate!(client, { templateId: String(templateId), recipients, fieldValues: { Bonus: '1' } });
		await expect(unknownField).rejects.toThrow('has no field named "Bonus"');
		await expect(unknownField).rejects.toMatchObject({ description: 'Fields in this template: "Salary", "Start Date", "Department".' });
		// A value for a role nobody fills cannot be placed.
		await expect(
			adapter.signatureRequest!.sendFromTemplate!(client, { templateId: String(templateId), recipients: [recipients[0]], fieldValues: { Department: 'Sales' } }),
		).rejects.toThrow('belongs to the role "Manager", which has no recipient');
		expect(simulator.state.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
	});

	it('the simulator refuses what DocuSeal refuses: an unknown role with values, more parties than roles, an unknown template', async () => {
		const post = (data: unknown) => client.request({ method: 'POST', path: '/submissions', body: { kind: 'json', data } });
		await expect(post({ template_id: templateId, submitters: [{ role: 'CEO', email: 'c@example.com', values: { Salary: '1' } }] })).rejects.toMatchObject({ status: 422, body: { error: expect.stringContaining('Unknown submitter role: CEO') } });
		await expect(post({ template_id: templateId, submitters: [{ email: 'a@example.com' }, { email: 'b@example.com' }, { email: 'c@example.com' }] })).rejects.toMatchObject({ status: 422, body: { error: 'Defined more signing parties than in template' } });
		await expect(post({ template_id: 999999, submitters: [{ email: 'a@example.com' }] })).rejects.toMatchObject({ status: 422, body: { error: 'Template not found' } });
		await expect(post({ template_id: templateId, submitters: [{ email: 'not-an-email' }] })).rejects.toMatchObject({ status: 422 });
	});
});

describe('DocuSeal bulk send', () => {
	it('sends one submission per row in one POST /submissions and reports each row with its submission id', async () => {
		const result = await adapter.signatureRequest!.bulkSend!(client, {
			templateId: String(templateId),
			role: 'Employee',
			title: 'Policy 2027',
			rows: [
				{ email: 'a@example.com', name: 'A', fieldValues: { Salary: '1' } },
				{ email: 'not an email', name: 'B', fieldValues: {} },
				{ email: 'c@example.com', name: 'C', fieldValues: { Salary: '3' } },
			],
		});
		expect(result.rows.map((r) => [r.index, r.email, r.status])).toEqual([
			[0, 'a@example.com', 'sent'],
			[1, 'not an email', 'failed'],
			[2, 'c@example.com', 'sent'],
		]);
		expect(result.rows[1].error).toMatch(/not an email address/);
		expect(simulator.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/submissions')).toHaveLength(1);
		const a = simulator.state.submissions.get(Number(result.rows[0].documentId))!;
		const c = simulator.state.submissions.get(Number(result.rows[2].documentId))!;
		expect([a.submitters[0].email, a.submitters[0].values, a.name, a.source]).toEqual(['a@example.com', { Salary: '1' }, 'Policy 2027', 'bulk']);
		expect([c.submitters[0].email, c.submitters[0].values]).toEqual(['c@example.com', { Salary: '3' }]);
	});

	it('refuses an unknown role or field for the whole batch', async () => {
		await expect(adapter.signatureRequest!.bulkSend!(client, { templateId: String(templateId), role: 'Intern', rows: [{ email: 'a@example.com', name: 'A', fieldValues: {} }] })).rejects.toThrow('no role named "Intern"');
		await expect(adapter.signatureRequest!.bulkSend!(client, { templateId: String(templateId), role: 'Employee', rows: [{ email: 'a@example.com', name: 'A', fieldValues: { Bonus: 'x' } }] })).rejects.toThrow('no field named "Bonus"');
	});
});

describe('DocuSeal signing links and audit log', () => {
	async function sent() {
		return await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId: String(templateId),
			recipients: [
				{ role: 'Employee', email: 'emma@example.com', name: 'Emma' },
				{ role: 'Manager', email: 'max@example.com', name: 'Max' },
			],
			fieldValues: {},
		});
	}

	it('gives the submitter\'s /s/<slug> form; with a return URL it sets completed_redirect_url and uses DocuSeal\'s embed_src', async () => {
		const details = await sent();
		const submission = simulator.state.submissions.get(Number(details.id))!;
		const link = await adapter.invite.signingLink!(client, { documentId: details.id, email: 'MAX@example.com' });
		expect(link.url).toBe(`${simulator.url}/s/${submission.submitters[1].slug}`);
		expect(simulator.state.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);
		const withReturn = await adapter.invite.signingLink!(client, { documentId: details.id, email: 'emma@example.com', returnUrl: 'https://app.example/done' });
		expect(withReturn.url).toBe(`${simulator.url}/s/${submission.submitters[0].slug}`);
		expect(submission.submitters[0].completedRedirectUrl).toBe('https://app.example/done');
		await expect(adapter.invite.signingLink!(client, { documentId: details.id, email: 'nobody@example.com' })).rejects.toThrow(/not a submitter.*/);
	});

	it('refuses a link for someone who has signed', async () => {
		const details = await sent();
		await simulator.control('sign', { submissionId: Number(details.id), email: 'emma@example.com' });
		await expect(adapter.invite.signingLink!(client, { documentId: details.id, email: 'emma@example.com' })).rejects.toThrow('has already signed');
	});

	it('maps the clouds\' API hosts to their app hosts and a self-hosted /api to its root', () => {
		expect(docuSealAppUrl('https://api.docuseal.com')).toBe('https://docuseal.com');
		expect(docuSealAppUrl('https://api.docuseal.eu')).toBe('https://docuseal.eu');
		expect(docuSealAppUrl('https://sign.example.com/api')).toBe('https://sign.example.com');
		expect(docuSealAppUrl('https://example.com/docuseal/api/')).toBe('https://example.com/docuseal');
	});

	it('downloads the audit log once everyone has completed, and says why not before', async () => {
		const details = await sent();
		await expect(adapter.document.auditCertificate!(client, details.id)).rejects.toThrow('has no audit log yet');
		await simulator.control('sign', { submissionId: Number(details.id), email: 'emma@example.com' });
		await simulator.control('sign', { submissionId: Number(details.id), email: 'max@example.com' });
		const file = await adapter.document.auditCertificate!(client, details.id);
		expect(file.mimeType).toBe('application/pdf');
		expect(file.data.toString('latin1')).toContain('Audit Log');
		// The signed link is fetched without the API key.
		const fetched = simulator.state.requests.filter((r) => r.path.startsWith('/file/'));
		expect(fetched.at(-1)?.token).toBeUndefined();
	});

	it('downloads documents + audit log (include=combined_document_url), which DocuSeal builds only when asked', async () => {
		const details = await sent();
		await simulator.control('sign', { submissionId: Number(details.id), email: 'emma@example.com' });
		await simulator.control('sign', { submissionId: Number(details.id), email: 'max@example.com' });
		const plain = await client.request<{ combined_document_url: string | null }>({ method: 'GET', path: `/submissions/${details.id}` });
		expect(plain.combined_document_url).toBeNull();
		const file = await adapter.document.download!(client, { documentId: details.id, withHistory: true });
		expect(file.data.toString('latin1')).toContain('% Audit Log');
	});
});
