/**
 * DocuSign templates: listing them, reading one, and the envelope that sends one.
 *
 *   GET  /templates?count&start_position&search_text&include=recipients   EnvelopeTemplateResults (paged)
 *   GET  /templates/{id}                                                  EnvelopeTemplate, recipients with their tabs
 *   POST /envelopes { templateId, templateRoles[{ roleName, email, name, routingOrder?, clientUserId?, tabs }], status: "sent" }
 *
 * A template's roles are its placeholder signers (`roleName`); the values a sender can prefill are
 * its data tabs, found by `tabLabel`, each belonging to one role. DocuSign matches a templateRole
 * to a role by roleName and routingOrder, both identical; one that matches nothing joins the
 * envelope as an extra signer without fields, and a tab label that matches no tab is ignored. So
 * the adapter reads the template first, refuses what would not match, and names what it has.
 */
import { ProviderInputError, type ProviderClient, type SendFromTemplateInput, type TemplateSummary } from '../adapter';

export interface DocuSignTemplateTab {
	tabLabel?: string;
	value?: string;
	selected?: string;
}

export interface DocuSignTemplateSigner {
	recipientId?: string;
	roleName?: string;
	routingOrder?: string;
	tabs?: Record<string, DocuSignTemplateTab[] | undefined>;
}

export interface DocuSignTemplate {
	templateId: string;
	name?: string;
	description?: string;
	emailSubject?: string;
	created?: string;
	lastModified?: string;
	recipients?: { signers?: DocuSignTemplateSigner[] };
}

interface TemplateList {
	resultSetSize?: string;
	totalSetSize?: string;
	endPosition?: string;
	envelopeTemplates?: DocuSignTemplate[];
}

/** The tab groups that carry a value a sender can prefill (signature-like tabs carry none). */
export const PREFILLABLE_TAB_GROUPS = [
	'textTabs',
	'numberTabs',
	'emailTabs',
	'dateTabs',
	'ssnTabs',
	'zipTabs',
	'noteTabs',
	'listTabs',
	'checkboxTabs',
] as const;

/** DocuSign's largest page of templates. */
const PAGE_SIZE = 100;

export function templateSummary(template: DocuSignTemplate): TemplateSummary {
	const signers = template.recipients?.signers ?? [];
	const fields = signers.flatMap((signer) => prefillableTabs(signer).map((tab) => tab.label));
	return {
		id: template.templateId,
		name: template.name ?? template.templateId,
		roles: signers.map((signer) => signer.roleName).filter((name): name is string => typeof name === 'string' && name !== ''),
		fields: signers.some((signer) => signer.tabs) ? [...new Set(fields)] : undefined,
		createdAt: template.created,
		updatedAt: template.lastModified,
		raw: template,
	};
}

function prefillableTabs(signer: DocuSignTemplateSigner): Array<{ group: string; label: string }> {
	const found: Array<{ group: string; label: string }> = [];
	for (const group of PREFILLABLE_TAB_GROUPS) {
		for (const tab of signer.tabs?.[group] ?? []) if (tab.tabLabel) found.push({ group, label: tab.tabLabel });
	}
	return found;
}

export async function listTemplates(
	client: ProviderClient,
	{ limit, search }: { limit: number; search?: string },
): Promise<TemplateSummary[]> {
	const found: TemplateSummary[] = [];
	let start = 0;
	while (found.length < limit) {
		const page = await client.request<TemplateList>({
			method: 'GET',
			path: '/templates',
			query: {
				count: Math.min(PAGE_SIZE, limit - found.length),
				start_position: start,
				// DocuSign searches template names itself.
				search_text: search || undefined,
				include: 'recipients',
			},
		});
		const templates = page.envelopeTemplates ?? [];
		found.push(...templates.map(templateSummary));
		start += templates.length;
		if (templates.length === 0 || start >= Number(page.totalSetSize ?? 0)) break;
	}
	return found.slice(0, limit);
}

export async function getTemplate(client: ProviderClient, templateId: string): Promise<DocuSignTemplate> {
	if (templateId.trim() === '') throw new ProviderInputError('The template ID is empty');
	return await client.request<DocuSignTemplate>({ method: 'GET', path: `/templates/${encodeURIComponent(templateId.trim())}` });
}

/** The role of `template` named `role` (case-insensitive), or a `ProviderInputError` listing its roles. */
export function templateRole(template: DocuSignTemplate, role: string): DocuSignTemplateSigner {
	const signers = template.recipients?.signers ?? [];
	const found = signers.find((signer) => (signer.roleName ?? '').trim().toLowerCase() === role.trim().toLowerCase());
	if (!found) {
		const roles = signers.map((signer) => `"${signer.roleName}"`).filter((name) => name !== '"undefined"');
		throw new ProviderInputError(
			`The template "${template.name ?? template.templateId}" has no role "${role}"`,
			roles.length > 0 ? `Its roles are: ${roles.join(', ')}.` : 'It has no roles: add a signer role to the template in DocuSign.',
		);
	}
	return found;
}

/**
 * The `tabs` each role's entry carries for `values` (by tab label, case-sensitive as DocuSign
 * matches them), or a `ProviderInputError` listing the template's prefillable tabs.
 */
export function prefillTabsByRole(
	template: DocuSignTemplate,
	values: Record<string, string>,
	filledRoles: readonly string[],
): Map<string, Record<string, Array<Record<string, string>>>> {
	const byRole = new Map<string, Record<string, Array<Record<string, string>>>>();
	const signers = template.recipients?.signers ?? [];
	for (const [label, value] of Object.entries(values)) {
		const owner = signers.find((signer) => prefillableTabs(signer).some((tab) => tab.label === label));
		if (!owner) {
			const labels = [...new Set(signers.flatMap((signer) => prefillableTabs(signer).map((tab) => `"${tab.label}"`)))];
			throw new ProviderInputError(
				`The template "${template.name ?? template.templateId}" has no field "${label}"`,
				labels.length > 0
					? `Its fields (tab labels) are: ${labels.join(', ')}.`
					: 'It has no text, number, date, list or checkbox tabs with a label to prefill.',
			);
		}
		const role = owner.roleName ?? '';
		if (!filledRoles.some((filled) => filled.toLowerCase() === role.toLowerCase())) {
			throw new ProviderInputError(
				`The field "${label}" belongs to the role "${role}", which no recipient fills`,
				`Add a recipient for "${role}": DocuSign drops the roles nobody fills, with their fields.`,
			);
		}
		const tabs = byRole.get(role) ?? {};
		for (const { group } of prefillableTabs(owner).filter((tab) => tab.label === label)) {
			// A checkbox is set by `selected`; every other data tab by `value`.
			const tab: Record<string, string> = group === 'checkboxTabs' ? { tabLabel: label, selected: String(/^(true|yes|1|on|x)$/i.test(value.trim())) } : { tabLabel: label, value };
			(tabs[group] ??= []).push(tab);
			break;
		}
		byRole.set(role, tabs);
	}
	return byRole;
}

/** What `embeddedSigning` sets as each recipient's clientUserId: stable, so a signing link can name it. */
export function embeddedClientUserId(email: string): string {
	return email.trim().toLowerCase();
}

/** The envelope definition that sends `template` to `input.recipients`. */
export function templateEnvelopeDefinition(template: DocuSignTemplate, input: SendFromTemplateInput): Record<string, unknown> {
	if (input.recipients.length === 0) throw new ProviderInputError('Add at least one recipient for the template\'s roles');
	const matched = input.recipients.map((recipient) => templateRole(template, recipient.role));
	const roles = matched.map((role) => role.roleName as string);
	input.recipients.forEach((recipient, index) => {
		const order = matched[index].routingOrder;
		if (recipient.order && order && String(recipient.order) !== order) {
			throw new ProviderInputError(
				`The role "${roles[index]}" signs at position ${order} in the template, not ${recipient.order}`,
				'DocuSign matches a template role by its name and signing order: leave the order empty (the template\'s order applies) or change the order in the template.',
			);
		}
	});
	const seen = new Set<string>();
	for (const role of roles) {
		if (seen.has(role)) throw new ProviderInputError(`Two recipients fill the role "${role}"`, 'Each template role takes one recipient.');
		seen.add(role);
	}
	const tabs = prefillTabsByRole(template, input.fieldValues, roles);
	// The envelope's name is its subject: a title names it unless a subject is given.
	const subject =
		input.subject ?? (input.title ? `Please sign: ${input.title}` : (template.emailSubject ?? `Please sign: ${template.name ?? template.templateId}`));
	return {
		templateId: template.templateId,
		// DocuSign caps the subject at 100 characters.
		emailSubject: subject.slice(0, 100),
		// Only when set: a present-but-undefined property becomes the string "undefined" in the SDK's models.
		...(input.message ? { emailBlurb: input.message } : {}),
		templateRoles: input.recipients.map((recipient, index) => ({
			roleName: roles[index],
			email: recipient.email,
			name: recipient.name,
			// The template's own order, so the role matches (see above).
			...(matched[index].routingOrder ? { routingOrder: matched[index].routingOrder } : {}),
			...(input.embeddedSigning ? { clientUserId: embeddedClientUserId(recipient.email) } : {}),
			...(tabs.has(roles[index]) ? { tabs: tabs.get(roles[index]) } : {}),
		})),
		status: 'sent',
	};
}
