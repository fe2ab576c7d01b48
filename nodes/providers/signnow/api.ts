/**
 * The E-Signature node's SignNow adapter: SignNow's REST API (as documented and as its official
 * SDKs call it) behind the provider-neutral `ProviderAdapter` contract.
 *
 * Paths: `POST /document` (multipart `file`), `POST /document/fieldextract` (text tags),
 * `PUT /document/{id}` (fields: the list replaces the document's fields, so we resend the
 * existing ones), `GET /document/{id}`, `GET /document/{id}/download?type=collapsed`,
 * `DELETE /document/{id}`, `POST /document/{id}/invite` (role-based or free form),
 * `PUT /document/{id}/fieldinvitecancel`, `PUT /invite/{id}/cancel`, `GET /user`,
 * `POST /api/v2/events`, `GET|DELETE /v2/event-subscriptions[/{id}]` (Bearer, so every
 * credential type can manage its subscriptions), `GET /document/{id}/history` (audit trail),
 * `POST /v2/documents/{id}/embedded-invites[/{invite id}/link]` (signing links). Templates,
 * sending from them and bulk invites: ./templates.ts.
 */
import {
	ProviderInputError,
	type AddFieldsInput,
	type SendInviteInput,
	type SigningLink,
	type DocumentDetails,
	type DocumentInvite,
	type DocumentStatus,
	type FieldInput,
	type FieldType,
	type InviteResult,
	type ProviderAdapter,
	type ProviderClient,
	type WebhookSubscription,
} from '../adapter';
import { assertFieldsOnPages, type PageSize } from '../field-placement';
import { signNowApiBaseUrl } from './environment';
import { bulkSend, checkFieldNames, copyTemplate, getTemplateDocument, listTemplates, templateRole, toTemplateSummary } from './templates';

/* ---------------------------------------------------------------------------------------- */
/* SignNow's shapes (only what we read)                                                      */
/* ---------------------------------------------------------------------------------------- */

export interface SignNowRole {
	unique_id: string;
	signing_order?: string | number;
	name: string;
}

interface SignNowField {
	id?: string;
	type: string;
	role?: string;
	role_id?: string;
	json_attributes?: Record<string, unknown>;
}

interface SignNowFieldInvite {
	id: string;
	status: string;
	email: string;
	role?: string;
	role_id?: string;
	/** An embedded invite (signed through a link the sender hands out, no email). */
	is_embedded?: boolean;
}

interface SignNowFreeFormRequest {
	id: string;
	signer_email: string;
	signature_id?: string | null;
	canceled?: boolean | null;
}

export interface SignNowDocument {
	id: string;
	document_name?: string;
	/** True for a template (SignNow keeps templates as documents). */
	template?: boolean;
	page_count?: string | number;
	/** Each page with its size (`Page { src, size: { width, height } }` in SignNow's SDK). */
	pages?: Array<{ src?: string; size?: { width?: number | string; height?: number | string } }>;
	created?: string | number;
	updated?: string | number;
	roles?: SignNowRole[];
	fields?: SignNowField[];
	field_invites?: SignNowFieldInvite[];
	requests?: SignNowFreeFormRequest[];
}

interface SignNowUser {
	id: string;
	primary_email?: string;
	emails?: string[];
}

/* ---------------------------------------------------------------------------------------- */
/* Pure mapping                                                                              */
/* ---------------------------------------------------------------------------------------- */

/** SignNow's date validator (MM/DD/YYYY): a date field is a text field that must hold a date. */
export const SIGNNOW_DATE_VALIDATOR_ID = '13435fa6c2a17f83177fcbb5c4a9376ce85befeb';

const FIELD_TYPE_TO_SIGNNOW: Record<FieldType, string> = {
	signature: 'signature',
	initials: 'initials',
	text: 'text',
	date: 'text',
	checkbox: 'checkbox',
};

/** The size SignNow reports for a page (1-based), when it reports a usable one. */
function signNowPageSize(document: SignNowDocument, page: number): PageSize | undefined {
	const size = document.pages?.[page - 1]?.size;
	const width = Number(size?.width);
	const height = Number(size?.height);
	return width > 0 && height > 0 ? { width, height } : undefined;
}

/** One of our fields as SignNow's `PUT /document/{id}` wants it (0-based `page_number`). */
export function toSignNowField(field: FieldInput): Record<string, unknown> {
	const result: Record<string, unknown> = {
		type: FIELD_TYPE_TO_SIGNNOW[field.type],
		role: field.role,
		page_number: field.page - 1,
		x: field.x,
		y: field.y,
		width: field.width,
		height: field.height,
		required: field.required,
	};
	if (field.label) result.label = field.label;
	if (field.type === 'date') result.validator_id = SIGNNOW_DATE_VALIDATOR_ID;
	return result;
}

/** An existing field of a document, in the request shape, so a PUT keeps it. */
function existingFieldForPut(field: SignNowField): Record<string, unknown> | undefined {
	const attributes = field.json_attributes ?? {};
	if (attributes.page_number === undefined || !field.role) return undefined;
	const kept: Record<string, unknown> = {
		type: field.type,
		role: field.role,
		page_number: Number(attributes.page_number),
		x: Number(attributes.x),
		y: Number(attributes.y),
		width: Number(attributes.width),
		height: Number(attributes.height),
		required: attributes.required !== false && attributes.required !== 0,
	};
	for (const key of ['label', 'name', 'validator_id', 'prefilled_text'] as const) {
		if (attributes[key] !== undefined && attributes[key] !== null) kept[key] = attributes[key];
	}
	return kept;
}

function toIso(value: string | number | undefined): string | undefined {
	if (value === undefined || value === '') return undefined;
	const seconds = Number(value);
	return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : String(value);
}

/** Derives one status from SignNow's role-based invites or, failing those, its free-form requests. */
export function signNowDocumentStatus(document: SignNowDocument): DocumentStatus {
	const invites = document.field_invites ?? [];
	if (invites.length > 0) {
		if (invites.some((invite) => invite.status === 'declined')) return 'declined';
		if (invites.every((invite) => invite.status === 'fulfilled' || invite.status === 'skipped')) {
			return 'completed';
		}
		return 'pending';
	}
	const requests = document.requests ?? [];
	if (requests.length > 0) {
		const live = requests.filter((request) => !request.canceled);
		if (live.length === 0) return 'cancelled';
		return live.every((request) => request.signature_id) ? 'completed' : 'pending';
	}
	return 'draft';
}

export function toDocumentDetails(document: SignNowDocument): DocumentDetails {
	const invites: DocumentInvite[] = [
		...(document.field_invites ?? []).map((invite) => ({
			id: invite.id,
			email: invite.email,
			role: invite.role,
			status: invite.status,
			signingOrder: signingOrderOf(document, invite.role_id),
		})),
		...(document.requests ?? []).map((request) => ({
			id: request.id,
			email: request.signer_email,
			status: request.canceled ? 'canceled' : request.signature_id ? 'fulfilled' : 'pending',
		})),
	];
	return {
		id: document.id,
		name: document.document_name ?? '',
		status: signNowDocumentStatus(document),
		pageCount: document.page_count === undefined ? undefined : Number(document.page_count),
		roles: (document.roles ?? []).map((role) => ({
			id: role.unique_id,
			name: role.name,
			signingOrder: role.signing_order === undefined ? undefined : Number(role.signing_order),
		})),
		invites,
		fieldCount: document.fields?.length ?? 0,
		createdAt: toIso(document.created),
		updatedAt: toIso(document.updated),
		raw: document,
	};
}

function signingOrderOf(document: SignNowDocument, roleId: string | undefined): number | undefined {
	const role = document.roles?.find((candidate) => candidate.unique_id === roleId);
	return role?.signing_order === undefined ? undefined : Number(role.signing_order);
}

/** Role name → role, matched without regard to case or surrounding spaces, as people type them. */
export function resolveRole(document: SignNowDocument, roleName: string): SignNowRole {
	const wanted = roleName.trim().toLowerCase();
	const role = (document.roles ?? []).find((candidate) => candidate.name.trim().toLowerCase() === wanted);
	if (role) return role;
	const available = (document.roles ?? []).map((candidate) => `"${candidate.name}"`);
	throw new ProviderInputError(
		`The document has no role named "${roleName}"`,
		available.length > 0
			? `Roles in this document: ${available.join(', ')}. Use one of them, or add fields for "${roleName}" first.`
			: 'The document has no fields yet, so it has no roles. Add fields (each field names its role) or send a free-form invite.',
	);
}

/** SignNow answers errors as `{errors:[{code,message}]}`, `{error, error_description}` or `{message}`. */
export function signNowErrorMessage(_status: number, body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim() === '' ? undefined : body.slice(0, 300);
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	if (Array.isArray(record.errors) && record.errors.length > 0) {
		return record.errors
			.map((error) => {
				const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
				return code !== undefined ? `${String(message)} (code ${String(code)})` : String(message);
			})
			.join('; ');
	}
	if (typeof record.error_description === 'string') return record.error_description;
	if (typeof record.error === 'string') return record.error;
	if (typeof record.message === 'string') return record.message;
	return undefined;
}

/* ---------------------------------------------------------------------------------------- */
/* Calls                                                                                     */
/* ---------------------------------------------------------------------------------------- */

async function getDocument(client: ProviderClient, documentId: string): Promise<SignNowDocument> {
	return await client.request<SignNowDocument>({
		method: 'GET',
		path: `/document/${encodeURIComponent(documentId)}`,
	});
}

/** The sender's address SignNow requires in `from`: the one given, else the account's own. */
async function senderEmail(client: ProviderClient, given: string | undefined): Promise<string> {
	if (given && given.trim() !== '') return given.trim();
	const username = client.credentials.username;
	if (typeof username === 'string' && username.includes('@')) return username;
	const user = await currentUser(client);
	const email = user.primary_email ?? user.emails?.[0];
	if (!email) {
		throw new ProviderInputError(
			'Could not tell which email address sends the invite',
			'Set "From" in the invite options to the email address of the SignNow account.',
		);
	}
	return email;
}

async function currentUser(client: ProviderClient): Promise<SignNowUser> {
	return await client.request<SignNowUser>({ method: 'GET', path: '/user' });
}

interface SignNowSubscription {
	id: string;
	event: string;
	entity_id?: string | number;
	entity_unique_id?: string;
	action?: string;
	created?: number | string;
	json_attributes?: { callback_url?: string; callback?: string };
}

function toSubscription(raw: SignNowSubscription): WebhookSubscription {
	const attributes = raw.json_attributes ?? {};
	return {
		id: raw.id,
		event: raw.event,
		callbackUrl: attributes.callback_url ?? attributes.callback ?? '',
		entityId: raw.entity_unique_id ?? (raw.entity_id === undefined ? undefined : String(raw.entity_id)),
		createdAt: toIso(raw.created),
		raw,
	};
}

async function listSubscriptions(client: ProviderClient): Promise<WebhookSubscription[]> {
	const answer = await client.request<{ data?: SignNowSubscription[] }>({
		method: 'GET',
		path: '/v2/event-subscriptions',
	});
	return (answer.data ?? []).map(toSubscription);
}

/** Document-level events; with no document, the `user.`-prefixed variant covers the whole account. */
export const SIGNNOW_WEBHOOK_EVENTS = [
	{ value: 'document.complete', name: 'Document Completed', description: 'Every signer has signed' },
	{ value: 'document.open', name: 'Document Opened', description: 'A signer opened the document' },
	{ value: 'document.update', name: 'Document Updated' },
	{ value: 'document.delete', name: 'Document Deleted' },
	{ value: 'document.fieldinvite.create', name: 'Invite Sent (Role-Based)' },
	{ value: 'document.fieldinvite.signed', name: 'Invite Signed (Role-Based)' },
	{ value: 'document.fieldinvite.decline', name: 'Invite Declined (Role-Based)' },
	{ value: 'document.fieldinvite.expired', name: 'Invite Expired (Role-Based)' },
	{ value: 'document.freeform.create', name: 'Invite Sent (Free Form)' },
	{ value: 'document.freeform.signed', name: 'Invite Signed (Free Form)' },
] as const;


/** A role-based invite (`POST /document/{id}/invite` with `to: [{ email, role_id, order }]`). */
async function sendRoleBasedInvite(client: ProviderClient, input: SendInviteInput, document: SignNowDocument): Promise<InviteResult> {
	if (input.signers.length === 0) {
		throw new ProviderInputError('Add at least one signer', 'Each signer needs an email and a role.');
	}
	const from = await senderEmail(client, input.from);
	const subject = input.subject || `${from} asks you to sign ${document.document_name ?? 'a document'}`;
	const message = input.message || 'Please review and sign the document.';
	const to = input.signers.map((signer, index) => {
		const role = resolveRole(document, signer.role);
		const entry: Record<string, unknown> = {
			email: signer.email,
			role_id: role.unique_id,
			role: role.name,
			order: signer.order ?? Number(role.signing_order ?? index + 1),
			subject,
			message,
		};
		if (input.expirationDays !== undefined) entry.expiration_days = input.expirationDays;
		if (input.reminderDays !== undefined) entry.reminder = input.reminderDays;
		return entry;
	});
	const answer = await client.request<{ status?: string }>({
		method: 'POST',
		path: `/document/${encodeURIComponent(input.documentId)}/invite`,
		body: { kind: 'json', data: { to, from, subject, message } },
	});
	return { documentId: input.documentId, status: answer.status ?? 'success', raw: answer };
}

/** How long an embedded signing link lives, in minutes (SignNow allows 15–45). */
const SIGNING_LINK_MINUTES = 45;

/**
 * A signing link for one signer. SignNow issues links for embedded invites only: for a signer of
 * a pending embedded invite, a fresh link; for a prepared document that nobody was invited to yet
 * and that has one role, an embedded invite for that signer first. A signer invited by email has
 * no link (SignNow emails it).
 */
async function signingLink(client: ProviderClient, documentId: string, email: string, returnUrl: string | undefined): Promise<SigningLink> {
	const document = await getDocument(client, documentId);
	const wanted = email.trim().toLowerCase();
	const invites = document.field_invites ?? [];
	let invite = invites.find((candidate) => candidate.email.toLowerCase() === wanted && candidate.status === 'pending');
	let created: unknown;
	if (!invite) {
		if (invites.some((candidate) => candidate.email.toLowerCase() === wanted)) {
			throw new ProviderInputError(`${email} has no pending invite on SignNow document ${documentId}`, 'They have signed or declined already.');
		}
		if (invites.length > 0 || (document.requests ?? []).length > 0) {
			const invited = invites.map((candidate) => candidate.email).join(', ');
			throw new ProviderInputError(`${email} is not a signer of SignNow document ${documentId}`, invited ? `Signers: ${invited}.` : undefined);
		}
		const roles = document.roles ?? [];
		if (roles.length !== 1) {
			throw new ProviderInputError(
				roles.length === 0 ? 'The document has no fields, so nobody can be given a signing link' : `The document has ${roles.length} roles; a signing link can be made here for a one-role document only`,
				roles.length === 0
					? 'Add fields for the signer first.'
					: `SignNow's embedded invite must name a signer for every role (${roles.map((role) => `"${role.name}"`).join(', ')}).`,
			);
		}
		const entry: Record<string, unknown> = { email: email.trim(), role_id: roles[0].unique_id, role: roles[0].name, order: 1, auth_method: 'none' };
		if (returnUrl) entry.redirect_uri = returnUrl;
		created = await client.request({
			method: 'POST',
			path: `/v2/documents/${encodeURIComponent(documentId)}/embedded-invites`,
			body: { kind: 'json', data: { invites: [entry] } },
		});
		invite = (await getDocument(client, documentId)).field_invites?.find((candidate) => candidate.email.toLowerCase() === wanted && candidate.status === 'pending');
		if (!invite) throw new ProviderInputError(`SignNow created no embedded invite for ${email}`);
	} else if (invite.is_embedded !== true) {
		throw new ProviderInputError(
			`${email} was invited by email: SignNow gives signing links for embedded invites only`,
			'SignNow emails that signer their link. To sign in your app, cancel the invite and ask for the link again (the node then creates an embedded invite), for a one-role document.',
		);
	}
	const expiresAt = new Date(Date.now() + SIGNING_LINK_MINUTES * 60_000).toISOString();
	const answer = await client.request<{ data?: { link?: string } }>({
		method: 'POST',
		path: `/v2/documents/${encodeURIComponent(documentId)}/embedded-invites/${encodeURIComponent(invite.id)}/link`,
		body: { kind: 'json', data: { auth_method: 'none', link_expiration: SIGNING_LINK_MINUTES } },
	});
	const url = answer.data?.link;
	if (!url) throw new ProviderInputError(`SignNow returned no signing link for ${email}`);
	return { documentId, email: invite.email, url, expiresAt, raw: created === undefined ? answer : { invite: created, link: answer } };
}

/* ---------------------------------------------------------------------------------------- */
/* The adapter                                                                               */
/* ---------------------------------------------------------------------------------------- */

/**
 * Direct mode has no dedup store: every accepted copy of a callback runs the workflow. So the
 * window in which a captured callback is accepted is kept short, minutes rather than the
 * relay's days (which its dedup window covers).
 */
export const SIGNNOW_DIRECT_MAX_AGE_SECONDS = 10 * 60;

export const signNowAdapter: ProviderAdapter = {
	provider: 'signnow',
	displayName: 'SignNow',
	credentials: [
		{ value: 'oAuth2', displayName: 'OAuth2 (Connect Button)', credentialType: 'signNowOAuth2Api' },
		{ value: 'passwordGrant', displayName: 'Password Grant', credentialType: 'signNowApi' },
		{ value: 'apiKey', displayName: 'API Key', credentialType: 'signNowApiKeyApi' },
	],
	webhookEvents: SIGNNOW_WEBHOOK_EVENTS,
	// SignNow signs callbacks with the secret_key given at registration: the trigger generates one.
	directWebhook: { secret: { kind: 'generated' }, handlerOptions: { maxAgeSeconds: SIGNNOW_DIRECT_MAX_AGE_SECONDS } },
	baseUrl: signNowApiBaseUrl,
	errorMessage: signNowErrorMessage,
	// SignNow answers 429 when an application exceeds its request quota; retry after Retry-After.
	rateLimit: { maxRetries: 3, defaultRetryAfterMs: 5_000, maxWaitMs: 60_000 },

	document: {
		async upload(client, { file, extractFieldsFromTags }) {
			const answer = await client.request<{ id: string }>({
				method: 'POST',
				path: extractFieldsFromTags ? '/document/fieldextract' : '/document',
				body: { kind: 'multipart', files: [{ field: 'file', ...file }] },
			});
			return { id: answer.id, name: file.fileName.replace(/\.[^.]+$/, ''), raw: answer };
		},

		async addFields(client, { documentId, fields }: AddFieldsInput) {
			const current = await getDocument(client, documentId);
			const pageCount = Number(current.page_count ?? Number.POSITIVE_INFINITY);
			for (const field of fields) {
				if (field.page > pageCount) {
					throw new ProviderInputError(
						`A ${field.type} field is on page ${field.page}, but the document has ${pageCount} page(s)`,
						'Pages are counted from 1.',
					);
				}
			}
			assertFieldsOnPages(fields, (page) => signNowPageSize(current, page));
			const kept = (current.fields ?? []).map(existingFieldForPut).filter((field) => field !== undefined);
			await client.request({
				method: 'PUT',
				path: `/document/${encodeURIComponent(documentId)}`,
				body: { kind: 'json', data: { fields: [...kept, ...fields.map(toSignNowField)] } },
			});
			return toDocumentDetails(await getDocument(client, documentId));
		},

		async get(client, documentId) {
			return toDocumentDetails(await getDocument(client, documentId));
		},

		async download(client, { documentId, withHistory }) {
			const document = await getDocument(client, documentId);
			const answer = await client.request({
				method: 'GET',
				path: `/document/${encodeURIComponent(documentId)}/download`,
				query: { type: 'collapsed', with_history: withHistory ? 1 : undefined },
				response: 'binary',
			});
			const baseName = (document.document_name ?? documentId).replace(/\.pdf$/i, '');
			return {
				data: answer.data,
				fileName: answer.fileName ?? `${baseName}.pdf`,
				mimeType: answer.mimeType && answer.mimeType !== 'application/octet-stream' ? answer.mimeType : 'application/pdf',
			};
		},

		async delete(client, documentId) {
			await client.request({ method: 'DELETE', path: `/document/${encodeURIComponent(documentId)}` });
		},

		/**
		 * SignNow's audit trail of the document (`GET /document/{id}/history`: who viewed, filled,
		 * signed, from where, when) as a JSON file. SignNow has no separate certificate PDF: the
		 * history inside the PDF is Download with "Include History".
		 */
		async auditCertificate(client, documentId) {
			const document = await getDocument(client, documentId);
			const history = await client.request<unknown[]>({ method: 'GET', path: `/document/${encodeURIComponent(documentId)}/history` });
			const baseName = (document.document_name ?? documentId).replace(/\.pdf$/i, '');
			return { data: Buffer.from(JSON.stringify(history, null, 2), 'utf8'), fileName: `${baseName}-history.json`, mimeType: 'application/json' };
		},
	},

	template: {
		list: listTemplates,
		async get(client, templateId) {
			return toTemplateSummary(await getTemplateDocument(client, templateId));
		},
	},

	signatureRequest: {
		/** Copies the template into a document, prefills its text fields, and invites each role's recipient. */
		async sendFromTemplate(client, input) {
			const template = await getTemplateDocument(client, input.templateId);
			if (input.recipients.length === 0) throw new ProviderInputError('Add at least one recipient', 'Each recipient fills one role of the template.');
			const signers = input.recipients.map((recipient) => ({ email: recipient.email, role: templateRole(template, recipient.role).name, order: recipient.order }));
			// SignNow's role-based invite needs a signer for every role of the document.
			const missing = (template.roles ?? []).filter((role) => !signers.some((signer) => signer.role === role.name));
			if (missing.length > 0) {
				throw new ProviderInputError(
					`Every role of SignNow template ${template.id} needs a recipient; missing: ${missing.map((role) => `"${role.name}"`).join(', ')}`,
					`Roles in this template: ${(template.roles ?? []).map((role) => `"${role.name}"`).join(', ')}.`,
				);
			}
			const prefill = checkFieldNames(template, input.fieldValues);
			const documentId = await copyTemplate(client, template, input.title, prefill);
			const document = await getDocument(client, documentId);
			await sendRoleBasedInvite(client, { documentId, signers, subject: input.subject, message: input.message }, document);
			return toDocumentDetails(await getDocument(client, documentId));
		},

		bulkSend,
	},

	invite: {
		async send(client, input) {
			return await sendRoleBasedInvite(client, input, await getDocument(client, input.documentId));
		},

		async sendFreeForm(client, input) {
			const from = await senderEmail(client, input.from);
			const data: Record<string, unknown> = { to: input.to, from };
			if (input.subject) data.subject = input.subject;
			if (input.message) data.message = input.message;
			const answer = await client.request<{ result?: string; id?: string }>({
				method: 'POST',
				path: `/document/${encodeURIComponent(input.documentId)}/invite`,
				body: { kind: 'json', data },
			});
			return { documentId: input.documentId, inviteId: answer.id, status: answer.result ?? 'success', raw: answer };
		},

		async signingLink(client, { documentId, email, returnUrl }) {
			return await signingLink(client, documentId, email, returnUrl);
		},

		/** Cancels whatever is pending: role-based invites in one call, free-form ones one by one. */
		async cancel(client, { documentId, reason }): Promise<InviteResult> {
			const document = await getDocument(client, documentId);
			const pendingRoleBased = (document.field_invites ?? []).some((invite) => invite.status === 'pending');
			const pendingFreeForm = (document.requests ?? []).filter(
				(request) => !request.canceled && !request.signature_id,
			);
			if (!pendingRoleBased && pendingFreeForm.length === 0) {
				throw new ProviderInputError(
					'The document has no pending invite to cancel',
					'Either no invite was sent, or every signer has already signed or declined.',
				);
			}
			const raw: unknown[] = [];
			if (pendingRoleBased) {
				raw.push(
					await client.request({
						method: 'PUT',
						path: `/document/${encodeURIComponent(documentId)}/fieldinvitecancel`,
						body: { kind: 'json', data: reason ? { reason } : {} },
					}),
				);
			}
			for (const request of pendingFreeForm) {
				raw.push(
					await client.request({
						method: 'PUT',
						path: `/invite/${encodeURIComponent(request.id)}/cancel`,
						body: { kind: 'json', data: reason ? { reason } : {} },
					}),
				);
			}
			return { documentId, status: 'cancelled', raw };
		},
	},

	webhook: {
		async register(client, { events, callbackUrl, secretKey, documentId }) {
			if (events.length === 0) throw new ProviderInputError('Choose at least one event');
			// Document events need the document's id; account-wide ones are the `user.` variants on the user's id.
			const entityId = documentId || (await currentUser(client)).id;
			const names = events.map((event) => (documentId ? event : `user.${event}`));
			for (const event of names) {
				const body: Record<string, unknown> = {
					event,
					entity_id: entityId,
					action: 'callback',
					attributes: {
						callback: callbackUrl,
						use_tls_12: true,
						docid_queryparam: false,
						// The callback must not carry our access token to whoever receives it.
						delete_access_token: true,
					},
				};
				if (secretKey) body.secret_key = secretKey;
				await client.request({ method: 'POST', path: '/api/v2/events', body: { kind: 'json', data: body } });
			}
			// SignNow answers `{}` without ids: find what we just created by listing.
			const all = await listSubscriptions(client);
			return all.filter(
				(subscription) =>
					names.includes(subscription.event) &&
					subscription.callbackUrl === callbackUrl &&
					subscription.entityId === String(entityId),
			);
		},

		list: listSubscriptions,

		async delete(client, subscriptionId) {
			await client.request({
				method: 'DELETE',
				path: `/v2/event-subscriptions/${encodeURIComponent(subscriptionId)}`,
			});
		},
	},
};
