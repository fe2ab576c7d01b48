/**
 * Documenso templates (API v2, envelopes of type TEMPLATE): `GET /envelope?type=TEMPLATE`,
 * `GET /envelope/{id}` and `POST /envelope/use` (multipart `payload`), which creates a document
 * from the template with its recipients filled in and its fields prefilled, and sends it.
 *
 * A Documenso template has no named roles: its recipients are placeholders ("Recipient 1",
 * `recipient.1@documenso.com`…). A template role here is a recipient's name (or its email when
 * it has none); what a sender prefills are the template's fields that have a label, by label.
 */
import {
	ProviderInputError,
	type ListTemplatesInput,
	type ProviderClient,
	type SendFromTemplateInput,
	type TemplateSummary,
} from '../adapter';

interface TemplateRecipient {
	id: number;
	email: string;
	name: string;
	role: string;
	signingOrder?: number | null;
}

interface TemplateField {
	id: number;
	type: string;
	recipientId: number;
	fieldMeta?: { label?: string; type?: string } | null;
}

export interface DocumensoTemplate {
	id: string;
	title: string;
	type?: string;
	createdAt?: string;
	updatedAt?: string;
	recipients?: TemplateRecipient[];
	fields?: TemplateField[];
}

/** The field types `prefillFields` accepts, as Documenso's prefill schema names them. */
const PREFILL_TYPES: Record<string, 'text' | 'number' | 'radio' | 'checkbox' | 'dropdown' | 'date'> = {
	TEXT: 'text',
	NUMBER: 'number',
	RADIO: 'radio',
	CHECKBOX: 'checkbox',
	DROPDOWN: 'dropdown',
	DATE: 'date',
};

const PAGE_SIZE = 100;

function roleName(recipient: TemplateRecipient): string {
	return recipient.name.trim() || recipient.email;
}

function prefillable(template: DocumensoTemplate): Array<TemplateField & { label: string }> {
	return (template.fields ?? [])
		.filter((field) => PREFILL_TYPES[field.type] !== undefined && typeof field.fieldMeta?.label === 'string' && field.fieldMeta.label.trim() !== '')
		.map((field) => ({ ...field, label: String(field.fieldMeta?.label).trim() }));
}

function toSummary(template: DocumensoTemplate): TemplateSummary {
	return {
		id: template.id,
		name: template.title,
		roles: (template.recipients ?? []).map(roleName),
		// The list answer carries no fields; Template → Get does.
		fields: template.fields ? [...new Set(prefillable(template).map((f) => f.label))] : undefined,
		createdAt: template.createdAt,
		updatedAt: template.updatedAt,
		raw: template,
	};
}

export async function listTemplates(client: ProviderClient, { limit, search }: ListTemplatesInput): Promise<TemplateSummary[]> {
	const found: TemplateSummary[] = [];
	for (let page = 1; found.length < limit; page++) {
		const answer = await client.request<{ data: DocumensoTemplate[]; totalPages: number }>({
			method: 'GET',
			path: '/envelope',
			query: { type: 'TEMPLATE', query: search || undefined, page, perPage: Math.min(PAGE_SIZE, limit) },
		});
		found.push(...answer.data.map(toSummary));
		if (page >= answer.totalPages || answer.data.length === 0) break;
	}
	return found.slice(0, limit);
}

async function getTemplate(client: ProviderClient, templateId: string): Promise<DocumensoTemplate> {
	if (!templateId.trim()) throw new ProviderInputError('Enter a template ID', 'Template → List shows the IDs of your Documenso templates (envelope_…).');
	const template = await client.request<DocumensoTemplate>({ method: 'GET', path: `/envelope/${encodeURIComponent(templateId.trim())}` });
	if (template.type !== undefined && template.type !== 'TEMPLATE') {
		throw new ProviderInputError(`${templateId} is a Documenso document, not a template`, 'Template → List shows your templates.');
	}
	return template;
}

export async function getTemplateSummary(client: ProviderClient, templateId: string): Promise<TemplateSummary> {
	return toSummary(await getTemplate(client, templateId));
}

function quoteList(names: string[]): string {
	return names.length > 0 ? names.map((n) => `"${n}"`).join(', ') : '(none)';
}

function resolveRecipient(template: DocumensoTemplate, role: string): TemplateRecipient {
	const recipients = template.recipients ?? [];
	const wanted = role.trim().toLowerCase();
	const found = recipients.find((r) => roleName(r).toLowerCase() === wanted || r.email.toLowerCase() === wanted);
	if (!found) {
		throw new ProviderInputError(`Template "${template.title}" has no recipient "${role}"`, `Its recipients (roles) are ${quoteList(recipients.map(roleName))}.`);
	}
	return found;
}

function prefillFields(template: DocumensoTemplate, values: Record<string, string>) {
	const fields = prefillable(template);
	return Object.entries(values).flatMap(([name, value]) => {
		const matches = fields.filter((f) => f.label.toLowerCase() === name.trim().toLowerCase());
		if (matches.length === 0) {
			throw new ProviderInputError(
				`Template "${template.title}" has no field labelled "${name}" to prefill`,
				`Its prefillable fields (text, number, radio, checkbox, dropdown and date fields with a label) are ${quoteList([...new Set(fields.map((f) => f.label))])}.`,
			);
		}
		// A label may repeat (the same value on several pages): each field gets the value.
		return matches.map((field) => {
			const type = PREFILL_TYPES[field.type];
			if (type === 'checkbox') return { id: field.id, type, value: value.split(',').map((v) => v.trim()).filter((v) => v !== '') };
			if (type === 'date') return { id: field.id, type, value };
			return { id: field.id, type, label: field.label, value };
		});
	});
}

export async function useTemplate(client: ProviderClient, input: SendFromTemplateInput): Promise<{ id: string }> {
	if (input.testMode) {
		throw new ProviderInputError('Documenso has no test mode', 'Turn off "Test Mode"; Documenso documents are always real (use a self-hosted instance to try things out).');
	}
	const template = await getTemplate(client, input.templateId);
	const recipients = input.recipients.map((recipient) => {
		const slot = resolveRecipient(template, recipient.role);
		return {
			id: slot.id,
			email: recipient.email.trim(),
			...(recipient.name.trim() ? { name: recipient.name.trim() } : {}),
			...(recipient.order !== undefined ? { signingOrder: recipient.order } : {}),
		};
	});
	const unfilled = (template.recipients ?? []).filter((r) => r.role === 'SIGNER' && !recipients.some((given) => given.id === r.id));
	if (unfilled.length > 0) {
		throw new ProviderInputError(
			`Fill every signer of template "${template.title}": ${quoteList(unfilled.map(roleName))} missing`,
			'Otherwise Documenso would send the document to the template\'s placeholder address.',
		);
	}
	const override: Record<string, string> = {};
	if (input.title) override.title = input.title;
	if (input.subject) override.subject = input.subject;
	if (input.message) override.message = input.message;
	const fields = prefillFields(template, input.fieldValues);
	const payload = {
		envelopeId: template.id,
		recipients,
		distributeDocument: true,
		...(fields.length > 0 ? { prefillFields: fields } : {}),
		...(Object.keys(override).length > 0 ? { override } : {}),
	};
	return await client.request<{ id: string }>({
		method: 'POST',
		path: '/envelope/use',
		body: { kind: 'multipart', fields: { payload: JSON.stringify(payload) }, files: [] },
	});
}
