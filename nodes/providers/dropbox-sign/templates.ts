/**
 * Dropbox Sign templates: `GET /template/list`, `GET /template/{id}`,
 * `POST /signature_request/send_with_template` (or `create_embedded_with_template` when the
 * credential names an API app for embedded signing) and
 * `POST /signature_request/bulk_send_with_template` + `GET /bulk_send_job/{id}`.
 *
 * A template's roles are its `signer_roles` (by name); what a sender can prefill are the
 * template documents' `custom_fields` (merge fields), filled by name through `custom_fields`.
 */
import {
	ProviderInputError,
	type BulkSendInput,
	type BulkSendResult,
	type ListTemplatesInput,
	type ProviderClient,
	type SendFromTemplateInput,
	type TemplateSummary,
} from '../adapter';
import { embeddedClientId } from './embedded';
import type { DropboxSignRequest } from './api';

interface DropboxSignTemplate {
	template_id: string;
	title: string;
	updated_at?: number;
	signer_roles?: Array<{ name: string; order?: number | null }>;
	documents?: Array<{ custom_fields?: Array<{ name: string; type?: string }> }>;
	custom_fields?: Array<{ name: string }> | null;
}

/** Dropbox Sign's documented maximum page size of `GET /template/list`. */
const PAGE_SIZE = 100;
/** `signer_list` of one bulk send job holds at most 250 rows (Dropbox Sign's documented limit). */
export const BULK_SEND_MAX_ROWS = 250;

function fieldNames(template: DropboxSignTemplate): string[] {
	const names = new Set<string>();
	for (const document of template.documents ?? []) for (const field of document.custom_fields ?? []) names.add(field.name);
	return [...names];
}

function toSummary(template: DropboxSignTemplate): TemplateSummary {
	return {
		id: template.template_id,
		name: template.title,
		roles: (template.signer_roles ?? []).map((role) => role.name),
		fields: fieldNames(template),
		updatedAt: template.updated_at ? new Date(template.updated_at * 1000).toISOString() : undefined,
		raw: template,
	};
}

export async function listTemplates(client: ProviderClient, { limit, search }: ListTemplatesInput): Promise<TemplateSummary[]> {
	const found: TemplateSummary[] = [];
	for (let page = 1; found.length < limit; page++) {
		const answer = await client.request<{ templates: DropboxSignTemplate[]; list_info: { num_pages: number } }>({
			method: 'GET',
			path: '/template/list',
			// `query` is Dropbox Sign's search (by title among others: see its Search reference).
			query: { page, page_size: Math.min(PAGE_SIZE, limit), query: search || undefined },
		});
		found.push(...answer.templates.map(toSummary));
		if (page >= (answer.list_info?.num_pages ?? 1) || answer.templates.length === 0) break;
	}
	return found.slice(0, limit);
}

async function getTemplate(client: ProviderClient, templateId: string): Promise<DropboxSignTemplate> {
	if (!templateId.trim()) throw new ProviderInputError('Enter a template ID', 'Template → List shows the IDs of your Dropbox Sign templates.');
	const answer = await client.request<{ template: DropboxSignTemplate }>({
		method: 'GET',
		path: `/template/${encodeURIComponent(templateId.trim())}`,
	});
	return answer.template;
}

export async function getTemplateSummary(client: ProviderClient, templateId: string): Promise<TemplateSummary> {
	return toSummary(await getTemplate(client, templateId));
}

function quoteList(names: string[]): string {
	return names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : '(none)';
}

/** The template's role named `role` (case-insensitive), or a ProviderInputError naming the roles it has. */
function resolveRole(template: DropboxSignTemplate, role: string): { name: string; order?: number | null } {
	const roles = template.signer_roles ?? [];
	const found = roles.find((r) => r.name.toLowerCase() === role.trim().toLowerCase());
	if (!found) {
		throw new ProviderInputError(
			`Template "${template.title}" has no role "${role}"`,
			`Its roles are ${quoteList(roles.map((r) => r.name))}.`,
		);
	}
	return found;
}

function customFields(template: DropboxSignTemplate, values: Record<string, string>): Array<{ name: string; value: string }> {
	const known = fieldNames(template);
	return Object.entries(values).map(([name, value]) => {
		const match = known.find((k) => k.toLowerCase() === name.trim().toLowerCase());
		if (!match) {
			throw new ProviderInputError(
				`Template "${template.title}" has no field "${name}" to prefill`,
				`Its prefillable (merge) fields are ${quoteList(known)}.`,
			);
		}
		return { name: match, value };
	});
}

function commonFields(input: { title?: string; subject?: string; message?: string; testMode?: boolean }, clientId: string | undefined) {
	return {
		...(input.title ? { title: input.title } : {}),
		...(input.subject ? { subject: input.subject } : {}),
		...(input.message ? { message: input.message } : {}),
		...(input.testMode ? { test_mode: true } : {}),
		...(clientId ? { client_id: clientId } : {}),
	};
}

export async function sendFromTemplate(client: ProviderClient, input: SendFromTemplateInput): Promise<DropboxSignRequest> {
	const template = await getTemplate(client, input.templateId);
	const signers = input.recipients.map((recipient) => {
		const role = resolveRole(template, recipient.role);
		// Dropbox Sign's template signers carry no order: the template's signer_roles fix it.
		if (recipient.order !== undefined && role.order !== undefined && role.order !== null && recipient.order - 1 !== role.order) {
			throw new ProviderInputError(
				`Dropbox Sign takes the signing order from the template (role "${role.name}" signs at position ${role.order + 1})`,
				'Leave "Order" empty, or change the order in the template.',
			);
		}
		return { role: role.name, name: recipient.name, email_address: recipient.email };
	});
	const missing = (template.signer_roles ?? []).filter((role) => !signers.some((s) => s.role === role.name));
	if (missing.length > 0) {
		throw new ProviderInputError(
			`Fill every role of template "${template.title}": ${quoteList(missing.map((r) => r.name))} missing`,
			'Dropbox Sign needs a signer for each of the template\'s roles.',
		);
	}
	const fields = customFields(template, input.fieldValues);
	const clientId = embeddedClientId(client.credentials);
	const answer = await client.request<{ signature_request: DropboxSignRequest }>({
		method: 'POST',
		// With an API app's client_id the request is embedded: signers sign through Get Signing Link.
		path: clientId ? '/signature_request/create_embedded_with_template' : '/signature_request/send_with_template',
		body: {
			kind: 'json',
			data: {
				template_ids: [template.template_id],
				signers,
				...(fields.length > 0 ? { custom_fields: fields } : {}),
				...commonFields(input, clientId),
			},
		},
	});
	return answer.signature_request;
}

interface BulkSendJob {
	bulk_send_job_id: string;
	total: number;
}

export async function bulkSend(client: ProviderClient, input: BulkSendInput): Promise<BulkSendResult> {
	if (input.rows.length === 0) throw new ProviderInputError('Add at least one signer to bulk send to');
	if (input.rows.length > BULK_SEND_MAX_ROWS) {
		throw new ProviderInputError(
			`Dropbox Sign bulk sends to at most ${BULK_SEND_MAX_ROWS} signers per job, got ${input.rows.length}`,
			'Split the items into batches (e.g. with the Loop Over Items node).',
		);
	}
	const template = await getTemplate(client, input.templateId);
	const role = resolveRole(template, input.role);
	const others = (template.signer_roles ?? []).filter((r) => r.name !== role.name);
	if (others.length > 0) {
		throw new ProviderInputError(
			`Template "${template.title}" has more roles than "${role.name}": ${quoteList(others.map((r) => r.name))}`,
			'Bulk send fills one role per row; use a template with one signer role.',
		);
	}
	const signerList = input.rows.map((row) => ({
		signers: [{ role: role.name, name: row.name, email_address: row.email }],
		...(Object.keys(row.fieldValues).length > 0 ? { custom_fields: customFields(template, row.fieldValues) } : {}),
	}));
	const sent = await client.request<{ bulk_send_job: BulkSendJob }>({
		method: 'POST',
		path: '/signature_request/bulk_send_with_template',
		body: {
			kind: 'json',
			data: { template_ids: [template.template_id], signer_list: signerList, ...commonFields(input, undefined) },
		},
	});
	const jobId = sent.bulk_send_job.bulk_send_job_id;
	// Dropbox Sign creates the job's requests asynchronously: those already made are `sent`.
	const created = await bulkSendJobRequests(client, jobId, input.rows.length);
	const byEmail = new Map<string, string[]>();
	for (const request of created) {
		for (const signature of request.signatures ?? []) {
			const key = signature.signer_email_address.toLowerCase();
			byEmail.set(key, [...(byEmail.get(key) ?? []), request.signature_request_id]);
		}
	}
	return {
		batchId: jobId,
		rows: input.rows.map((row, index) => {
			const ids = byEmail.get(row.email.toLowerCase());
			const documentId = ids?.shift();
			return documentId
				? { index, email: row.email, status: 'sent' as const, documentId }
				: { index, email: row.email, status: 'queued' as const };
		}),
		raw: { bulk_send_job: sent.bulk_send_job, signature_requests: created },
	};
}

async function bulkSendJobRequests(client: ProviderClient, jobId: string, expected: number): Promise<DropboxSignRequest[]> {
	const found: DropboxSignRequest[] = [];
	for (let page = 1; found.length < expected; page++) {
		const answer = await client.request<{ signature_requests: DropboxSignRequest[]; list_info: { num_pages: number } }>({
			method: 'GET',
			path: `/bulk_send_job/${encodeURIComponent(jobId)}`,
			query: { page, page_size: 100 },
		});
		found.push(...(answer.signature_requests ?? []));
		if (page >= (answer.list_info?.num_pages ?? 1) || (answer.signature_requests ?? []).length === 0) break;
	}
	return found;
}
