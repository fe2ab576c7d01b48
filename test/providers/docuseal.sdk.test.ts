/**
 * The DocuSeal simulator driven by DocuSeal's official JavaScript SDK (`@docuseal/api` 1.0.25),
 * pointed at it with the SDK's `url` setting (the self-hosted form, `https://host/api`). The SDK
 * does not check answers at run time, but it publishes their types (`types/types.d.ts`, generated
 * from DocuSeal's OpenAPI document); the test reads that file with the TypeScript compiler and
 * checks every answer against the declared type: required properties present, optional ones
 * absent or of their type, null only where the type says `| null`, enums within their values.
 *
 * Endpoints: every one the node's DocuSeal adapter calls (nodes/providers/docuseal/api.ts) and the
 * credential test's `GET /submissions?limit=1` (credentials/DocuSealApi.credentials.ts).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { DocusealApi, DocusealApiError } from '@docuseal/api';
import ts from 'typescript';

import { contractPdf } from '../helpers';
import { startDocuSealSimulator, type DocuSealSimulator } from '../simulators/docuseal/simulator';

const API_KEY = 'ds_sdk_4f9c2a7e1b8d3f6a0c5e9b2d7f1a4c8e';

let simulator: DocuSealSimulator;
let docuseal: DocusealApi;

beforeEach(async () => {
	simulator = await startDocuSealSimulator({ apiKey: API_KEY });
	docuseal = new DocusealApi({ key: API_KEY, url: simulator.apiBaseUrl });
});

afterEach(async () => {
	await simulator.close();
});

// ---- the type check ---------------------------------------------------------------------------

const TYPES = join(require.resolve('@docuseal/api'), '..', '..', 'types', 'types.d.ts');
const source = ts.createSourceFile(TYPES, readFileSync(TYPES, 'utf8'), ts.ScriptTarget.Latest, true);
const aliases = new Map<string, ts.TypeNode>();
for (const statement of source.statements) if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement.type);

function describeValue(value: unknown): string {
	const text = JSON.stringify(value);
	return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** Where `value` differs from the declared type `node`; empty when it conforms. */
function typeDifferences(value: unknown, node: ts.TypeNode, path: string): string[] {
	switch (node.kind) {
		case ts.SyntaxKind.StringKeyword:
			return typeof value === 'string' ? [] : [`${path}: expected a string, got ${describeValue(value)}`];
		case ts.SyntaxKind.NumberKeyword:
			return typeof value === 'number' ? [] : [`${path}: expected a number, got ${describeValue(value)}`];
		case ts.SyntaxKind.BooleanKeyword:
			return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${describeValue(value)}`];
		case ts.SyntaxKind.UnknownKeyword:
		case ts.SyntaxKind.AnyKeyword:
			return [];
	}
	if (ts.isParenthesizedTypeNode(node)) return typeDifferences(value, node.type, path);
	if (ts.isLiteralTypeNode(node)) {
		const literal = node.literal;
		const expected = literal.kind === ts.SyntaxKind.NullKeyword ? null : literal.kind === ts.SyntaxKind.TrueKeyword ? true : literal.kind === ts.SyntaxKind.FalseKeyword ? false : ts.isStringLiteral(literal) ? literal.text : Number(literal.getText());
		return value === expected ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${describeValue(value)}`];
	}
	if (ts.isUnionTypeNode(node)) {
		if (node.types.some((member) => typeDifferences(value, member, path).length === 0)) return [];
		return [`${path}: ${describeValue(value)} is none of ${node.getText()}`];
	}
	if (ts.isArrayTypeNode(node)) {
		if (!Array.isArray(value)) return [`${path}: expected an array, got ${describeValue(value)}`];
		return value.flatMap((item, index) => typeDifferences(item, node.elementType, `${path}[${index}]`));
	}
	if (ts.isTypeReferenceNode(node)) {
		const name = node.typeName.getText();
		if (name === 'Array' && node.typeArguments) {
			if (!Array.isArray(value)) return [`${path}: expected an array, got ${describeValue(value)}`];
			return value.flatMap((item, index) => typeDifferences(item, node.typeArguments![0], `${path}[${index}]`));
		}
		const alias = aliases.get(name);
		if (!alias) throw new Error(`types.d.ts has no type ${name}`);
		return typeDifferences(value, alias, path);
	}
	if (ts.isTypeLiteralNode(node)) {
		if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected an object, got ${describeValue(value)}`];
		const record = value as Record<string, unknown>;
		return node.members.flatMap((member) => {
			if (!ts.isPropertySignature(member) || !member.type) return [];
			const name = member.name.getText().replace(/^["']|["']$/g, '');
			if (!(name in record)) return member.questionToken ? [] : [`${path}.${name}: missing`];
			return typeDifferences(record[name], member.type, `${path}.${name}`);
		});
	}
	throw new Error(`the type check does not know ${ts.SyntaxKind[node.kind]} (${node.getText()})`);
}

function expectType(value: unknown, type: string) {
	const alias = aliases.get(type);
	if (!alias) throw new Error(`types.d.ts has no type ${type}`);
	expect(typeDifferences(value, alias, type)).toEqual([]);
}

// ---- helpers ----------------------------------------------------------------------------------

async function createFromPdf(name = 'Mutual NDA') {
	return await docuseal.createSubmissionFromPdf({
		name,
		send_email: true,
		order: 'preserved',
		documents: [
			{
				name,
				file: contractPdf(name).toString('base64'),
				fields: [
					{ name: 'Partner signature', type: 'signature', role: 'Partner', required: true, areas: [{ x: 72, y: 600, w: 200, h: 40, page: 1 }] },
					{ name: 'CEO signature', type: 'signature', role: 'CEO', required: true, areas: [{ x: 320, y: 600, w: 200, h: 40, page: 1 }] },
				],
			},
		],
		submitters: [
			{ role: 'Partner', email: 'partner@example.com', name: 'Pat Partner' },
			{ role: 'CEO', email: 'ceo@example.com', name: 'Cleo CEO' },
		],
		message: { subject: 'Please sign', body: 'Thanks' },
	});
}

describe('DocuSeal SDK against the simulator', () => {
	it('creates a one-off submission from a PDF and answers a SubmissionCreateOneoffResult', async () => {
		const created = await createFromPdf();
		expectType(created, 'CreateSubmissionFromPdfResponse');
		expect(created.submitters.map((s) => [s.email, s.role, s.status])).toEqual([
			['partner@example.com', 'Partner', 'sent'],
			['ceo@example.com', 'CEO', 'awaiting'],
		]);
		expect(created.submitters_order).toBe('preserved');
	});

	it('reads the submission (GetSubmissionResponse) before and after everyone signs', async () => {
		const { id } = await createFromPdf();
		const pending = await docuseal.getSubmission(id, { include: 'combined_document_url' });
		expectType(pending, 'GetSubmissionResponse');
		expect(pending.status).toBe('pending');
		expect(pending.combined_document_url).toBeNull();

		await simulator.control('sign', { submissionId: id, email: 'partner@example.com' });
		await simulator.control('sign', { submissionId: id, email: 'ceo@example.com' });
		// DocuSeal builds the combined PDF on request: only when asked to include it (or when the account combines every result).
		const notAsked = await docuseal.getSubmission(id);
		expectType(notAsked, 'GetSubmissionResponse');
		expect(notAsked.combined_document_url).toBeNull();
		expect(notAsked.audit_log_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/file\//);
		const completed = await docuseal.getSubmission(id, { include: 'combined_document_url' });
		expectType(completed, 'GetSubmissionResponse');
		expect(completed.status).toBe('completed');
		expect(completed.submitters.every((s) => s.status === 'completed' && s.completed_at !== null)).toBe(true);
		expect(completed.combined_document_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/file\//);
	});

	it('lists submissions as the credential test asks (GET /submissions?limit=1): a SubmissionList', async () => {
		await createFromPdf('One');
		await createFromPdf('Two');
		const list = await docuseal.listSubmissions({ limit: 1 });
		expectType(list, 'GetSubmissionsResponse');
		expect(list.data.map((s) => s.name)).toEqual(['Two']);
	});

	it('hands out the documents (SubmissionDocuments, merge=true) whose signed links need no key', async () => {
		const { id } = await createFromPdf();
		await simulator.control('sign', { submissionId: id, email: 'partner@example.com' });
		await simulator.control('sign', { submissionId: id, email: 'ceo@example.com' });
		const documents = await docuseal.getSubmissionDocuments(id, { merge: true });
		expectType(documents, 'GetSubmissionDocumentsResponse');
		const pdf = await fetch(documents.documents[0].url);
		expect(pdf.status).toBe(200);
		expect(Buffer.from(await pdf.arrayBuffer()).toString('latin1')).toContain('signed by: partner@example.com, ceo@example.com');
	});

	it('emails a submitter again (SubmitterUpdateResult) and refuses once they have completed', async () => {
		const created = await createFromPdf();
		const partner = created.submitters[0];
		const updated = await docuseal.updateSubmitter(partner.id, { send_email: true });
		expectType(updated, 'UpdateSubmitterResponse');
		expect(updated.id).toBe(partner.id);

		await simulator.control('sign', { submissionId: created.id, email: 'partner@example.com' });
		const refused = await docuseal.updateSubmitter(partner.id, { send_email: true }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(DocusealApiError);
		expect((refused as Error).message).toMatch(/^HTTP Error: 422 - \{"error":/);
	});

	it('archives a submission (SubmissionArchiveResult); the archived submission still reads back with archived_at', async () => {
		const { id } = await createFromPdf();
		const archived = await docuseal.archiveSubmission(id);
		expectType(archived, 'ArchiveSubmissionResponse');
		expect(archived.archived_at).toEqual(expect.any(String));
		const again = await docuseal.getSubmission(id);
		expectType(again, 'GetSubmissionResponse');
		expect(again.archived_at).toBe(archived.archived_at);
	});

	it('rejects a wrong key and what DocuSeal rejects (a role no submitter has), as the SDK reports errors', async () => {
		const stranger = new DocusealApi({ key: 'wrong', url: simulator.apiBaseUrl });
		const unauthorized = await stranger.listSubmissions({ limit: 1 }).catch((e: unknown) => e);
		expect(unauthorized).toBeInstanceOf(DocusealApiError);
		expect((unauthorized as Error).message).toMatch(/^HTTP Error: 401 - /);

		const badRole = await docuseal
			.createSubmissionFromPdf({
				documents: [{ name: 'X', file: contractPdf('X').toString('base64'), fields: [{ name: 'S', type: 'signature', role: 'Nobody', areas: [{ x: 1, y: 1, w: 10, h: 10, page: 1 }] }] }],
				submitters: [{ role: 'Signer', email: 's@example.com' }],
			})
			.catch((e: unknown) => e);
		expect((badRole as Error).message).toMatch(/^HTTP Error: 422 - /);
	});
});

describe('DocuSeal SDK: templates and submissions from templates (issue 14)', () => {
	let templateId: number;
	beforeEach(() => {
		templateId = simulator.addTemplate({
			name: 'Offer Letter',
			pdf: contractPdf('Offer Letter'),
			roles: ['Candidate', 'HR'],
			fields: [
				{ name: 'Salary', type: 'text', role: 'Candidate' },
				{ name: 'Candidate Signature', type: 'signature', role: 'Candidate' },
				{ name: 'HR Signature', type: 'signature', role: 'HR' },
			],
		});
	});

	it('lists templates (TemplateList) and reads one (Template)', async () => {
		simulator.addTemplate({ name: 'NDA', roles: ['Signer'], fields: [{ name: 'Sig', type: 'signature', role: 'Signer' }] });
		const list = await docuseal.listTemplates({ limit: 10, q: 'offer' });
		expectType(list, 'GetTemplatesResponse');
		expect(list.data.map((t) => t.name)).toEqual(['Offer Letter']);
		const template = await docuseal.getTemplate(templateId);
		expectType(template, 'GetTemplateResponse');
		expect(template.submitters.map((s) => s.name)).toEqual(['Candidate', 'HR']);
		expect(template.fields.map((f) => [f.name, template.submitters.find((s) => s.uuid === f.submitter_uuid)?.name])).toEqual([
			['Salary', 'Candidate'],
			['Candidate Signature', 'Candidate'],
			['HR Signature', 'HR'],
		]);
	});

	it('creates a submission from the template with prefilled values (the SDK\'s /submissions/init answer)', async () => {
		const created = await docuseal.createSubmission({
			template_id: templateId,
			send_email: true,
			submitters: [
				{ role: 'Candidate', email: 'cara@example.com', name: 'Cara', values: { Salary: '70000' } },
				{ role: 'HR', email: 'hr@example.com' },
			],
		});
		expect(typeDifferences(created.submitters, aliases.get('CreateSubmissionResponse')!, 'submitters')).toEqual([]);
		expect(created.id).toEqual(expect.any(Number));
		expect(created.submitters.map((s) => [s.role, s.status, s.values])).toEqual([
			['Candidate', 'sent', [{ field: 'Salary', value: '70000' }]],
			['HR', 'awaiting', []],
		]);
		expect(created.submitters[0].embed_src).toMatch(/\/s\/[\w-]+$/);
		const submission = await docuseal.getSubmission(created.id);
		expectType(submission, 'GetSubmissionResponse');
		expect(submission.template?.name).toBe('Offer Letter');
	});

	it('creates many submissions in one POST /submissions (`submissions: [{ submitters }]`): a flat CreateSubmissionResponse', async () => {
		const answer = await fetch(`${simulator.apiBaseUrl}/submissions`, {
			method: 'POST',
			headers: { 'x-auth-token': API_KEY, 'content-type': 'application/json' },
			body: JSON.stringify({
				template_id: templateId,
				submissions: [{ submitters: [{ role: 'Candidate', email: 'one@example.com' }] }, { submitters: [{ role: 'Candidate', email: 'two@example.com' }] }],
			}),
		});
		expect(answer.status).toBe(200);
		const created = (await answer.json()) as Array<{ submission_id: number; email: string }>;
		expectType(created, 'CreateSubmissionResponse');
		expect(created.map((s) => s.email)).toEqual(['one@example.com', 'two@example.com']);
		expect(new Set(created.map((s) => s.submission_id)).size).toBe(2);
	});

	it('sets a submitter\'s completed_redirect_url and answers its embed_src (SubmitterUpdateResult)', async () => {
		const created = await docuseal.createSubmission({ template_id: templateId, submitters: [{ role: 'Candidate', email: 'cara@example.com' }] });
		const updated = await docuseal.updateSubmitter(created.submitters[0].id, { completed_redirect_url: 'https://app.example/done' });
		expectType(updated, 'UpdateSubmitterResponse');
		expect(updated.embed_src).toBe(created.submitters[0].embed_src);
	});
});

describe('DocuSeal reads form bodies as a Rails application does', () => {
	it('creates a submission from URL-encoded nested parameters, and emails a submitter from a multipart form', async () => {
		const form = new URLSearchParams([
			['name', 'Form NDA'],
			['order', 'random'],
			['documents[][name]', 'Form NDA'],
			['documents[][file]', contractPdf('Form NDA').toString('base64')],
			['documents[][fields][][name]', 'Signature A'],
			['documents[][fields][][role]', 'A'],
			['documents[][fields][][type]', 'signature'],
			['documents[][fields][][areas][][x]', '72'],
			['documents[][fields][][areas][][y]', '600'],
			['documents[][fields][][areas][][w]', '200'],
			['documents[][fields][][areas][][h]', '40'],
			['documents[][fields][][areas][][page]', '1'],
			['documents[][fields][][name]', 'Signature B'],
			['documents[][fields][][role]', 'B'],
			['documents[][fields][][type]', 'signature'],
			['documents[][fields][][required]', 'false'],
			['submitters[][role]', 'A'],
			['submitters[][email]', 'a@example.com'],
			['submitters[][role]', 'B'],
			['submitters[][email]', 'b@example.com'],
		]);
		const answer = await fetch(`${simulator.apiBaseUrl}/submissions/pdf`, {
			method: 'POST',
			headers: { 'x-auth-token': API_KEY, 'content-type': 'application/x-www-form-urlencoded' },
			body: form.toString(),
		});
		expect(answer.status).toBe(200);
		const created = (await answer.json()) as { id: number; submitters: Array<{ id: number; email: string; status: string }> };
		expectType(created, 'CreateSubmissionFromPdfResponse');
		expect(created.submitters.map((s) => [s.email, s.status])).toEqual([
			['a@example.com', 'sent'],
			['b@example.com', 'sent'],
		]);
		expect(simulator.state.submissions.get(created.id)?.fields).toEqual([
			{ name: 'Signature A', type: 'signature', role: 'A', required: true, areas: [{ x: 72, y: 600, w: 200, h: 40, page: 1 }] },
			{ name: 'Signature B', type: 'signature', role: 'B', required: false, areas: [] },
		]);

		const boundary = '----docuseal-form';
		const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="send_email"\r\n\r\ntrue\r\n--${boundary}--\r\n`;
		const updated = await fetch(`${simulator.apiBaseUrl}/submitters/${created.submitters[1].id}`, {
			method: 'PUT',
			headers: { 'x-auth-token': API_KEY, 'content-type': `multipart/form-data; boundary=${boundary}` },
			body: multipart,
		});
		expect(updated.status).toBe(200);
		expectType(await updated.json(), 'UpdateSubmitterResponse');
		expect(simulator.state.submissions.get(created.id)?.submitters[1].emailsSent).toBe(2);
	});
});

describe('DocuSeal webhooks are sent in the background', () => {
	it('an API call succeeds while the webhook URL is down; the failure is retried after 2^attempt minutes', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		simulator.state.webhook = { url: `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`, secret: 'whsec_x' };
		await new Promise<void>((resolve) => closed.close(() => resolve()));

		const created = await createFromPdf();
		expect(created.id).toEqual(expect.any(Number));
		await simulator.settled();
		expect(simulator.state.deliveries.map((d) => [d.eventType, d.status, d.delivered, d.retryInMs])).toEqual([['submission.created', 0, false, 60_000]]);
	});

	it('retries by itself (1, 2, 4 … minutes, scaled) until a 2xx, with the same body', async () => {
		await simulator.close();
		simulator = await startDocuSealSimulator({ apiKey: API_KEY, retryDelayScale: 1 / 60_000 });
		docuseal = new DocusealApi({ key: API_KEY, url: simulator.apiBaseUrl });
		let failures = 2;
		const bodies: string[] = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				bodies.push(Buffer.concat(chunks).toString('utf8'));
				response.writeHead(failures-- > 0 ? 503 : 200).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			simulator.state.webhook = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, secret: 'whsec_y' };
			await createFromPdf();
			const deadline = Date.now() + 10_000;
			while (!simulator.state.deliveries.some((d) => d.delivered) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
			expect(simulator.state.deliveries.map((d) => [d.status, d.delivered, d.retryInMs])).toEqual([
				[503, false, 60_000],
				[503, false, 120_000],
				[200, true, null],
			]);
			expect(new Set(bodies).size).toBe(1);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});
});
