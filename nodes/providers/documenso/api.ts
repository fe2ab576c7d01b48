/**
 * The E-Signature node's Documenso adapter: Documenso's public API v2 (envelopes) behind the
 * provider-neutral `ProviderAdapter` contract. Authentication is the raw API token in
 * `Authorization` (the credential's job).
 *
 * Paths: `POST /envelope/create` (multipart `payload` + `files`), `POST /envelope/recipient/create-many`,
 * `POST /envelope/field/create-many` (positions as percentages of the page), `POST /envelope/distribute`,
 * `GET /envelope/{id}`, `GET /envelope/item/{itemId}/download?version=signed`, `POST /envelope/delete`.
 *
 * Also templates (`templates.ts`: `GET /envelope?type=TEMPLATE`, `POST /envelope/use`), signing
 * links and the signing certificate (`signing.ts`), and fields placed at a text of the PDF
 * (`placeholder` of `/envelope/field/create-many`: the field takes the text's bounding box).
 *
 * Documenso's recipients are people, not named slots: a field's "role" is the email address of
 * the recipient who fills it, and that recipient is created (as a signer) when first used.
 */
import {
	ProviderInputError,
	type DocumentDetails,
	type DocumentStatus,
	type FieldType,
	type ProviderAdapter,
	type ProviderClient,
} from '../adapter';
import { assertFieldsOnPages } from '../field-placement';
import { certificate, signingLink } from './signing';
import { getTemplateSummary, listTemplates, useTemplate } from './templates';

export const DOCUMENSO_CLOUD_API = 'https://app.documenso.com/api/v2';

/**
 * Documenso places fields in percentages of the page, our fields come in points from the top-left
 * corner; without the PDF's page size at hand we convert against US Letter (612 × 792 pt).
 */
export const PAGE_WIDTH_PT = 612;
export const PAGE_HEIGHT_PT = 792;

interface DocumensoRecipient {
	id: number;
	email: string;
	name: string;
	role: string;
	signingOrder?: number | null;
	signingStatus?: string;
	sendStatus?: string;
	readStatus?: string;
}

interface DocumensoEnvelope {
	id: string;
	title: string;
	status: string;
	createdAt?: string;
	updatedAt?: string;
	envelopeItems?: Array<{ id: string; title?: string; order?: number }>;
	recipients?: DocumensoRecipient[];
	fields?: unknown[];
}

const FIELD_TYPES: Record<FieldType, string> = {
	signature: 'SIGNATURE',
	initials: 'INITIALS',
	text: 'TEXT',
	date: 'DATE',
	checkbox: 'CHECKBOX',
};

const STATUSES: Record<string, DocumentStatus> = {
	DRAFT: 'draft',
	PENDING: 'pending',
	COMPLETED: 'completed',
	REJECTED: 'declined',
	CANCELLED: 'cancelled',
};

export function documensoBaseUrl(credentials: Readonly<Record<string, unknown>>): string {
	const custom = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	return (custom || DOCUMENSO_CLOUD_API).replace(/\/+$/, '');
}

function percent(value: number, of: number): number {
	return Math.min(100, Math.max(0, Math.round((value / of) * 10_000) / 100));
}

function isEmail(value: string): boolean {
	return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value.trim());
}

async function getEnvelope(client: ProviderClient, envelopeId: string): Promise<DocumensoEnvelope> {
	return await client.request<DocumensoEnvelope>({
		method: 'GET',
		path: `/envelope/${encodeURIComponent(envelopeId)}`,
	});
}

export function toDocumentDetails(envelope: DocumensoEnvelope): DocumentDetails {
	const recipients = envelope.recipients ?? [];
	return {
		id: envelope.id,
		name: envelope.title,
		status: STATUSES[envelope.status] ?? 'pending',
		roles: recipients.map((r) => ({
			id: String(r.id),
			name: r.email,
			signingOrder: r.signingOrder ?? undefined,
		})),
		invites: recipients
			.filter((r) => r.sendStatus === 'SENT')
			.map((r) => ({
				id: String(r.id),
				email: r.email,
				role: r.role,
				status: (r.signingStatus ?? 'NOT_SIGNED').toLowerCase(),
				signingOrder: r.signingOrder ?? undefined,
			})),
		fieldCount: envelope.fields?.length ?? 0,
		createdAt: envelope.createdAt,
		updatedAt: envelope.updatedAt,
		raw: envelope,
	};
}

/** Adds the missing recipients (as signers) and answers every recipient by lower-case email. */
async function ensureRecipients(
	client: ProviderClient,
	envelope: DocumensoEnvelope,
	wanted: Array<{ email: string; order?: number }>,
): Promise<Map<string, DocumensoRecipient>> {
	const byEmail = new Map((envelope.recipients ?? []).map((r) => [r.email.toLowerCase(), r]));
	const missing = wanted.filter((w, i) => {
		const key = w.email.toLowerCase();
		return !byEmail.has(key) && wanted.findIndex((o) => o.email.toLowerCase() === key) === i;
	});
	if (missing.length > 0) {
		const created = await client.request<{ data: DocumensoRecipient[] }>({
			method: 'POST',
			path: '/envelope/recipient/create-many',
			body: {
				kind: 'json',
				data: {
					envelopeId: envelope.id,
					data: missing.map((w) => ({
						email: w.email.trim(),
						name: w.email.trim().split('@')[0],
						role: 'SIGNER',
						...(w.order !== undefined ? { signingOrder: w.order } : {}),
					})),
				},
			},
		});
		for (const recipient of created.data) byEmail.set(recipient.email.toLowerCase(), recipient);
	}
	return byEmail;
}

export const documensoAdapter: ProviderAdapter = {
	provider: 'documenso',
	displayName: 'Documenso',
	credentials: [{ value: 'apiToken', displayName: 'API Token', credentialType: 'documensoApi' }],
	baseUrl: documensoBaseUrl,
	errorMessage(_status, body) {
		if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
			const { message, code } = body as { message: string; code?: unknown };
			return typeof code === 'string' ? `${message} (${code})` : message;
		}
		return undefined;
	},
	// Documenso rate-limits its API (429 TOO_MANY_REQUESTS); waiting and retrying is safe.
	rateLimit: { maxRetries: 3, defaultRetryAfterMs: 2_000, maxWaitMs: 60_000 },

	document: {
		async upload(client, { file, extractFieldsFromTags }) {
			if (extractFieldsFromTags) {
				throw new ProviderInputError(
					'Documenso does not turn text tags into fields on upload',
					'Turn off "Extract Fields From Text Tags" and place fields with the Add Fields operation.',
				);
			}
			const title = file.fileName.replace(/\.[^.]+$/, '') || 'Document';
			const answer = await client.request<{ id: string }>({
				method: 'POST',
				path: '/envelope/create',
				body: {
					kind: 'multipart',
					fields: { payload: JSON.stringify({ title, type: 'DOCUMENT' }) },
					files: [{ field: 'files', ...file }],
				},
			});
			return { id: answer.id, name: title, raw: answer };
		},

		async addFields(client, { documentId, fields }) {
			for (const field of fields) {
				if (!isEmail(field.role)) {
					throw new ProviderInputError(
						`"${field.role}" is not an email address`,
						'Documenso fields belong to a recipient: put the email address of the person who fills the field in "Role".',
					);
				}
			}
			for (const field of fields) {
				// Documenso puts a placeholder's field on the text's own box: it has no offsets.
				if (field.anchor && (field.anchor.offsetX !== 0 || field.anchor.offsetY !== 0)) {
					throw new ProviderInputError(
						`Documenso places a field on its text "${field.anchor.text}" itself, without offsets`,
						'Set "Anchor Offset X" and "Anchor Offset Y" to 0; the field covers the text (size it with Width and Height).',
					);
				}
				if (field.anchor && field.anchor.text.trim() === '') throw new ProviderInputError('Enter the anchor text to place the field on');
			}
			// Positions are sent as percentages of a US Letter page: a field beyond it cannot be placed.
			assertFieldsOnPages(fields.map((f) => (f.anchor ? { ...f, x: 0, y: 0 } : f)), () => ({ width: PAGE_WIDTH_PT, height: PAGE_HEIGHT_PT }), 'the page Documenso positions are converted against');
			const envelope = await getEnvelope(client, documentId);
			const recipients = await ensureRecipients(
				client,
				envelope,
				fields.map((f) => ({ email: f.role })),
			);
			await client.request({
				method: 'POST',
				path: '/envelope/field/create-many',
				body: {
					kind: 'json',
					data: {
						envelopeId: documentId,
						data: fields.map((field) => ({
							recipientId: recipients.get(field.role.trim().toLowerCase())?.id,
							type: FIELD_TYPES[field.type],
							...(field.anchor
								? {
										placeholder: field.anchor.text,
										...(field.width > 0 ? { width: percent(field.width, PAGE_WIDTH_PT) } : {}),
										...(field.height > 0 ? { height: percent(field.height, PAGE_HEIGHT_PT) } : {}),
									}
								: {
										page: field.page,
										positionX: percent(field.x, PAGE_WIDTH_PT),
										positionY: percent(field.y, PAGE_HEIGHT_PT),
										width: percent(field.width, PAGE_WIDTH_PT),
										height: percent(field.height, PAGE_HEIGHT_PT),
									}),
							...(field.label || !field.required
								? { fieldMeta: { type: FIELD_TYPES[field.type].toLowerCase(), label: field.label, required: field.required } }
								: {}),
						})),
					},
				},
			});
			return toDocumentDetails(await getEnvelope(client, documentId));
		},

		async get(client, documentId) {
			return toDocumentDetails(await getEnvelope(client, documentId));
		},

		async download(client, { documentId }) {
			const envelope = await getEnvelope(client, documentId);
			const item = [...(envelope.envelopeItems ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0))[0];
			if (!item) throw new ProviderInputError(`Envelope ${documentId} has no document to download`);
			const file = await client.request({
				method: 'GET',
				path: `/envelope/item/${encodeURIComponent(item.id)}/download`,
				query: { version: 'signed' },
				response: 'binary',
			});
			const base = (item.title ?? envelope.title).replace(/\.pdf$/i, '');
			return { data: file.data, mimeType: 'application/pdf', fileName: `${base}_signed.pdf` };
		},

		async auditCertificate(client, documentId) {
			return await certificate(client, documentId);
		},

		async delete(client, documentId) {
			await client.request({
				method: 'POST',
				path: '/envelope/delete',
				body: { kind: 'json', data: { envelopeId: documentId } },
			});
		},
	},

	invite: {
		async signingLink(client, input) {
			return await signingLink(client, documensoBaseUrl(client.credentials), input);
		},

		async send(client, { documentId, signers, subject, message }) {
			if (signers.length === 0) throw new ProviderInputError('Add at least one signer');
			const envelope = await getEnvelope(client, documentId);
			// The field "role" is the recipient's email; a signer given another email replaces nobody.
			await ensureRecipients(
				client,
				envelope,
				signers.map((s) => ({ email: s.email, order: s.order })),
			);
			const meta: Record<string, string> = {};
			if (subject) meta.subject = subject;
			if (message) meta.message = message;
			const answer = await client.request<{ id: string }>({
				method: 'POST',
				path: '/envelope/distribute',
				body: { kind: 'json', data: { envelopeId: documentId, ...(Object.keys(meta).length ? { meta } : {}) } },
			});
			return { documentId: answer.id ?? documentId, status: 'pending', raw: answer };
		},
	},

	fieldPlacement: { anchorText: true },

	template: {
		list: listTemplates,
		get: getTemplateSummary,
	},

	signatureRequest: {
		async sendFromTemplate(client, input) {
			const created = await useTemplate(client, input);
			return toDocumentDetails(await getEnvelope(client, created.id));
		},
	},

	// Documenso's API has no webhook routes (webhooks are set up in team settings), and no bulk
	// send (the web app's CSV bulk send is internal): docs/providers/documenso.md.
	webhook: {},
};
