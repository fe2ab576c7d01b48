/**
 * DocuSeal templates and what is sent from them: `GET /templates`, `GET /templates/{id}`,
 * `POST /submissions` (one submission, `submitters` filled by role with prefilled `values`, or
 * many at once with `submissions: [{ submitters }]`).
 *
 * DocuSeal falls back to the template's n-th role when a submitter's role is unknown and ignores
 * prefill values whose field it does not know (Submissions::CreateFromSubmitters,
 * Submitters::NormalizeValues in docusealco/docuseal), so the adapter checks both against the
 * template first and names the template's roles and fields when one does not match.
 */
import {
	ProviderInputError,
	type BulkSendInput,
	type BulkSendResult,
	type BulkSendRowResult,
	type ListTemplatesInput,
	type ProviderClient,
	type SendFromTemplateInput,
	type TemplateRecipient,
	type TemplateSummary,
} from '../adapter';

interface DocuSealTemplateField {
	uuid: string;
	submitter_uuid: string;
	name: string | null;
	type: string;
}

export interface DocuSealTemplate {
	id: number;
	name: string;
	created_at?: string;
	updated_at?: string;
	archived_at?: string | null;
	fields?: DocuSealTemplateField[];
	submitters?: Array<{ name: string; uuid: string }>;
}

/** What DocuSeal's `POST /submissions` answers: one entry per submitter of every submission made. */
export interface DocuSealCreatedSubmitter {
	id: number;
	submission_id: number;
	email: string | null;
	role: string;
	embed_src?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Field types a sender can prefill with text (signatures, files and payments take other values). */
const PREFILLABLE = new Set(['text', 'number', 'date', 'checkbox', 'select', 'radio', 'multiple', 'cells', 'phone']);

export function toTemplateSummary(template: DocuSealTemplate): TemplateSummary {
	const names = (template.fields ?? []).filter((field) => PREFILLABLE.has(field.type)).map((field) => field.name ?? '');
	return {
		id: String(template.id),
		name: template.name,
		roles: (template.submitters ?? []).map((submitter) => submitter.name),
		fields: [...new Set(names.filter((name) => name !== ''))],
		createdAt: template.created_at,
		updatedAt: template.updated_at,
		raw: template,
	};
}

function templatePath(templateId: string): string {
	if (!/^\d+$/.test(templateId.trim())) {
		throw new ProviderInputError(`"${templateId}" is not a DocuSeal template ID`, 'DocuSeal template IDs are numbers, e.g. 1001.');
	}
	return `/templates/${templateId.trim()}`;
}

export async function getTemplate(client: ProviderClient, templateId: string): Promise<DocuSealTemplate> {
	return await client.request<DocuSealTemplate>({ method: 'GET', path: templatePath(templateId) });
}

/** Pages through `GET /templates` (newest first, `after` = the last id of the previous page). */
export async function listTemplates(client: ProviderClient, { limit, search }: ListTemplatesInput): Promise<TemplateSummary[]> {
	const found: TemplateSummary[] = [];
	let after: number | undefined;
	while (found.length < limit) {
		const pageSize = Math.min(100, limit - found.length);
		const page = await client.request<{ data?: DocuSealTemplate[]; pagination?: { next?: number | null } }>({
			method: 'GET',
			path: '/templates',
			query: { limit: pageSize, q: search || undefined, after },
		});
		const data = page.data ?? [];
		found.push(...data.map(toTemplateSummary));
		const next = page.pagination?.next;
		// A short page is the last one.
		if (data.length < pageSize || next === null || next === undefined || next === after) break;
		after = next;
	}
	return found.slice(0, limit);
}

function roleOf(template: DocuSealTemplate, role: string) {
	const wanted = role.trim().toLowerCase();
	const match = (template.submitters ?? []).find((submitter) => submitter.name.trim().toLowerCase() === wanted);
	if (match) return match;
	const roles = (template.submitters ?? []).map((submitter) => `"${submitter.name}"`).join(', ');
	throw new ProviderInputError(
		`DocuSeal template ${template.id} has no role named "${role}"`,
		roles ? `Roles in this template: ${roles}.` : 'The template has no roles.',
	);
}

/**
 * Field name → the role that fills it. A value goes to the submitter of that role: DocuSeal only
 * applies a submitter's `values` to that submitter's own fields.
 */
function fieldOwner(template: DocuSealTemplate, name: string, recipientRoles: Map<string, string>): string {
	const wanted = name.trim().toLowerCase();
	const field = (template.fields ?? []).find((candidate) => (candidate.name ?? '').trim().toLowerCase() === wanted);
	if (!field) {
		const names = toTemplateSummary(template).fields ?? [];
		throw new ProviderInputError(
			`DocuSeal template ${template.id} has no field named "${name}"`,
			names.length > 0 ? `Fields in this template: ${names.map((n) => `"${n}"`).join(', ')}.` : 'The template has no fields to prefill.',
		);
	}
	const owner = (template.submitters ?? []).find((submitter) => submitter.uuid === field.submitter_uuid);
	const role = owner ? recipientRoles.get(owner.uuid) : undefined;
	if (!owner || role === undefined) {
		throw new ProviderInputError(
			`The field "${name}" belongs to the role "${owner?.name ?? '?'}", which has no recipient`,
			'DocuSeal prefills a field through the submitter of its role: add a recipient for that role.',
		);
	}
	return role;
}

interface SubmitterParams {
	role: string;
	email: string;
	name?: string;
	values?: Record<string, string>;
	order?: number;
}

/** The submitters of one submission, with each prefilled value on the submitter whose field it is. */
export function buildSubmitters(
	template: DocuSealTemplate,
	recipients: readonly TemplateRecipient[],
	fieldValues: Readonly<Record<string, string>>,
): SubmitterParams[] {
	if (recipients.length === 0) throw new ProviderInputError('Add at least one recipient', 'Each recipient fills one role of the template.');
	const byUuid = new Map<string, string>();
	const submitters = recipients.map((recipient) => {
		const role = roleOf(template, recipient.role);
		if (byUuid.has(role.uuid)) throw new ProviderInputError(`Two recipients fill the role "${role.name}"`, 'Give each role one recipient.');
		if (!EMAIL.test(recipient.email.trim())) throw new ProviderInputError(`"${recipient.email}" is not an email address`);
		byUuid.set(role.uuid, role.name);
		const submitter: SubmitterParams = { role: role.name, email: recipient.email.trim() };
		if (recipient.name) submitter.name = recipient.name;
		// DocuSeal counts submitter order from 0.
		if (recipient.order !== undefined && recipient.order > 0) submitter.order = recipient.order - 1;
		return submitter;
	});
	for (const [name, value] of Object.entries(fieldValues)) {
		const role = fieldOwner(template, name, byUuid);
		const submitter = submitters.find((candidate) => candidate.role === role)!;
		submitter.values = { ...submitter.values, [name]: value };
	}
	return submitters;
}

function messageOf(input: { subject?: string; message?: string }) {
	// DocuSeal requires a body whenever a message is given; the subject alone keeps its default body.
	return input.message ? { message: { ...(input.subject ? { subject: input.subject } : {}), body: input.message } } : {};
}

export async function createFromTemplate(client: ProviderClient, input: SendFromTemplateInput): Promise<number> {
	const template = await getTemplate(client, input.templateId);
	const submitters = buildSubmitters(template, input.recipients, input.fieldValues);
	const created = await client.request<DocuSealCreatedSubmitter[]>({
		method: 'POST',
		path: '/submissions',
		body: {
			kind: 'json',
			data: {
				template_id: template.id,
				send_email: true,
				...(input.title ? { name: input.title } : {}),
				...messageOf(input),
				submitters,
			},
		},
	});
	const first = created[0];
	if (!first) throw new ProviderInputError(`DocuSeal created no submission from template ${template.id}`);
	return first.submission_id;
}

/**
 * Every row becomes one submission of the same `POST /submissions` call. Rows DocuSeal would refuse
 * (an address that is not one) are reported as failed and left out, so the others still go.
 */
export async function bulkSend(client: ProviderClient, input: BulkSendInput): Promise<BulkSendResult> {
	const template = await getTemplate(client, input.templateId);
	const results: BulkSendRowResult[] = [];
	const sent: Array<{ index: number; submitters: SubmitterParams[] }> = [];
	for (const [index, row] of input.rows.entries()) {
		// An address DocuSeal would refuse fails its row only; an unknown role or field (the same
		// for every row) stops the batch from buildSubmitters.
		if (!EMAIL.test(row.email.trim())) {
			results.push({ index, email: row.email, status: 'failed', error: `"${row.email}" is not an email address` });
			continue;
		}
		sent.push({ index, submitters: buildSubmitters(template, [{ role: input.role, email: row.email, name: row.name }], row.fieldValues) });
	}
	let raw: DocuSealCreatedSubmitter[] = [];
	if (sent.length > 0) {
		raw = await client.request<DocuSealCreatedSubmitter[]>({
			method: 'POST',
			path: '/submissions',
			body: {
				kind: 'json',
				data: {
					template_id: template.id,
					send_email: true,
					...(input.title ? { name: input.title } : {}),
					...messageOf(input),
					submissions: sent.map((entry) => ({ submitters: entry.submitters })),
				},
			},
		});
	}
	// The answer lists submitters submission after submission, in the order the submissions were given.
	const submissionIds = [...new Set(raw.map((submitter) => submitter.submission_id))];
	for (const [position, entry] of sent.entries()) {
		const id = submissionIds[position];
		results.push(
			id === undefined
				? { index: entry.index, email: input.rows[entry.index].email, status: 'failed', error: 'DocuSeal created no submission for this row' }
				: { index: entry.index, email: input.rows[entry.index].email, status: 'sent', documentId: String(id) },
		);
	}
	results.sort((a, b) => a.index - b.index);
	return { rows: results, raw };
}
