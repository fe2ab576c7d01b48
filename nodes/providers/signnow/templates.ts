/**
 * SignNow templates and what is sent from them.
 *
 *   GET  /folder, GET /folder/{id}?entity_type=template   templates live in folders (Templates, subfolders)
 *   GET  /document/{id}                                    a template reads as a document with `template: true`
 *   POST /template/{id}/copy { document_name }             a new document from the template → { id, name }
 *   PUT  /v2/documents/{id}/prefill-texts { fields: [{ field_name, prefilled_text }] }
 *   POST /template/{id}/bulkinvite (multipart: file = CSV, folder_id, document_name, subject, email_message)
 *
 * SignNow fills a prefilled text by the field's name; a name the document does not have is not
 * checked by the caller's side otherwise, so the adapter checks names and roles against the
 * template first and names what the template has.
 */
import {
	ProviderInputError,
	type BulkSendInput,
	type BulkSendResult,
	type ListTemplatesInput,
	type ProviderClient,
	type TemplateSummary,
} from '../adapter';
import type { SignNowDocument } from './api';

interface SignNowFolder {
	id: string;
	name: string;
	system_folder?: boolean;
	folders?: Array<{ id: string; name: string }>;
	total_documents?: number | string;
	documents?: Array<SignNowDocument & { template?: boolean }>;
}

/** Folders whose templates are not live ones (deleted, archived). */
const SKIPPED_FOLDERS = new Set(['trash bin']);
/** How many folders a listing reads at most: accounts with thousands of folders still answer. */
const MAX_FOLDERS = 50;
const PAGE = 100;

export function templateFieldNames(template: SignNowDocument): string[] {
	const names = (template.fields ?? [])
		.filter((field) => field.type === 'text')
		.map((field) => field.json_attributes?.name)
		.filter((name): name is string => typeof name === 'string' && name !== '');
	return [...new Set(names)];
}

export function toTemplateSummary(template: SignNowDocument): TemplateSummary {
	const toIso = (value: string | number | undefined) => (value === undefined || value === '' ? undefined : new Date(Number(value) * 1000).toISOString());
	return {
		id: template.id,
		name: template.document_name ?? '',
		roles: (template.roles ?? []).map((role) => role.name),
		fields: templateFieldNames(template),
		createdAt: toIso(template.created),
		updatedAt: toIso(template.updated),
		raw: template,
	};
}

export async function getTemplateDocument(client: ProviderClient, templateId: string): Promise<SignNowDocument> {
	const document = await client.request<SignNowDocument & { template?: boolean }>({
		method: 'GET',
		path: `/document/${encodeURIComponent(templateId.trim())}`,
	});
	if (document.template !== true) {
		throw new ProviderInputError(
			`SignNow document ${templateId} is a document, not a template`,
			'Use the ID of a template (in SignNow: Templates folder, or "More → Create Template" on a document).',
		);
	}
	return document;
}

/** Walks the user's folders (breadth first, Trash Bin skipped) and collects templates until `limit`. */
export async function listTemplates(client: ProviderClient, { limit, search }: ListTemplatesInput): Promise<TemplateSummary[]> {
	const root = await client.request<SignNowFolder>({ method: 'GET', path: '/folder' });
	const queue: string[] = [root.id];
	const seen = new Set<string>();
	const found: TemplateSummary[] = [];
	const wanted = search?.trim().toLowerCase();
	while (queue.length > 0 && found.length < limit && seen.size < MAX_FOLDERS) {
		const folderId = queue.shift()!;
		if (seen.has(folderId)) continue;
		seen.add(folderId);
		for (let offset = 0; found.length < limit; offset += PAGE) {
			const folder = await client.request<SignNowFolder>({
				method: 'GET',
				path: `/folder/${encodeURIComponent(folderId)}`,
				query: { entity_type: 'template', limit: PAGE, offset },
			});
			if (offset === 0) {
				for (const child of folder.folders ?? []) if (!SKIPPED_FOLDERS.has(child.name.toLowerCase())) queue.push(child.id);
			}
			const documents = folder.documents ?? [];
			for (const document of documents) {
				if (document.template !== true) continue;
				if (wanted && !(document.document_name ?? '').toLowerCase().includes(wanted)) continue;
				found.push(toTemplateSummary(document));
			}
			if (documents.length < PAGE) break;
		}
	}
	return found.slice(0, limit);
}

/** The names given, checked against the template's prefillable text fields (case-insensitive → its spelling). */
export function checkFieldNames(template: SignNowDocument, fieldValues: Readonly<Record<string, string>>): Array<{ field_name: string; prefilled_text: string }> {
	const names = templateFieldNames(template);
	return Object.entries(fieldValues).map(([name, value]) => {
		const match = names.find((candidate) => candidate.toLowerCase() === name.trim().toLowerCase());
		if (!match) {
			throw new ProviderInputError(
				`SignNow template ${template.id} has no text field named "${name}"`,
				names.length > 0 ? `Text fields in this template: ${names.map((n) => `"${n}"`).join(', ')}.` : 'The template has no named text fields to prefill (a field is prefilled by its name).',
			);
		}
		return { field_name: match, prefilled_text: value };
	});
}

export function templateRole(template: SignNowDocument, roleName: string): NonNullable<SignNowDocument['roles']>[number] {
	const role = (template.roles ?? []).find((candidate) => candidate.name.trim().toLowerCase() === roleName.trim().toLowerCase());
	if (role) return role;
	const roles = (template.roles ?? []).map((candidate) => `"${candidate.name}"`).join(', ');
	throw new ProviderInputError(`SignNow template ${template.id} has no role named "${roleName}"`, roles ? `Roles in this template: ${roles}.` : 'The template has no roles (no fields).');
}

/** A new document copied from the template, with the prefilled texts set. */
export async function copyTemplate(client: ProviderClient, template: SignNowDocument, title: string | undefined, prefill: Array<{ field_name: string; prefilled_text: string }>): Promise<string> {
	const copy = await client.request<{ id: string; name?: string }>({
		method: 'POST',
		path: `/template/${encodeURIComponent(template.id)}/copy`,
		body: { kind: 'json', data: { document_name: title || template.document_name } },
	});
	if (prefill.length > 0) {
		await client.request({
			method: 'PUT',
			path: `/v2/documents/${encodeURIComponent(copy.id)}/prefill-texts`,
			body: { kind: 'json', data: { fields: prefill } },
			response: 'none',
		});
	}
	return copy.id;
}

/** One CSV cell, quoted when it has to be (RFC 4180). */
function csvCell(value: string): string {
	return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The bulk invite CSV: a header naming the role (its column holds each row's email) and the
 * prefilled text fields by name, then one line per signer.
 */
export function bulkInviteCsv(roleName: string, fieldNames: readonly string[], rows: BulkSendInput['rows']): string {
	const lines = [[roleName, ...fieldNames], ...rows.map((row) => [row.email.trim(), ...fieldNames.map((name) => row.fieldValues[name] ?? '')])];
	return `${lines.map((line) => line.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * SignNow queues a bulk invite and answers only `{ status }`: every row sent is `queued`, and the
 * documents arrive later (each raises `document.fieldinvite.create` where subscribed).
 */
export async function bulkSend(client: ProviderClient, input: BulkSendInput): Promise<BulkSendResult> {
	const template = await getTemplateDocument(client, input.templateId);
	const role = templateRole(template, input.role);
	const names = new Set<string>();
	for (const row of input.rows) for (const entry of checkFieldNames(template, row.fieldValues)) names.add(entry.field_name);
	const fieldNames = [...names];
	const rows = input.rows.map((row, index) => ({
		index,
		row: { ...row, fieldValues: Object.fromEntries(checkFieldNames(template, row.fieldValues).map((entry) => [entry.field_name, entry.prefilled_text])) },
	}));
	const valid = rows.filter(({ row }) => EMAIL.test(row.email.trim()));
	const result: BulkSendResult = {
		rows: rows.map(({ index, row }) =>
			EMAIL.test(row.email.trim()) ? { index, email: row.email, status: 'queued' as const } : { index, email: row.email, status: 'failed' as const, error: `"${row.email}" is not an email address` },
		),
		raw: undefined,
	};
	if (valid.length === 0) return result;
	const root = await client.request<SignNowFolder>({ method: 'GET', path: '/folder' });
	// Signed documents land in the user's Documents folder, where single invites' documents are.
	const documents = (root.folders ?? []).find((folder) => folder.name.toLowerCase() === 'documents') ?? root;
	const fields: Record<string, string> = { folder_id: documents.id };
	if (input.title) fields.document_name = input.title;
	if (input.subject) fields.subject = input.subject;
	if (input.message) fields.email_message = input.message;
	result.raw = await client.request({
		method: 'POST',
		path: `/template/${encodeURIComponent(template.id)}/bulkinvite`,
		body: {
			kind: 'multipart',
			fields,
			files: [
				{
					field: 'file',
					fileName: 'bulk-invite.csv',
					mimeType: 'text/csv',
					data: Buffer.from(bulkInviteCsv(role.name, fieldNames, valid.map(({ row }) => row)), 'utf8'),
				},
			],
		},
	});
	return result;
}
