/**
 * The SignNow node's template, bulk send, signing link and audit trail operations, executed by
 * n8n's engine against the SignNow simulator over real HTTP (API-key credential).
 */
import { binaryBytes, binaryItem, contractPdf } from '../helpers';
import { simulatorControl } from '../simulators/signnow';
import { ok, setUp, type Fixture } from './signnow-fixture';

let fx: Fixture;

beforeEach(async () => {
	fx = await setUp('apiKey');
});

afterEach(async () => {
	await fx.close();
});

async function upload(name: string): Promise<string> {
	const [item] = ok(await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(contractPdf(name, 1), `${name}.pdf`)]));
	return item.json.id as string;
}

/** A template as a SignNow user makes one: a document with fields, turned into a template. */
async function template(name: string, roles: string[], textFields: Array<{ name: string; role: string }>): Promise<string> {
	const id = await upload(name);
	const fields = [
		...roles.map((role, index) => ({ type: 'signature', role, page_number: 0, x: 72, y: 500 + 50 * index, width: 200, height: 40, required: true })),
		...textFields.map((field, index) => ({ type: 'text', role: field.role, name: field.name, page_number: 0, x: 300, y: 100 + 40 * index, width: 150, height: 24, required: false })),
	];
	const headers = { authorization: `Bearer ${fx.sim.apiKey}`, 'content-type': 'application/json' };
	expect((await fetch(`${fx.sim.url}/document/${id}`, { method: 'PUT', headers, body: JSON.stringify({ fields }) })).status).toBe(200);
	const answer = await fetch(`${fx.sim.url}/template`, { method: 'POST', headers, body: JSON.stringify({ document_id: id, document_name: name }) });
	return ((await answer.json()) as { id: string }).id;
}

describe('Template', () => {
	it('List finds the templates (search by name) and Get shows roles and prefillable fields', async () => {
		const offer = await template('Offer Letter', ['Candidate', 'HR'], [{ name: 'Salary', role: 'Candidate' }]);
		await template('Mutual NDA', ['Partner'], []);
		const all = ok(await fx.run({ resource: 'template', operation: 'list', limit: 10 }));
		expect(all.map((item) => item.json.name).sort()).toEqual(['Mutual NDA', 'Offer Letter']);
		const found = ok(await fx.run({ resource: 'template', operation: 'list', limit: 10, filters: { search: 'offer' } }));
		expect(found.map((item) => item.json.id)).toEqual([offer]);
		const [got] = ok(await fx.run({ resource: 'template', operation: 'get', templateId: offer }));
		expect(got.json).toMatchObject({ id: offer, name: 'Offer Letter', roles: ['Candidate', 'HR'], fields: ['Salary'] });
	});
});

describe('Signature Request → Send From Template', () => {
	it('copies the template, prefills, invites each role; an unknown role stops the node with the template\'s roles', async () => {
		const offer = await template('Offer Letter', ['Candidate', 'HR'], [{ name: 'Salary', role: 'Candidate' }]);
		const [sent] = ok(
			await fx.run({
				resource: 'signatureRequest',
				operation: 'sendFromTemplate',
				templateId: offer,
				templateRecipients: {
					recipient: [
						{ role: 'Candidate', email: 'cara@example.com', name: 'Cara', order: 1 },
						{ role: 'HR', email: 'hr@example.com', name: 'Harriet', order: 2 },
					],
				},
				prefillFields: { field: [{ name: 'Salary', value: '70000' }] },
				options: { title: 'Offer for Cara', subject: 'Your offer', message: 'Please sign' },
			}),
		);
		expect(sent.json).toMatchObject({ status: 'pending', name: 'Offer for Cara', templateId: offer });
		const document = fx.sim.state.documents.get(sent.json.id as string)!;
		expect(document.fields.find((f) => f.name === 'Salary')?.prefilled_text).toBe('70000');
		expect(document.fieldInvites.map((i) => [i.email, i.role])).toEqual([
			['cara@example.com', 'Candidate'],
			['hr@example.com', 'HR'],
		]);

		const refused = await fx.run({
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId: offer,
			templateRecipients: { recipient: [{ role: 'CEO', email: 'c@example.com', name: 'C' }] },
		});
		expect(refused.error?.message).toContain('no role named "CEO"');
		expect(refused.error?.description).toContain('"Candidate", "HR"');
	});
});

describe('Signature Request → Bulk Send From Template', () => {
	it('sends every item in one bulk invite, each with its prefilled value; each item reports queued', async () => {
		const policy = await template('Policy', ['Employee'], [{ name: 'Department', role: 'Employee' }]);
		const items = [
			{ json: { email: 'a@example.com', name: 'Ann', department: 'Sales' } },
			{ json: { email: 'b@example.com', name: 'Ben', department: 'Ops' } },
		];
		const run = await fx.run(
			{
				resource: 'signatureRequest',
				operation: 'bulkSend',
				templateId: policy,
				role: 'Employee',
				signerEmail: '={{ $json.email }}',
				signerName: '={{ $json.name }}',
				prefillFields: { field: [{ name: 'Department', value: '={{ $json.department }}' }] },
				options: { subject: 'Policy', message: 'Please sign' },
			},
			items,
		);
		expect(ok(run).map((item) => [item.json.email, item.json.status])).toEqual([
			['a@example.com', 'queued'],
			['b@example.com', 'queued'],
		]);
		expect(fx.sim.state.requests.filter((r) => r.path === `/template/${policy}/bulkinvite`)).toHaveLength(1);
		const [job] = fx.sim.state.bulkInvites;
		expect(job.documentIds.map((id) => fx.sim.state.documents.get(id)!.fields.find((f) => f.name === 'Department')?.prefilled_text)).toEqual(['Sales', 'Ops']);
	});
});

describe('Invite → Get Signing Link', () => {
	it('returns an embedded signing link for the signer of a one-role document, marked as a secret', async () => {
		const id = await upload('Waiver');
		ok(await fx.run({ resource: 'document', operation: 'addFields', documentId: id, fields: { field: [{ type: 'signature', role: 'Guest', page: 1, x: 72, y: 500, width: 200, height: 40, required: true }] } }));
		const [link] = ok(await fx.run({ resource: 'invite', operation: 'signingLink', documentId: id, signerEmail: 'guest@example.com', options: { returnUrl: 'https://app.example/thanks' } }));
		expect(link.json).toMatchObject({ documentId: id, email: 'guest@example.com', secret: true });
		expect(link.json.signingLink).toMatch(new RegExp(`/webapp/document/${id}/invite\\?token=`));
		expect(fx.sim.state.documents.get(id)!.fieldInvites[0]).toMatchObject({ embedded: true, redirectUri: 'https://app.example/thanks' });
	});
});

describe('Document → Download with the audit certificate', () => {
	it('adds SignNow\'s document history as a second file', async () => {
		const id = await upload('Lease');
		ok(await fx.run({ resource: 'document', operation: 'addFields', documentId: id, fields: { field: [{ type: 'signature', role: 'Tenant', page: 1, x: 72, y: 500, width: 200, height: 40, required: true }] } }));
		ok(await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'tenant@example.com', role: 'Tenant' }] } }));
		await simulatorControl(fx.sim).sign(id);
		const run = await fx.run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data', options: { includeAuditCertificate: true } });
		const [item] = ok(run);
		expect(item.json.auditCertificate).toMatchObject({ field: 'auditCertificate', fileName: 'Lease-history.json' });
		const history = JSON.parse((await binaryBytes(item, 'auditCertificate')).toString('utf8')) as Array<{ event: string }>;
		expect(history.map((e) => e.event)).toEqual(['created_document', 'create_field_invite', 'fulfilled_field_invite']);
	});
});
