/**
 * The E-Signature node's DocuSeal operations through n8n's execution engine against the DocuSeal
 * simulator (real HTTP, `X-Auth-Token`), and the simulator's webhooks checked by the relay's
 * pure handler (`X-Docuseal-Signature`).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeExecutionData } from 'n8n-workflow';

import { DocuSealApi } from '../../credentials/DocuSealApi.credentials';
import { DocuSeal } from '../../nodes/DocuSeal/DocuSeal.node';
import { docusealWebhook } from '../../nodes/providers/docuseal/webhook';
import { binaryBytes, binaryItem, contractPdf, makePdf, runNode, testCredential, TestCredentialsHelper } from '../helpers';
import { startDocuSealSimulator, type DocuSealSimulator } from '../simulators/docuseal/simulator';

const API_KEY = 'ds_test_7Hq2LmP9xZ4vB8nK1cR5tY3w';

let simulator: DocuSealSimulator;
let credentials: TestCredentialsHelper;
let credential: { id: string; name: string };

beforeEach(async () => {
	simulator = await startDocuSealSimulator({ apiKey: API_KEY });
	credentials = new TestCredentialsHelper([new DocuSealApi()]);
	credential = credentials.add('docuSealApi', { apiKey: API_KEY, deployment: 'selfHosted', baseUrl: simulator.apiBaseUrl }) as { id: string; name: string };
});

afterEach(async () => {
	await simulator.close();
});

async function run(parameters: Record<string, unknown>, input?: INodeExecutionData[], details = credential) {
	return await runNode({
		node: {
			type: 'docuSeal',
			parameters: { authentication: 'apiKey', ...parameters },
			credentials: { docuSealApi: details },
		},
		nodeTypes: { docuSeal: new DocuSeal() },
		credentialsHelper: credentials,
		input,
	});
}

async function send(extra: Record<string, unknown> = {}, pdf = contractPdf('NDA', 2)) {
	return await run(
		{
			resource: 'signatureRequest',
			operation: 'send',
			binaryPropertyName: 'data',
			requestSigners: {
				signer: [
					{ email: 'partner@example.com', name: 'Pat Partner', role: 'Partner', order: 1 },
					{ email: 'ceo@example.com', name: 'Casey CEO', role: 'CEO', order: 2 },
				],
			},
			signatureFields: {
				field: [
					{ type: 'signature', role: 'Partner', page: 2, x: 72, y: 650, width: 200, height: 40, required: true },
					{ type: 'date', role: 'ceo@example.com', page: 2, x: 300, y: 650, width: 120, height: 20, required: false, label: 'Signed on' },
				],
			},
			options: { title: 'Mutual NDA', subject: 'NDA to sign', message: 'Please sign the NDA' },
			...extra,
		},
		[binaryItem(pdf, 'nda.pdf')],
	);
}

async function sentId(): Promise<string> {
	const result = await send();
	expect(result.error).toBeUndefined();
	return String(result.items[0].json.id);
}

describe('E-Signature node × DocuSeal simulator', () => {
	it('creates a submission from the PDF with fields per role, signers one after another', async () => {
		const result = await send();
		expect(result.error).toBeUndefined();
		const json = result.items[0].json;
		expect(json).toMatchObject({ provider: 'docuseal', name: 'Mutual NDA', status: 'pending', fieldsAdded: 2 });
		const stored = simulator.state.submissions.get(Number(json.id));
		expect(stored?.order).toBe('preserved');
		expect(stored?.message).toEqual({ subject: 'NDA to sign', body: 'Please sign the NDA' });
		expect(stored?.document.data.equals(contractPdf('NDA', 2))).toBe(true);
		expect(stored?.fields).toEqual([
			{ name: 'signature 1', type: 'signature', role: 'Partner', required: true, areas: [{ x: 72, y: 650, w: 200, h: 40, page: 2 }] },
			{ name: 'Signed on', type: 'date', role: 'CEO', required: false, areas: [{ x: 300, y: 650, w: 120, h: 20, page: 2 }] },
		]);
		// Only the first signer is emailed until they sign.
		expect(stored?.submitters.map((s) => [s.email, s.role, s.status])).toEqual([
			['partner@example.com', 'Partner', 'sent'],
			['ceo@example.com', 'CEO', 'awaiting'],
		]);
		expect(simulator.state.requests.filter((r) => r.path.startsWith('/api/')).every((r) => r.token === API_KEY)).toBe(true);
	});

	it('sends to everyone at once when no signing order is given, and reads text tags', async () => {
		const tagged = makePdf({ title: 'Tagged', pages: [['Sign here: {{Signature;role=Signer 1;type=signature}}']] });
		const result = await send(
			{
				requestSigners: { signer: [{ email: 'a@example.com', name: 'A' }, { email: 'b@example.com', name: 'B' }] },
				signatureFields: {},
				options: { extractFieldsFromTags: true },
			},
			tagged,
		);
		expect(result.error).toBeUndefined();
		const stored = simulator.state.submissions.get(Number(result.items[0].json.id));
		expect(stored?.order).toBe('random');
		expect(stored?.fields.map((f) => [f.name, f.role, f.type])).toEqual([['Signature', 'Signer 1', 'signature']]);
		expect(stored?.submitters.map((s) => [s.role, s.status])).toEqual([
			['Signer 1', 'sent'],
			['Signer 2', 'sent'],
		]);
	});

	it('refuses, before calling DocuSeal, a document without fields or tags and a mixed signing order', async () => {
		const noFields = await send({ signatureFields: {} });
		expect(noFields.error?.message).toBe('DocuSeal needs fields to sign');
		const mixed = await send({
			requestSigners: {
				signer: [
					{ email: 'a@example.com', name: 'A', order: 1 },
					{ email: 'b@example.com', name: 'B', order: 1 },
					{ email: 'c@example.com', name: 'C', order: 2 },
				],
			},
			signatureFields: { field: [{ type: 'signature', role: 'Signer 1', page: 1, x: 1, y: 1, width: 10, height: 10, required: true }] },
		});
		expect(mixed.error?.message).toBe('DocuSeal cannot mix parallel and sequential signing');
		expect(simulator.state.requests.filter((r) => r.path === '/api/submissions/pdf')).toHaveLength(0);
	});

	it('passes on DocuSeal\'s 422 for a field beyond the last page', async () => {
		const result = await send({
			signatureFields: { field: [{ type: 'signature', role: 'Partner', page: 3, x: 1, y: 1, width: 10, height: 10, required: true }] },
		});
		expect(result.error?.httpCode).toBe('422');
		expect(result.error?.message).toBe('DocuSeal answered HTTP 422: Field signature 1: page 3 is out of the document (2 pages)');
	});

	it('gets a submission with its submitters', async () => {
		const id = await sentId();
		const result = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id, name: 'Mutual NDA', status: 'pending' });
		expect((result.items[0].json.invites as Array<{ email: string; status: string }>).map((i) => [i.email, i.status])).toEqual([
			['partner@example.com', 'sent'],
			['ceo@example.com', 'awaiting'],
		]);
	});

	it('reminds a submitter, and shows DocuSeal\'s refusal once they completed', async () => {
		const id = await sentId();
		const reminded = await run({ resource: 'signatureRequest', operation: 'remind', documentId: id, signerEmail: 'partner@example.com' });
		expect(reminded.error).toBeUndefined();
		expect(simulator.state.submissions.get(Number(id))?.submitters[0].emailsSent).toBe(2);
		await simulator.control('sign', { submissionId: Number(id), email: 'partner@example.com' });
		const again = await run({ resource: 'signatureRequest', operation: 'remind', documentId: id, signerEmail: 'partner@example.com' });
		expect(again.error?.message).toBe('DocuSeal answered HTTP 422: Submitter has already completed the submission.');
	});

	it('downloads the signed PDF through the signed document link (no API key sent there), with the audit log on request', async () => {
		const id = await sentId();
		const early = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(early.error?.message).toBe(`Document ${id} is not signed yet (status: pending)`);
		await simulator.control('sign', { submissionId: Number(id), email: 'partner@example.com' });
		await simulator.control('sign', { submissionId: Number(id), email: 'ceo@example.com' });

		const file = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(file.error).toBeUndefined();
		expect(file.items[0].json).toMatchObject({ status: 'completed', fileName: 'Mutual NDA.pdf' });
		const text = binaryBytes(file.items[0]).toString('latin1');
		expect(text).toContain('signed by: partner@example.com, ceo@example.com');
		expect(text).not.toContain('Audit Log');
		const downloads = simulator.state.requests.filter((r) => r.path.startsWith('/file/'));
		expect(downloads.length).toBe(1);
		expect(downloads.every((r) => r.token === undefined)).toBe(true);

		const withLog = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data', options: { withHistory: true } });
		expect(binaryBytes(withLog.items[0]).toString('latin1')).toContain('Audit Log');
	});

	it('archives a submission (Delete) and reports it as cancelled', async () => {
		const id = await sentId();
		const removed = await run({ resource: 'document', operation: 'delete', documentId: id });
		expect(removed.error).toBeUndefined();
		expect(simulator.state.submissions.get(Number(id))?.archived_at).not.toBeNull();
		const after = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(after.items[0].json.status).toBe('cancelled');
	});

	it('reports an unknown submission, a non-numeric id and a wrong key with actionable messages', async () => {
		expect((await run({ resource: 'document', operation: 'get', documentId: '999999' })).error?.message).toBe('DocuSeal answered HTTP 404: Not found');
		expect((await run({ resource: 'document', operation: 'get', documentId: 'abc' })).error?.message).toBe('"abc" is not a DocuSeal submission ID');
		const bad = credentials.add('docuSealApi', { apiKey: 'wrong', deployment: 'selfHosted', baseUrl: simulator.apiBaseUrl }) as { id: string; name: string };
		const denied = await run({ resource: 'document', operation: 'get', documentId: '1000' }, undefined, bad);
		expect(denied.error?.message).toBe('DocuSeal rejected the credentials (HTTP 401): Not authenticated');
	});
});

describe('DocuSeal credential', () => {
	it('"Test credential" lists submissions with the key, and fails with a wrong one', async () => {
		const good = await testCredential(credentials, 'docuSealApi', { apiKey: API_KEY, deployment: 'selfHosted', baseUrl: simulator.apiBaseUrl });
		expect(good.status).toBe('OK');
		const bad = await testCredential(credentials, 'docuSealApi', { apiKey: 'nope', deployment: 'selfHosted', baseUrl: simulator.apiBaseUrl });
		expect(bad).toMatchObject({ status: 'Error', httpCode: '401' });
	});

	it('picks the cloud region\'s host, and wants a base URL when self-hosted', async () => {
		const { docuSealBaseUrl } = await import('../../nodes/providers/docuseal/environment');
		expect(docuSealBaseUrl({ deployment: 'cloudUs' })).toBe('https://api.docuseal.com');
		expect(docuSealBaseUrl({ deployment: 'cloudEu' })).toBe('https://api.docuseal.eu');
		const empty = credentials.add('docuSealApi', { apiKey: API_KEY, deployment: 'selfHosted', baseUrl: '' }) as { id: string; name: string };
		const result = await run({ resource: 'document', operation: 'get', documentId: '1' }, undefined, empty);
		expect(result.error?.message).toBe('The DocuSeal credential has no Base URL');
	});
});

describe('DocuSeal simulator webhooks', () => {
	it('signs X-Docuseal-Signature as the handler verifies; retries keep the event id; tampering and wrong secrets fail', async () => {
		let status = 503;
		const received: Array<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(status).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			const secret = 'whsec_3f9a1c7e5b2d8f4a6c0e1b3d5f7a9c2e';
			simulator.state.webhook = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ingest/docuseal`, secret };
			const id = await sentId();
			status = 200;
			await simulator.control('retry-failed');
			await simulator.control('sign', { submissionId: Number(id), email: 'partner@example.com' });
			await simulator.control('sign', { submissionId: Number(id), email: 'ceo@example.com' });
			await run({ resource: 'document', operation: 'delete', documentId: id });
			// Webhooks are posted in the background, as DocuSeal does: wait for the worker.
			await simulator.settled();

			const options = docusealWebhook.parseOptions({});
			const now = Date.now();
			const events = received.map((m) => {
				const request = { rawBody: m.body, headers: m.headers };
				docusealWebhook.verify(request, ['whsec_old', secret], options, now);
				return docusealWebhook.normalize(request, options, now)[0];
			});
			expect(events.map((e) => [e.providerEvent, e.type, e.documentId])).toEqual([
				['submission.created', 'invite.sent', id],
				['submission.created', 'invite.sent', id],
				['form.completed', 'invite.signed', id],
				['form.completed', 'invite.signed', id],
				['submission.completed', 'document.completed', id],
				['submission.archived', 'document.deleted', id],
			]);
			expect(events[1].id).toBe(events[0].id);
			expect(events[2].signerEmail).toBe('partner@example.com');
			expect(events[3].signerEmail).toBe('ceo@example.com');
			expect(JSON.stringify(events[0].payload)).not.toMatch(/"slug"|embed_src/);

			const first = received[0];
			const tampered = Buffer.from(first.body.toString('utf8').replace('Mutual NDA', 'Mutual NDB'));
			expect(() => docusealWebhook.verify({ rawBody: tampered, headers: first.headers }, [secret], options, now)).toThrow(/does not match/);
			expect(() => docusealWebhook.verify({ rawBody: first.body, headers: first.headers }, ['whsec_other'], options, now)).toThrow(/does not match/);
			expect(() => docusealWebhook.verify({ rawBody: first.body, headers: first.headers }, [secret], options, now + 10 * 60_000)).toThrow(/outside/);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});
});

describe('E-Signature node × DocuSeal simulator: templates, bulk send, signing links, audit log', () => {
	let templateId: number;
	beforeEach(() => {
		templateId = simulator.addTemplate({
			name: 'Offer Letter',
			pdf: contractPdf('Offer Letter', 1),
			roles: ['Candidate', 'HR'],
			fields: [
				{ name: 'Salary', type: 'text', role: 'Candidate' },
				{ name: 'Candidate Signature', type: 'signature', role: 'Candidate' },
				{ name: 'HR Signature', type: 'signature', role: 'HR' },
			],
		});
	});

	const recipients = {
		recipient: [
			{ role: 'Candidate', email: 'cara@example.com', name: 'Cara', order: 1 },
			{ role: 'HR', email: 'hr@example.com', name: 'Harriet', order: 2 },
		],
	};

	it('Template → List (search) and Get', async () => {
		simulator.addTemplate({ name: 'NDA', roles: ['Signer'], fields: [{ name: 'Sig', type: 'signature', role: 'Signer' }] });
		const listed = await run({ resource: 'template', operation: 'list', limit: 10, filters: { search: 'offer' } });
		expect(listed.error).toBeUndefined();
		expect(listed.items.map((item) => item.json.id)).toEqual([String(templateId)]);
		const got = await run({ resource: 'template', operation: 'get', templateId: String(templateId) });
		expect(got.items[0].json).toMatchObject({ name: 'Offer Letter', roles: ['Candidate', 'HR'], fields: ['Salary'] });
	});

	it('Signature Request → Send From Template fills the roles and prefills; an unknown field stops it naming the template\'s fields', async () => {
		const sent = await run({
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId: String(templateId),
			templateRecipients: recipients,
			prefillFields: { field: [{ name: 'Salary', value: '70000' }] },
			options: { title: 'Offer for Cara' },
		});
		expect(sent.error).toBeUndefined();
		expect(sent.items[0].json).toMatchObject({ name: 'Offer for Cara', status: 'pending' });
		const submission = simulator.state.submissions.get(Number(sent.items[0].json.id))!;
		expect(submission.submitters.map((s) => [s.email, s.role, s.values])).toEqual([
			['cara@example.com', 'Candidate', { Salary: '70000' }],
			['hr@example.com', 'HR', {}],
		]);

		const refused = await run({
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId: String(templateId),
			templateRecipients: recipients,
			prefillFields: { field: [{ name: 'Bonus', value: '1' }] },
		});
		expect(refused.error?.message).toContain('no field named "Bonus"');
		expect(refused.error?.description).toBe('Fields in this template: "Salary".');
	});

	it('Signature Request → Bulk Send From Template: one POST /submissions for all items, one submission per item', async () => {
		const bulk = await run(
			{
				resource: 'signatureRequest',
				operation: 'bulkSend',
				templateId: String(templateId),
				role: 'Candidate',
				signerEmail: '={{ $json.email }}',
				signerName: '={{ $json.name }}',
				prefillFields: { field: [{ name: 'Salary', value: '={{ $json.salary }}' }] },
			},
			[{ json: { email: 'a@example.com', name: 'Ann', salary: '1' } }, { json: { email: 'b@example.com', name: 'Ben', salary: '2' } }],
		);
		expect(bulk.error).toBeUndefined();
		expect(bulk.items.map((item) => [item.json.email, item.json.status])).toEqual([
			['a@example.com', 'sent'],
			['b@example.com', 'sent'],
		]);
		expect(simulator.state.requests.filter((r) => r.method === 'POST' && r.path === '/api/submissions')).toHaveLength(1);
		const values = bulk.items.map((item) => simulator.state.submissions.get(Number(item.json.documentId))!.submitters[0].values);
		expect(values).toEqual([{ Salary: '1' }, { Salary: '2' }]);
	});

	it('Invite → Get Signing Link gives the submitter\'s form link; Download adds the audit log once completed', async () => {
		const sent = await run({ resource: 'signatureRequest', operation: 'sendFromTemplate', templateId: String(templateId), templateRecipients: recipients });
		const id = String(sent.items[0].json.id);
		const link = await run({ resource: 'invite', operation: 'signingLink', documentId: id, signerEmail: 'hr@example.com' });
		expect(link.error).toBeUndefined();
		const slug = simulator.state.submissions.get(Number(id))!.submitters[1].slug;
		expect(link.items[0].json).toMatchObject({ signingLink: `${simulator.url}/s/${slug}`, secret: true });

		await simulator.control('sign', { submissionId: Number(id), email: 'cara@example.com' });
		await simulator.control('sign', { submissionId: Number(id), email: 'hr@example.com' });
		const downloaded = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data', options: { includeAuditCertificate: true } });
		expect(downloaded.error).toBeUndefined();
		expect((await binaryBytes(downloaded.items[0], 'auditCertificate')).toString('latin1')).toContain('Audit Log');
		expect((await binaryBytes(downloaded.items[0], 'data')).toString('latin1')).toContain('signed by: cara@example.com, hr@example.com');
	});
});
