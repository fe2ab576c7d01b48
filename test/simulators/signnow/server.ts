/**
 * A local SignNow: the REST endpoints the E-Signature node, the trigger and the relay use,
 * answering as SignNow's API reference and official SDKs describe (paths, form/JSON/multipart
 * bodies, Basic client auth on the token endpoint, Bearer everywhere else, `{errors:[{code,
 * message}]}` error bodies), and refusing what SignNow refuses.
 *
 * Control routes under `/__sim/` (no auth) drive what a human would do in SignNow's web app:
 * sign or decline as a signer (which fires the signed callbacks), approve an OAuth consent,
 * expire tokens, and inject 429s.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { contractPdf, pdfPageCount, pdfPageSizes, signedPdf } from '../../helpers/pdf';
import { attemptDelivery, CallbackWorker, type SettleOptions } from '../shared/callbacks';
import {
	isObject,
	listen,
	parseJson,
	parseMultipart,
	sendBytes,
	sendJson,
	type Listening,
} from '../shared/http';
import {
	hexId,
	SignNowState,
	type SimDelivery,
	type SimDocument,
	type SimField,
	type SimRole,
	type SimSubscription,
	type SimToken,
	type SimUser,
} from './state';

/** Event names SignNow's event-subscription API accepts (document- and user-level). */
export const SIGNNOW_SIM_EVENTS = [
	'document.complete',
	'document.open',
	'document.update',
	'document.delete',
	'document.fieldinvite.create',
	'document.fieldinvite.signed',
	'document.fieldinvite.decline',
	'document.fieldinvite.expired',
	'document.fieldinvite.reassign',
	'document.freeform.create',
	'document.freeform.signed',
	'document.freeform.decline',
].flatMap((event) => [event, `user.${event}`]);

// What SignNow's upload takes (its API reference and the official SDK's list, which includes .xml).
const UPLOAD_EXTENSIONS = new Set(['pdf', 'doc', 'docx', 'odt', 'rtf', 'xml', 'xls', 'xlsx', 'ppt', 'pptx', 'png', 'jpg', 'jpeg', 'gif', 'bmp']);

const FIELD_TYPES = new Set(['signature', 'initials', 'text', 'checkbox', 'enumeration', 'radiobutton', 'attachment']);

export interface SignNowSimulatorOptions {
	/** Seconds an access token lives (SignNow: 2592000, 30 days). */
	tokenLifetimeSeconds?: number;
	/** `hex` (the default, as SignNow's integrations verify) or `base64` of the HMAC digest. */
	signatureEncoding?: 'hex' | 'base64';
	/**
	 * Retries and timeout of callback deliveries. SignNow publishes no retry schedule, so by
	 * default the simulator invents none (no retry); a test that needs retries passes its delays.
	 */
	callbacks?: {
		/** Delay before retry 1, 2, … of a failed delivery, in ms; empty (the default): no retry. */
		retryDelaysMs?: number[];
		/** How long one attempt may take before it counts as failed (default 10 s). */
		timeoutMs?: number;
	};
}

export interface SignNowSimulator {
	url: string;
	state: SignNowState;
	application: { clientId: string; clientSecret: string };
	user: { id: string; email: string; password: string };
	/** An API key of `user`, as generated in SignNow's API dashboard. */
	apiKey: string;
	/** Resolves when every callback attempt queued so far has been answered (or timed out). */
	settled(options?: SettleOptions): Promise<void>;
	close(): Promise<void>;
}

class SignNowError extends Error {
	constructor(
		readonly status: number,
		readonly code: number,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}
}

function fail(status: number, code: number, message: string): never {
	throw new SignNowError(status, code, message);
}

const now = () => Math.floor(Date.now() / 1000);

/* ------------------------------------------------------------------------------------------ */
/* Authentication                                                                              */
/* ------------------------------------------------------------------------------------------ */

function basicClient(state: SignNowState, request: IncomingMessage): string {
	const header = request.headers.authorization ?? '';
	const match = /^Basic\s+(.+)$/i.exec(header);
	if (!match) fail(401, 65536, 'invalid_client');
	const decoded = Buffer.from(match[1], 'base64').toString('utf8');
	const separator = decoded.indexOf(':');
	const clientId = decoded.slice(0, separator);
	const app = state.applications.get(clientId);
	if (separator < 0 || !app || app.clientSecret !== decoded.slice(separator + 1)) fail(401, 65536, 'invalid_client');
	return clientId;
}

function bearer(state: SignNowState, request: IncomingMessage): { token: SimToken; user: SimUser } {
	const header = request.headers.authorization ?? '';
	const match = /^Bearer\s+(\S+)$/i.exec(header);
	if (!match) fail(401, 1537, 'invalid_token');
	const token = state.tokens.get(match[1]);
	if (!token || token.revoked) fail(401, 1537, 'invalid_token');
	if (token.expiresAt <= Date.now()) fail(401, 1537, 'invalid_token');
	const user = state.users.get(token.userId);
	if (!user) fail(401, 1537, 'invalid_token');
	return { token, user };
}

function tokenAnswer(state: SignNowState, token: SimToken) {
	return {
		expires_in: state.tokenLifetimeSeconds,
		token_type: 'bearer',
		access_token: token.accessToken,
		refresh_token: token.refreshToken,
		scope: '*',
		last_login: now(),
	};
}

/**
 * The token request's parameters: form-encoded (what the official SDKs send) or multipart/form-data
 * (what SignNow's API reference sends, `curl -F`). Anything else is refused, as SignNow does.
 */
function tokenForm(request: IncomingMessage, body: Buffer): URLSearchParams {
	const contentType = request.headers['content-type'] ?? '';
	if (/^application\/x-www-form-urlencoded/i.test(contentType)) return new URLSearchParams(body.toString('utf8'));
	const parts = parseMultipart(contentType, body);
	if (parts) return new URLSearchParams(parts.filter((part) => part.fileName === undefined).map((part): [string, string] => [part.name, part.data.toString('utf8')]));
	fail(400, 65535, 'invalid_request: send the token request as application/x-www-form-urlencoded or multipart/form-data');
}

/** `GET /oauth2/token`: what SignNow knows of the Bearer token (the SDKs' "verify access token"). */
function verifyToken(state: SignNowState, auth: { token: SimToken }) {
	// API keys do not expire; SignNow documents no value for them, so they report a full lifetime.
	const remaining = Number.isFinite(auth.token.expiresAt) ? Math.max(0, Math.floor((auth.token.expiresAt - Date.now()) / 1000)) : state.tokenLifetimeSeconds;
	// As SignNow answers it: expires_in as a string of the seconds left.
	return { access_token: auth.token.accessToken, scope: '*', expires_in: String(remaining), token_type: 'bearer' };
}

function handleToken(state: SignNowState, request: IncomingMessage, body: Buffer) {
	const clientId = basicClient(state, request);
	const form = tokenForm(request, body);
	const grant = form.get('grant_type') ?? '';
	state.tokenGrants.push(grant);
	if (grant === 'password') {
		const user = state.userByEmail(form.get('username') ?? '');
		if (!user || user.password !== form.get('password')) fail(401, 65538, 'invalid_grant: wrong username or password');
		return tokenAnswer(state, state.issueToken(user.id, clientId));
	}
	if (grant === 'authorization_code') {
		const code = form.get('code') ?? '';
		const entry = state.authorizationCodes.get(code);
		if (!entry || entry.clientId !== clientId) fail(401, 65538, 'invalid_grant: unknown or used authorization code');
		state.authorizationCodes.delete(code);
		return tokenAnswer(state, state.issueToken(entry.userId, clientId));
	}
	if (grant === 'refresh_token') {
		const refresh = form.get('refresh_token') ?? '';
		const old = [...state.tokens.values()].find((token) => token.refreshToken === refresh && !token.revoked);
		if (!old || old.clientId !== clientId) fail(401, 65538, 'invalid_grant: unknown refresh token');
		old.revoked = true;
		return tokenAnswer(state, state.issueToken(old.userId, clientId));
	}
	fail(400, 65537, `unsupported_grant_type: ${grant || '(none)'}`);
}

/* ------------------------------------------------------------------------------------------ */
/* Documents                                                                                   */
/* ------------------------------------------------------------------------------------------ */

function ownedDocument(state: SignNowState, user: SimUser, id: string): SimDocument {
	const document = state.documents.get(id);
	if (!document || document.ownerId !== user.id) fail(404, 65582, 'Document not found');
	return document;
}

function documentJson(state: SignNowState, document: SimDocument) {
	const owner = state.users.get(document.ownerId);
	const sizes = pdfPageSizes(document.original);
	return {
		id: document.id,
		user_id: document.ownerId,
		document_name: document.name,
		page_count: String(document.pageCount),
		created: String(document.created),
		updated: String(document.updated),
		original_filename: document.originalFileName,
		owner: owner?.email,
		origin_document_id: null,
		roles: document.roles.map((role) => ({ ...role })),
		fields: document.fields.map((field) => ({
			id: field.id,
			type: field.type,
			role_id: field.role_id,
			role: field.role,
			originator: owner?.email,
			fulfiller: null,
			json_attributes: {
				page_number: field.page_number,
				x: field.x,
				y: field.y,
				width: field.width,
				height: field.height,
				required: field.required,
				label: field.label,
				name: field.name,
				validator_id: field.validator_id,
				prefilled_text: field.prefilled_text,
			},
			element_id: null,
		})),
		field_invites: document.fieldInvites.map((invite) => ({
			id: invite.id,
			status: invite.status,
			email: invite.email,
			role: invite.role,
			role_id: invite.role_id,
			created: String(invite.created),
			updated: String(invite.updated),
			expiration_time: String(invite.expiration_time),
			reminder: String(invite.reminder),
			is_embedded: invite.embedded === true,
		})),
		requests: document.requests.map((request) => ({ ...request })),
		signatures: document.signatures.map((signature, index) => ({ id: `sig${index}`, email: signature.email })),
		// The rest of SignNow's document resource (the SDK's DocumentViewResponse): this simulator
		// models no filled elements, attachments, integrations or groups, so those lists are empty.
		template: document.isTemplate === true,
		thumbnail: {
			small: `${state.environment}document/${document.id}/thumbnail?size=small`,
			medium: `${state.environment}document/${document.id}/thumbnail?size=medium`,
			large: `${state.environment}document/${document.id}/thumbnail?size=large`,
		},
		texts: [],
		checks: [],
		tags: [],
		version_time: document.updated,
		enumeration_options: [],
		attachments: [],
		routing_details: [],
		integrations: [],
		hyperlinks: [],
		radiobuttons: [],
		document_group_template_info: [],
		document_group_info: [],
		originator_organization_settings: [],
		field_validators: [],
		settings: { no_document_attachment: false, no_document_file_attachments: false },
		parent_id: document.folderId ?? documentsFolderId(document.ownerId),
		originator_logo: '',
		// Each page with its size from the PDF's MediaBox (the SDK's Page { src, size: { width, height } }).
		pages: Array.from({ length: document.pageCount }, (_, page) => ({
			src: `${state.environment}document/${document.id}/page/${page}`,
			size: sizes[page] ?? { width: 612, height: 792 },
		})),
	};
}

/** The id of a user's "Documents" folder, where uploads land: stable per user. */
function documentsFolderId(userId: string): string {
	return createHash('sha1').update(`documents:${userId}`).digest('hex');
}

/** Our PDFs' text tags, SignNow's simple syntax: {{t:s;r:y;o:"Signer 1";}} (t: s|i|t|c|d). */
function extractTags(pdf: Buffer, pageCount: number): Array<Omit<SimField, 'id' | 'role_id'>> {
	const text = pdf.toString('latin1');
	const fields: Array<Omit<SimField, 'id' | 'role_id'>> = [];
	const types: Record<string, string> = { s: 'signature', i: 'initials', t: 'text', c: 'checkbox', d: 'text' };
	const tag = /\{\{([^}]*)\}\}/g;
	let match: RegExpExecArray | null;
	let index = 0;
	while ((match = tag.exec(text)) !== null) {
		const attributes = Object.fromEntries(
			match[1]
				.split(';')
				.map((pair) => pair.split(':'))
				.filter((pair) => pair.length >= 2)
				.map(([key, ...rest]) => [key.trim(), rest.join(':').trim().replace(/^"|"$/g, '')]),
		);
		const type = types[attributes.t];
		if (!type || !attributes.o) continue;
		fields.push({
			type,
			role: attributes.o,
			page_number: Math.min(Number(attributes.p ?? 0) || 0, pageCount - 1),
			x: 72,
			y: 700 - 40 * index++,
			width: Number(attributes.w ?? 150),
			height: Number(attributes.h ?? 30),
			required: attributes.r !== 'n',
			label: attributes.l,
			validator_id: attributes.t === 'd' ? '13435fa6c2a17f83177fcbb5c4a9376ce85befeb' : undefined,
		});
	}
	return fields;
}

function handleUpload(state: SignNowState, user: SimUser, request: IncomingMessage, body: Buffer, extract: boolean) {
	const parts = parseMultipart(request.headers['content-type'], body);
	if (!parts) fail(400, 65535, 'Request must be multipart/form-data');
	const file = parts.find((part) => part.name === 'file' && part.fileName !== undefined);
	if (!file || file.data.length === 0) fail(400, 65535, 'The file field is required');
	// SignNow takes PDFs, office documents and images; a file claiming to be a PDF must be one.
	const extension = /\.([a-z0-9]+)$/i.exec(file.fileName ?? '')?.[1]?.toLowerCase() ?? '';
	if (!UPLOAD_EXTENSIONS.has(extension)) fail(400, 65535, `Invalid file type ".${extension}"`);
	if (extension === 'pdf' && !file.data.subarray(0, 5).equals(Buffer.from('%PDF-'))) fail(400, 65535, 'The file is not a valid PDF');
	const pageCount = extension === 'pdf' ? (pdfPageCount(file.data) ?? 1) : 1;
	const name = parts.find((part) => part.name === 'name')?.data.toString('utf8') || (file.fileName ?? 'document').replace(/\.[^.]+$/, '');
	const document: SimDocument = {
		id: hexId(),
		ownerId: user.id,
		name,
		originalFileName: file.fileName ?? 'document.pdf',
		pageCount,
		original: Buffer.from(file.data),
		created: now(),
		updated: now(),
		fields: [],
		roles: [],
		fieldInvites: [],
		requests: [],
		signatures: [],
	};
	if (extract) setFields(document, extractTags(file.data, pageCount));
	document.history = [{ event: 'created_document', email: user.email, created: document.created }];
	state.documents.set(document.id, document);
	return { id: document.id };
}

/** Replaces the fields; roles follow the fields, keeping the id of a role name already known. */
function setFields(document: SimDocument, fields: Array<Omit<SimField, 'id' | 'role_id'>>) {
	const roles: SimRole[] = [];
	for (const field of fields) {
		if (roles.some((role) => role.name === field.role)) continue;
		const existing = document.roles.find((role) => role.name === field.role);
		roles.push({ unique_id: existing?.unique_id ?? hexId(), signing_order: String(roles.length + 1), name: field.role });
	}
	document.roles = roles;
	document.fields = fields.map((field) => ({
		...field,
		id: hexId(),
		role_id: roles.find((role) => role.name === field.role)!.unique_id,
	}));
	document.updated = now();
}

function handlePutDocument(document: SimDocument, body: Buffer) {
	const payload = parseJson(body);
	if (!isObject(payload)) fail(400, 65535, 'Request body must be JSON');
	if (document.fieldInvites.some((invite) => invite.status === 'pending') || document.signatures.length > 0) {
		fail(400, 65639, 'Document is locked: it has a pending invite or is signed');
	}
	// SignNow answers a PUT with the document's id and the elements (filled values) it added:
	// placing fields adds none.
	const answer = { id: document.id, signatures: [], texts: [], checks: [], attachments: [], radiobuttons: [] };
	if (payload.fields === undefined) return answer;
	if (!Array.isArray(payload.fields)) fail(400, 65535, 'fields must be an array');
	const fields = payload.fields.map((raw, index): Omit<SimField, 'id' | 'role_id'> => {
		if (!isObject(raw)) fail(400, 65535, `fields[${index}] must be an object`);
		for (const key of ['x', 'y', 'width', 'height', 'page_number'] as const) {
			if (typeof raw[key] !== 'number' || !Number.isFinite(raw[key])) fail(400, 65535, `fields[${index}].${key} is required and must be a number`);
		}
		if (typeof raw.type !== 'string' || !FIELD_TYPES.has(raw.type)) fail(400, 65535, `fields[${index}].type "${String(raw.type)}" is not a valid field type`);
		if (typeof raw.role !== 'string' || raw.role.trim() === '') fail(400, 65535, `fields[${index}].role is required`);
		if (typeof raw.required !== 'boolean') fail(400, 65535, `fields[${index}].required is required and must be a boolean`);
		const page = raw.page_number as number;
		if (!Number.isInteger(page) || page < 0 || page >= document.pageCount) {
			fail(400, 65535, `fields[${index}].page_number ${page} does not exist: the document has ${document.pageCount} page(s), numbered from 0`);
		}
		if ((raw.x as number) < 0 || (raw.y as number) < 0 || (raw.width as number) <= 0 || (raw.height as number) <= 0) {
			fail(400, 65535, `fields[${index}] has an invalid position or size`);
		}
		return {
			type: raw.type,
			role: raw.role,
			page_number: page,
			x: raw.x as number,
			y: raw.y as number,
			width: raw.width as number,
			height: raw.height as number,
			required: raw.required,
			label: typeof raw.label === 'string' ? raw.label : undefined,
			name: typeof raw.name === 'string' ? raw.name : undefined,
			validator_id: typeof raw.validator_id === 'string' ? raw.validator_id : undefined,
		};
	});
	setFields(document, fields);
	return answer;
}

function renderDownload(state: SignNowState, document: SimDocument, withHistory: boolean): Buffer {
	const owner = state.users.get(document.ownerId)?.email ?? 'owner';
	const history = withHistory
		? [
				{ event: 'uploaded', email: owner, at: new Date(document.created * 1000).toISOString() },
				...document.signatures.map((signature) => ({ event: 'signed', email: signature.email, at: signature.signedAt })),
			]
		: undefined;
	if (document.signatures.length === 0) {
		// Not signed: the collapsed current state is the original (plus history when asked).
		return history ? signedPdf(document.name, document.pageCount, [], history) : document.original;
	}
	return signedPdf(document.name, document.pageCount, document.signatures, history);
}

/* ------------------------------------------------------------------------------------------ */
/* Invites                                                                                     */
/* ------------------------------------------------------------------------------------------ */

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

async function handleInvite(state: SignNowState, user: SimUser, document: SimDocument, body: Buffer, emit: Emit) {
	const payload = parseJson(body);
	if (!isObject(payload)) fail(400, 65535, 'Request body must be JSON');
	if (typeof payload.from !== 'string' || payload.from.toLowerCase() !== user.email.toLowerCase()) {
		fail(400, 65535, '"from" must be the email address of the document owner');
	}
	if (typeof payload.to === 'string') {
		// Free-form invite: the signer places their own signature; only for documents without fields.
		if (!EMAIL.test(payload.to)) fail(400, 65535, `"${payload.to}" is not a valid email address`);
		if (document.fields.length > 0) fail(400, 65535, 'This document has fields: send a role-based invite');
		if (payload.to.toLowerCase() === user.email.toLowerCase()) fail(400, 65535, 'You cannot invite yourself');
		const request = {
			id: hexId(),
			signer_email: payload.to,
			originator_email: user.email,
			signature_id: null,
			canceled: null,
			created: now(),
			updated: now(),
		};
		document.requests.push(request);
		document.updated = now();
		inBackground(emit(document, 'document.freeform.create', { invite_id: request.id, signer_email: request.signer_email }));
		return { result: 'success', id: request.id, callback_url: 'none' };
	}
	if (!Array.isArray(payload.to) || payload.to.length === 0) fail(400, 65535, '"to" is required');
	if (document.fields.length === 0) fail(400, 65535, 'The document has no fields: add fields or send a free-form invite');
	if (document.fieldInvites.some((invite) => invite.status === 'pending')) fail(400, 65535, 'The document already has a pending invite');
	const invites = payload.to.map((raw, index) => {
		if (!isObject(raw)) fail(400, 65535, `to[${index}] must be an object`);
		if (typeof raw.email !== 'string' || !EMAIL.test(raw.email)) fail(400, 65535, `to[${index}].email is not a valid email address`);
		// `role_id` may be empty or left out (SignNow's reference and SDKs show `"role_id": ""`):
		// then the role name picks the role.
		const byId = typeof raw.role_id === 'string' && raw.role_id !== '';
		const role = byId
			? document.roles.find((candidate) => candidate.unique_id === raw.role_id)
			: document.roles.find((candidate) => candidate.name === raw.role);
		if (!role) {
			if (byId) fail(400, 65535, `to[${index}].role_id "${String(raw.role_id)}" is not a role of this document`);
			fail(400, 65535, `to[${index}].role "${String(raw.role)}" is not a role of this document`);
		}
		if (typeof raw.role === 'string' && raw.role !== role.name) fail(400, 65535, `to[${index}].role does not match role_id`);
		if (typeof raw.order !== 'number' || !Number.isInteger(raw.order) || raw.order < 1) fail(400, 65535, `to[${index}].order must be a positive integer`);
		const expirationDays = raw.expiration_days === undefined ? 30 : Number(raw.expiration_days);
		if (!Number.isInteger(expirationDays) || expirationDays < 1 || expirationDays > 180) fail(400, 65535, `to[${index}].expiration_days must be 1–180`);
		return {
			id: hexId(),
			status: 'pending' as const,
			email: raw.email,
			role: role.name,
			role_id: role.unique_id,
			order: raw.order,
			created: now(),
			updated: now(),
			expiration_time: now() + expirationDays * 86400,
			reminder: Number(raw.reminder ?? 0),
		};
	});
	const invitedRoles = new Set(invites.map((invite) => invite.role_id));
	const missing = document.roles.filter((role) => !invitedRoles.has(role.unique_id));
	if (missing.length > 0) fail(400, 65535, `Every role needs a signer; missing: ${missing.map((role) => role.name).join(', ')}`);
	document.fieldInvites = invites;
	document.updated = now();
	for (const invite of invites) document.history?.push({ event: 'create_field_invite', email: invite.email, created: now() });
	for (const invite of invites) {
		inBackground(emit(document, 'document.fieldinvite.create', { invite_id: invite.id, signer_email: invite.email, role: invite.role }));
	}
	return { status: 'success' };
}

/* ------------------------------------------------------------------------------------------ */
/* Event subscriptions and callbacks                                                           */
/* ------------------------------------------------------------------------------------------ */

function subscriptionJson(subscription: SimSubscription, state: SignNowState) {
	return {
		id: subscription.id,
		event: subscription.event,
		entity_id: subscription.entity_id,
		entity_unique_id: subscription.entity_id,
		action: subscription.action,
		application_name: state.applications.get(subscription.clientId ?? '')?.name ?? 'API key',
		json_attributes: {
			use_tls12: subscription.attributes.use_tls_12 ?? false,
			docid_queryparam: subscription.attributes.docid_queryparam ?? false,
			callback_url: subscription.attributes.callback,
			delete_access_token: subscription.attributes.delete_access_token ?? false,
			include_metadata: subscription.attributes.include_metadata ?? false,
			integration_id: subscription.attributes.integration_id ?? null,
			headers: subscription.attributes.headers ?? null,
		},
		created: subscription.created,
	};
}

function handleCreateSubscription(state: SignNowState, auth: { token: SimToken; user: SimUser }, body: Buffer) {
	const payload = parseJson(body);
	if (!isObject(payload)) fail(400, 65535, 'Request body must be JSON');
	const event = payload.event;
	if (typeof event !== 'string' || !SIGNNOW_SIM_EVENTS.includes(event)) fail(400, 65535, `"${String(event)}" is not a supported event`);
	if (payload.action !== 'callback') fail(400, 65535, 'action must be "callback"');
	const entityId = String(payload.entity_id ?? '');
	if (event.startsWith('user.')) {
		if (entityId !== auth.user.id) fail(400, 65535, 'entity_id must be the id of the current user for user events');
	} else {
		ownedDocument(state, auth.user, entityId);
	}
	const attributes = payload.attributes;
	if (!isObject(attributes) || typeof attributes.callback !== 'string' || !/^https?:\/\/\S+$/.test(attributes.callback)) {
		fail(400, 65535, 'attributes.callback must be a URL');
	}
	const secretKey =
		typeof payload.secret_key === 'string' ? payload.secret_key : typeof attributes.secret_key === 'string' ? attributes.secret_key : undefined;
	const subscription: SimSubscription = {
		id: hexId(),
		event,
		entity_id: entityId,
		ownerId: auth.user.id,
		clientId: auth.token.clientId,
		action: 'callback',
		secretKey,
		attributes: {
			callback: attributes.callback,
			use_tls_12: attributes.use_tls_12 === true,
			docid_queryparam: attributes.docid_queryparam === true,
			delete_access_token: attributes.delete_access_token === true,
			include_metadata: attributes.include_metadata === true,
			integration_id: typeof attributes.integration_id === 'string' ? attributes.integration_id : undefined,
			headers: isObject(attributes.headers) ? (attributes.headers as Record<string, string>) : undefined,
		},
		creatorToken: auth.token.accessToken,
		created: now(),
	};
	state.subscriptions.set(subscription.id, subscription);
	return {};
}

/** Fires an event: resolves when the first attempt of each matching callback has been answered. */
type Emit = (document: SimDocument, event: string, content: Record<string, unknown>) => Promise<void>;

type Callback = Omit<SimDelivery, 'status' | 'error' | 'attempt'>;

/**
 * SignNow sends callbacks from a worker, not from the API call that caused the event: one after
 * another in event (then subscription) order. A failed attempt (no answer within the timeout, a
 * network error, a non-2xx status) is sent again, same body and signature, after the next delay.
 */
function callbackSender(state: SignNowState, worker: CallbackWorker, timeoutMs: number) {
	async function post(callback: Callback, attempt: number): Promise<void> {
		const answer = await attemptDelivery(callback.url, callback.rawBody, callback.headers, timeoutMs);
		state.deliveries.push({ ...callback, status: answer.status, attempt, ...(answer.status === 0 ? { error: answer.body } : {}) });
		// `attempt` counts retries from 0, the worker's schedule counts them from 1.
		const retryInMs = answer.status >= 200 && answer.status < 300 ? null : worker.retryDelay(attempt + 1);
		if (retryInMs !== null) worker.schedule(retryInMs, () => post(callback, attempt + 1));
	}
	/** Resolves when the first attempt of each of `callbacks` has been answered. */
	return async (callbacks: Callback[]): Promise<void> => {
		await Promise.all(callbacks.map((callback) => worker.run(() => post(callback, 0))));
	};
}

function makeEmitter(state: SignNowState, encoding: 'hex' | 'base64', send: (callbacks: Callback[]) => Promise<void>): Emit {
	return async (document, event, extra) => {
		const targets = [...state.subscriptions.values()].filter(
			(subscription) =>
				(subscription.event === event && subscription.entity_id === document.id) ||
				(subscription.event === `user.${event}` && subscription.entity_id === document.ownerId),
		);
		const callbacks: Callback[] = targets.map((subscription) => {
			const meta: Record<string, unknown> = {
				timestamp: now(),
				event: subscription.event,
				environment: state.environment,
				initiator_id: document.ownerId,
				callback_url: subscription.attributes.callback,
			};
			if (!subscription.attributes.delete_access_token) meta.access_token = subscription.creatorToken;
			const content = { document_id: document.id, document_name: document.name, user_id: document.ownerId, ...extra };
			const rawBody = JSON.stringify({ meta, content });
			const headers: Record<string, string> = { 'content-type': 'application/json', ...(subscription.attributes.headers ?? {}) };
			if (subscription.secretKey) {
				headers['x-signnow-signature'] = createHmac('sha256', subscription.secretKey).update(rawBody).digest(encoding);
			}
			const url = subscription.attributes.docid_queryparam
				? `${subscription.attributes.callback}${subscription.attributes.callback.includes('?') ? '&' : '?'}document_id=${document.id}`
				: subscription.attributes.callback;
			return { subscriptionId: subscription.id, url, event: subscription.event, rawBody, headers };
		});
		await send(callbacks);
	};
}

/**
 * An event caused by an API call: its callbacks go out in the background, so the call answers
 * without waiting for (or failing because of) the callback URL.
 */
function inBackground(delivery: Promise<void>): void {
	void delivery.catch(() => undefined);
}

/* ------------------------------------------------------------------------------------------ */
/* Control: what people do in SignNow's web app                                                */
/* ------------------------------------------------------------------------------------------ */

/** Signs as `email` (or as every pending signer); completes the document when nobody is left. */
async function simulateSign(state: SignNowState, emit: Emit, payload: Record<string, unknown>) {
	const document = state.documents.get(String(payload.documentId ?? ''));
	if (!document) fail(404, 65582, 'Document not found');
	const email = typeof payload.email === 'string' ? payload.email.toLowerCase() : undefined;
	const decline = payload.decline === true;
	const signedAt = new Date(Date.UTC(2026, 0, 1, 12, 0, document.signatures.length)).toISOString();
	const pendingInvites = document.fieldInvites.filter((invite) => invite.status === 'pending' && (!email || invite.email.toLowerCase() === email));
	const pendingRequests = document.requests.filter((request) => !request.canceled && !request.signature_id && (!email || request.signer_email.toLowerCase() === email));
	if (pendingInvites.length === 0 && pendingRequests.length === 0) fail(400, 65535, 'No pending invite for this signer');
	for (const invite of pendingInvites) {
		invite.status = decline ? 'declined' : 'fulfilled';
		invite.updated = now();
		document.history?.push({ event: decline ? 'decline_field_invite' : 'fulfilled_field_invite', email: invite.email, created: now() });
		if (!decline) document.signatures.push({ email: invite.email, signedAt });
		await emit(document, decline ? 'document.fieldinvite.decline' : 'document.fieldinvite.signed', { invite_id: invite.id, signer_email: invite.email, role: invite.role });
	}
	for (const request of pendingRequests) {
		if (decline) {
			request.canceled = true;
		} else {
			request.signature_id = hexId();
			document.signatures.push({ email: request.signer_email, signedAt });
		}
		request.updated = now();
		await emit(document, decline ? 'document.freeform.decline' : 'document.freeform.signed', { invite_id: request.id, signer_email: request.signer_email });
	}
	const invitesDone = document.fieldInvites.length > 0 && document.fieldInvites.every((invite) => invite.status === 'fulfilled');
	const requestsDone = document.fieldInvites.length === 0 && document.requests.some((r) => r.signature_id) && document.requests.every((r) => r.canceled || r.signature_id);
	if (!decline && (invitesDone || requestsDone) && document.completedAt === undefined) {
		document.completedAt = now();
		document.updated = now();
		await emit(document, 'document.complete', {});
	}
	return { document_id: document.id, signed: document.signatures.length, completed: document.completedAt !== undefined };
}


/* ------------------------------------------------------------------------------------------ */
/* Templates, folders, prefilled texts, embedded invites, history, bulk invites (issue 14)     */
/* ------------------------------------------------------------------------------------------ */

/** The user's system folders (Root holding Documents, Templates, Archive, Trash Bin), made once. */
function systemFolders(state: SignNowState, userId: string) {
	const id = (name: string) => (name === 'Documents' ? documentsFolderId(userId) : createHash('sha1').update(`${name}:${userId}`).digest('hex'));
	const rootId = id('Root');
	if (!state.folders.has(rootId)) {
		state.folders.set(rootId, { id: rootId, name: 'Root', ownerId: userId, parentId: null, system: true, created: 1700000000 });
		for (const name of ['Documents', 'Templates', 'Archive', 'Trash Bin']) {
			state.folders.set(id(name), { id: id(name), name, ownerId: userId, parentId: rootId, system: true, created: 1700000000 });
		}
	}
	return { root: rootId, documents: id('Documents'), templates: id('Templates'), trash: id('Trash Bin') };
}

/** A folder of the user's own (as made in SignNow's web app), for tests. */
export function addFolder(state: SignNowState, userId: string, name: string, parentId?: string): string {
	const folders = systemFolders(state, userId);
	const id = hexId();
	state.folders.set(id, { id, name, ownerId: userId, parentId: parentId ?? folders.root, system: false, created: now() });
	return id;
}

function folderOfDocument(state: SignNowState, document: SimDocument): string {
	const folders = systemFolders(state, document.ownerId);
	return document.folderId ?? (document.isTemplate ? folders.templates : folders.documents);
}

function folderJson(state: SignNowState, folderId: string, user: SimUser, url: URL) {
	const folder = state.folders.get(folderId);
	if (!folder || folder.ownerId !== user.id) fail(404, 65582, 'Folder not found');
	const entityType = url.searchParams.get('entity_type') ?? 'document-all';
	if (!['document-all', 'all', 'document', 'document-group', 'dgt', 'template'].includes(entityType)) fail(400, 65535, `entity_type "${entityType}" is not supported`);
	const limit = Number(url.searchParams.get('limit') ?? 100);
	const offset = Number(url.searchParams.get('offset') ?? 0);
	if (!Number.isInteger(limit) || limit < 1 || limit > 100) fail(400, 65535, 'limit must be 1–100');
	if (!Number.isInteger(offset) || offset < 0) fail(400, 65535, 'offset must be 0 or more');
	const inFolder = [...state.documents.values()].filter((document) => document.ownerId === user.id && folderOfDocument(state, document) === folder.id);
	const matching = inFolder.filter((document) =>
		entityType === 'all' ? true : entityType === 'template' ? document.isTemplate === true : entityType === 'document' || entityType === 'document-all' ? document.isTemplate !== true : false,
	);
	const children = [...state.folders.values()].filter((child) => child.parentId === folder.id);
	const count = (id: string, templates: boolean) => [...state.documents.values()].filter((d) => d.ownerId === user.id && folderOfDocument(state, d) === id && (d.isTemplate === true) === templates).length;
	return {
		id: folder.id,
		created: String(folder.created),
		name: folder.name,
		user_id: user.id,
		parent_id: folder.parentId,
		system_folder: folder.system,
		shared: false,
		folders: children.map((child) => ({
			id: child.id,
			user_id: user.id,
			name: child.name,
			created: String(child.created),
			shared: false,
			document_count: String(count(child.id, false)),
			template_count: String(count(child.id, true)),
			folder_count: String([...state.folders.values()].filter((f) => f.parentId === child.id).length),
		})),
		total_documents: matching.length,
		documents: matching.sort((a, b) => b.updated - a.updated || a.id.localeCompare(b.id)).slice(offset, offset + limit).map((document) => documentJson(state, document)),
	};
}

/** A document's copy as a template or a template's copy as a document: pages, fields and roles, no invites. */
function copyDocument(state: SignNowState, source: SimDocument, name: string, asTemplate: boolean): SimDocument {
	const copy: SimDocument = {
		id: hexId(),
		ownerId: source.ownerId,
		name,
		originalFileName: source.originalFileName,
		pageCount: source.pageCount,
		original: source.original,
		created: now(),
		updated: now(),
		fields: [],
		roles: [],
		fieldInvites: [],
		requests: [],
		signatures: [],
		isTemplate: asTemplate,
		history: [{ event: asTemplate ? 'created_template' : 'created_document', email: state.users.get(source.ownerId)?.email ?? '', created: now() }],
	};
	setFields(
		copy,
		source.fields.map((field) => {
			const kept: Partial<SimField> = { ...field };
			delete kept.id;
			delete kept.role_id;
			return kept as Omit<SimField, 'id' | 'role_id'>;
		}),
	);
	state.documents.set(copy.id, copy);
	return copy;
}

function textOf(value: unknown, name: string, optional = false): string | undefined {
	if (value === undefined && optional) return undefined;
	if (typeof value !== 'string' || value.trim() === '') fail(400, 65535, `${name} is required`);
	return value;
}

function handlePrefillTexts(document: SimDocument, body: Buffer) {
	const payload = parseJson(body);
	if (!isObject(payload) || !Array.isArray(payload.fields) || payload.fields.length === 0) fail(400, 65535, 'fields is required and must be a non-empty array');
	if (document.isTemplate) fail(400, 65535, 'Prefill texts in a document made from the template, not in the template');
	if (document.fieldInvites.some((invite) => invite.status === 'pending') || document.signatures.length > 0) fail(400, 65639, 'Document is locked: it has a pending invite or is signed');
	const updates = payload.fields.map((raw, index) => {
		if (!isObject(raw)) fail(400, 65535, `fields[${index}] must be an object`);
		const name = textOf(raw.field_name, `fields[${index}].field_name`)!;
		if (typeof raw.prefilled_text !== 'string') fail(400, 65535, `fields[${index}].prefilled_text is required`);
		const targets = document.fields.filter((field) => field.type === 'text' && field.name === name);
		if (targets.length === 0) fail(400, 65535, `fields[${index}].field_name "${name}": the document has no text field with this name`);
		return { targets, text: raw.prefilled_text };
	});
	for (const { targets, text } of updates) for (const field of targets) field.prefilled_text = text;
	document.updated = now();
	return null;
}

function handleEmbeddedInvites(state: SignNowState, user: SimUser, document: SimDocument, body: Buffer) {
	const payload = parseJson(body);
	if (!isObject(payload) || !Array.isArray(payload.invites) || payload.invites.length === 0) fail(400, 65535, 'invites is required');
	if (document.isTemplate) fail(400, 65535, 'Embedded invites are for documents, not templates');
	if (document.fields.length === 0) fail(400, 65535, 'The document has no fields');
	if (document.fieldInvites.length > 0 || document.requests.length > 0) fail(400, 65535, 'The document already has an invite');
	const emails = new Set<string>();
	const invites = payload.invites.map((raw, index) => {
		if (!isObject(raw)) fail(400, 65535, `invites[${index}] must be an object`);
		const email = textOf(raw.email, `invites[${index}].email`)!;
		if (!EMAIL.test(email) || email.length > 150) fail(400, 65535, `invites[${index}].email is not a valid email address`);
		if (email.toLowerCase() === user.email.toLowerCase()) fail(400, 65535, 'The document owner cannot be a signer');
		if (emails.has(email.toLowerCase())) fail(400, 65535, 'Signers\' email addresses must be unique');
		emails.add(email.toLowerCase());
		const byId = typeof raw.role_id === 'string' && raw.role_id !== '';
		const role = byId ? document.roles.find((r) => r.unique_id === raw.role_id) : document.roles.find((r) => r.name === raw.role);
		if (!role) fail(400, 65535, `invites[${index}]: the role is not a role of this document`);
		if (typeof raw.role === 'string' && raw.role !== role.name) fail(400, 65535, `invites[${index}].role does not match role_id`);
		if (typeof raw.order !== 'number' || !Number.isInteger(raw.order) || raw.order < 1) fail(400, 65535, `invites[${index}].order must be a positive integer`);
		if (typeof raw.auth_method !== 'string' || !['password', 'email', 'mfa', 'social', 'biometric', 'other', 'none'].includes(raw.auth_method)) fail(400, 65535, `invites[${index}].auth_method is required`);
		return {
			id: hexId(),
			status: 'pending' as const,
			email,
			role: role.name,
			role_id: role.unique_id,
			order: raw.order,
			created: now(),
			updated: now(),
			expiration_time: now() + 30 * 86400,
			reminder: 0,
			embedded: true,
			redirectUri: typeof raw.redirect_uri === 'string' ? raw.redirect_uri : undefined,
		};
	});
	const missing = document.roles.filter((role) => !invites.some((invite) => invite.role_id === role.unique_id));
	if (missing.length > 0) fail(400, 65535, `Every role needs a signer; missing: ${missing.map((role) => role.name).join(', ')}`);
	document.fieldInvites = invites;
	document.updated = now();
	for (const invite of invites) document.history?.push({ event: 'create_embedded_invite', email: invite.email, created: now() });
	return { data: invites.map((invite) => ({ id: invite.id, email: invite.email, role_id: invite.role_id, order: invite.order, status: invite.status })) };
}

function handleEmbeddedLink(state: SignNowState, document: SimDocument, inviteId: string, body: Buffer, baseUrl: string) {
	const payload = parseJson(body);
	if (!isObject(payload)) fail(400, 65535, 'Request body must be JSON');
	const invite = document.fieldInvites.find((candidate) => candidate.id === inviteId);
	if (!invite || !invite.embedded) fail(404, 65582, 'Embedded invite not found');
	if (invite.status !== 'pending') fail(400, 65535, 'The invite is not pending');
	if (typeof payload.auth_method !== 'string') fail(400, 65535, 'auth_method is required');
	// The SDK documents `link_expiration` as 15–45 minutes or null (SignNow's default then).
	const minutes = payload.link_expiration === undefined || payload.link_expiration === null ? 15 : Number(payload.link_expiration);
	if (!Number.isInteger(minutes) || minutes < 15 || minutes > 45) fail(400, 65535, 'link_expiration must be 15–45 minutes');
	const token = hexId(24);
	state.signingLinks.set(token, { documentId: document.id, inviteId, expiresAt: Date.now() + minutes * 60_000 });
	return { data: { link: `${baseUrl}/webapp/document/${document.id}/invite?token=${token}` } };
}

function historyJson(state: SignNowState, document: SimDocument) {
	return (document.history ?? []).map((entry, index) => ({
		unique_id: createHash('sha1').update(`${document.id}:${index}`).digest('hex'),
		user_id: state.userByEmail(entry.email)?.id ?? null,
		document_id: document.id,
		client_app_name: 'signNow API',
		ip_address: '127.0.0.1',
		email: entry.email,
		event: entry.event,
		created: String(entry.created),
		client_timestamp: null,
		element_id: null,
		field_id: entry.field_id ?? null,
		json_attributes: null,
		origin: 'original',
	}));
}

/** A CSV line's cells (RFC 4180: quotes, doubled quotes inside). */
function csvCells(line: string): string[] {
	const cells: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < line.length; i++) {
		const c = line[i];
		if (quoted) {
			if (c === '"' && line[i + 1] === '"') {
				cell += '"';
				i++;
			} else if (c === '"') quoted = false;
			else cell += c;
		} else if (c === '"') quoted = true;
		else if (c === ',') {
			cells.push(cell);
			cell = '';
		}
		else cell += c;
	}
	cells.push(cell);
	return cells;
}

/**
 * `POST /template/{id}/bulkinvite`: a CSV with a header naming the template's one open role and
 * prefilled text fields, then one signer per line. SignNow queues the job and answers at once.
 */
async function handleBulkInvite(state: SignNowState, user: SimUser, template: SimDocument, request: IncomingMessage, body: Buffer, emit: Emit) {
	if (!template.isTemplate) fail(400, 65535, 'Bulk invites are sent from a template');
	const parts = parseMultipart(request.headers['content-type'], body);
	if (!parts) fail(400, 65535, 'Request must be multipart/form-data');
	const field = (name: string) => parts.find((part) => part.name === name && part.fileName === undefined)?.data.toString('utf8');
	const file = parts.find((part) => part.name === 'file' && part.fileName !== undefined);
	if (!file) fail(400, 65535, 'file is required');
	if (!/\.csv$/i.test(file.fileName ?? '')) fail(400, 65535, 'The file must be a .csv file');
	if (file.data.length > 1024 * 1024) fail(400, 65535, 'The file must be at most 1 MB');
	const folderId = field('folder_id');
	const folder = folderId ? state.folders.get(folderId) : undefined;
	if (!folder || folder.ownerId !== user.id) fail(400, 65535, 'folder_id must be a folder of the user');
	if (template.roles.length !== 1) fail(400, 65535, 'Bulk invite needs a template with exactly one unassigned role');
	const lines = file.data.toString('utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
	if (lines.length < 2) fail(400, 65535, 'The CSV has no signers');
	const header = csvCells(lines[0]);
	if (header[0] !== template.roles[0].name) fail(400, 65535, `The first column must be the role "${template.roles[0].name}"`);
	for (const name of header.slice(1)) {
		if (!template.fields.some((f) => f.type === 'text' && f.name === name)) fail(400, 65535, `"${name}" is not a text field of the template`);
	}
	const rows = lines.slice(1).map((line, index) => {
		const cells = csvCells(line);
		if (!EMAIL.test(cells[0] ?? '')) fail(400, 65535, `Line ${index + 2}: "${cells[0]}" is not a valid email address`);
		return cells;
	});
	const documentName = field('document_name');
	const job = { templateId: template.id, folderId: folder.id, documentIds: [] as string[], subject: field('subject'), emailMessage: field('email_message'), documentName };
	state.bulkInvites.push(job);
	for (const cells of rows) {
		const document = copyDocument(state, template, documentName ? `${documentName} ${cells[0]}` : template.name, false);
		document.folderId = folder.id;
		for (const [column, name] of header.slice(1).entries()) {
			for (const target of document.fields.filter((f) => f.type === 'text' && f.name === name)) if (cells[column + 1]) target.prefilled_text = cells[column + 1];
		}
		const role = document.roles[0];
		const invite = { id: hexId(), status: 'pending' as const, email: cells[0], role: role.name, role_id: role.unique_id, order: 1, created: now(), updated: now(), expiration_time: now() + 30 * 86400, reminder: 0 };
		document.fieldInvites = [invite];
		document.history?.push({ event: 'create_field_invite', email: invite.email, created: now() });
		job.documentIds.push(document.id);
		inBackground(emit(document, 'document.fieldinvite.create', { invite_id: invite.id, signer_email: invite.email, role: invite.role }));
	}
	return { status: 'job queued' };
}

/** The issue-14 routes: an answer (null: 204), or undefined when the request is not one of them. */
async function templateRoutes(
	state: SignNowState,
	user: SimUser,
	emit: Emit,
	method: string,
	segments: string[],
	url: URL,
	request: IncomingMessage,
	body: Buffer,
): Promise<unknown> {
	const baseUrl = `http://${request.headers.host ?? '127.0.0.1'}`;
	if (segments[0] === 'folder' && method === 'GET') {
		const folders = systemFolders(state, user.id);
		if (segments.length === 1) return folderJson(state, folders.root, user, url);
		if (segments.length === 2) return folderJson(state, segments[1], user, url);
	}
	if (segments[0] === 'template' && method === 'POST') {
		if (segments.length === 1) {
			const payload = parseJson(body);
			if (!isObject(payload)) fail(400, 65535, 'Request body must be JSON');
			const source = ownedDocument(state, user, textOf(payload.document_id, 'document_id')!);
			if (source.isTemplate) fail(400, 65535, 'The document is a template already');
			if (source.fieldInvites.length > 0 || source.requests.length > 0 || source.signatures.length > 0) fail(400, 65535, 'Only a document that was not sent for signing can become a template');
			const template = copyDocument(state, source, textOf(payload.document_name, 'document_name')!, true);
			return { id: template.id };
		}
		if (segments.length === 3 && segments[2] === 'copy') {
			const template = ownedDocument(state, user, segments[1]);
			if (!template.isTemplate) fail(400, 65535, 'The document is not a template');
			const payload = parseJson(body);
			const name = isObject(payload) && typeof payload.document_name === 'string' && payload.document_name !== '' ? payload.document_name : template.name;
			const document = copyDocument(state, template, name, false);
			return { id: document.id, name: document.name };
		}
		if (segments.length === 3 && segments[2] === 'bulkinvite') {
			return await handleBulkInvite(state, user, ownedDocument(state, user, segments[1]), request, body, emit);
		}
	}
	if (segments[0] === 'document' && segments.length === 3 && segments[2] === 'history' && method === 'GET') {
		return historyJson(state, ownedDocument(state, user, segments[1]));
	}
	if (segments[0] === 'v2' && segments[1] === 'documents' && segments.length >= 4) {
		const document = ownedDocument(state, user, segments[2]);
		if (segments[3] === 'prefill-texts' && segments.length === 4 && method === 'PUT') return handlePrefillTexts(document, body);
		if (segments[3] === 'embedded-invites') {
			if (segments.length === 4 && method === 'POST') return handleEmbeddedInvites(state, user, document, body);
			if (segments.length === 4 && method === 'DELETE') {
				if (!document.fieldInvites.some((invite) => invite.embedded)) fail(400, 65535, 'The document has no embedded invite');
				document.fieldInvites = document.fieldInvites.filter((invite) => !invite.embedded || invite.status !== 'pending');
				return null;
			}
			if (segments.length === 6 && segments[5] === 'link' && method === 'POST') return handleEmbeddedLink(state, document, segments[4], body, baseUrl);
		}
	}
	return undefined;
}

/* ------------------------------------------------------------------------------------------ */
/* Reconciliation: the user's document list (kept apart for merging)                          */
/* ------------------------------------------------------------------------------------------ */

/**
 * GET /user/documentsv2 ("Get user documents"): every document the user owns, as the document
 * resource, most recently updated first. SignNow's call takes no "changed since" filter; a
 * caller filters on `updated` itself.
 */
function userDocuments(state: SignNowState, user: SimUser) {
	return [...state.documents.values()]
		.filter((document) => document.ownerId === user.id)
		.sort((a, b) => b.updated - a.updated)
		.map((document) => documentJson(state, document));
}

/* ------------------------------------------------------------------------------------------ */
/* Routing                                                                                     */
/* ------------------------------------------------------------------------------------------ */

async function route(
	state: SignNowState,
	emit: Emit,
	request: IncomingMessage,
	response: ServerResponse,
	body: Buffer,
): Promise<void> {
	const url = new URL(request.url ?? '/', 'http://simulator');
	const path = url.pathname.replace(/\/+$/, '') || '/';
	const method = request.method ?? 'GET';
	const segments = path.split('/').filter(Boolean);

	// ---- control routes
	if (segments[0] === '__sim') {
		const payload = (parseJson(body) ?? {}) as Record<string, unknown>;
		if (method === 'POST' && segments[1] === 'sign') return sendJson(response, 200, await simulateSign(state, emit, payload));
		if (method === 'POST' && segments[1] === 'expire-tokens') return sendJson(response, 200, { expired: state.expireAccessTokens() });
		if (method === 'POST' && segments[1] === 'rate-limit') {
			state.faults.rateLimitNext = Number(payload.count ?? 1);
			state.faults.retryAfterSeconds = Number(payload.retryAfter ?? 1);
			return sendJson(response, 200, { ...state.faults });
		}
		if (method === 'GET' && segments[1] === 'state') {
			return sendJson(response, 200, {
				documents: [...state.documents.values()].map((document) => documentJson(state, document)),
				subscriptions: [...state.subscriptions.values()].map((subscription) => subscriptionJson(subscription, state)),
				deliveries: state.deliveries,
				tokenGrants: state.tokenGrants,
			});
		}
		return sendJson(response, 404, { error: 'unknown control route' });
	}

	// The consent page of app.signnow.com/authorize: approves at once as the default user.
	if (method === 'GET' && path === '/authorize') {
		const clientId = url.searchParams.get('client_id') ?? '';
		const redirectUri = url.searchParams.get('redirect_uri') ?? '';
		if (!state.applications.has(clientId)) return sendJson(response, 400, { errors: [{ code: 65536, message: 'invalid_client' }] });
		if (url.searchParams.get('response_type') !== 'code') return sendJson(response, 400, { errors: [{ code: 65537, message: 'unsupported_response_type' }] });
		const code = hexId(16);
		const user = [...state.users.values()][0];
		state.authorizationCodes.set(code, { userId: user.id, clientId, redirectUri });
		const target = new URL(redirectUri);
		target.searchParams.set('code', code);
		const stateParam = url.searchParams.get('state');
		if (stateParam) target.searchParams.set('state', stateParam);
		response.writeHead(302, { location: target.toString() });
		response.end();
		return;
	}

	if (method === 'POST' && path === '/oauth2/token') return sendJson(response, 200, handleToken(state, request, body));

	// Rate limiting applies to API calls, after authentication is known to be well-formed.
	if (state.faults.rateLimitNext > 0) {
		state.faults.rateLimitNext--;
		state.faults.rateLimited++;
		throw new SignNowError(429, 65600, 'Too Many Requests: rate limit exceeded', {
			'retry-after': String(state.faults.retryAfterSeconds),
		});
	}

	// Listing through the legacy path authenticates with the application's Basic credentials.
	if (method === 'GET' && path === '/api/v2/events') {
		const clientId = basicClient(state, request);
		const data = [...state.subscriptions.values()].filter((s) => s.clientId === clientId).map((s) => subscriptionJson(s, state));
		return sendJson(response, 200, { data });
	}

	const auth = bearer(state, request);
	const { user } = auth;

	if (method === 'GET' && path === '/user') {
		return sendJson(response, 200, {
			id: user.id,
			first_name: user.firstName,
			last_name: user.lastName,
			active: '1',
			verified: '1',
			primary_email: user.email,
			emails: [user.email],
			created: '1700000000',
			// The rest of SignNow's user resource (the SDK's UserGetResponse), for a plain account.
			subscriptions: [],
			cloud_export_account_details: null,
			is_logged_in: true,
			billing_period: { start_date: '2026-12-01', end_date: '2026-12-31', start_timestamp: 1796083200, end_timestamp: 1798675199 },
			companies: [],
			registration_source: null,
			teams: [],
			settings: { no_user_signature_return: '0' },
			organization_settings: [],
			merchant_accounts: [],
		});
	}
	if (method === 'GET' && path === '/oauth2/token') return sendJson(response, 200, verifyToken(state, auth));
	if (method === 'POST' && path === '/document') return sendJson(response, 200, handleUpload(state, user, request, body, false));
	if (method === 'POST' && path === '/document/fieldextract') return sendJson(response, 200, handleUpload(state, user, request, body, true));

	if (method === 'GET' && path === '/user/documentsv2') return sendJson(response, 200, userDocuments(state, user));
	const issue14 = await templateRoutes(state, user, emit, method, segments, url, request, body);
	if (issue14 !== undefined) {
		if (issue14 === null) {
			response.writeHead(204);
			response.end();
			return;
		}
		return sendJson(response, 200, issue14);
	}

	if (segments[0] === 'document' && segments.length >= 2) {
		const document = ownedDocument(state, user, segments[1]);
		if (segments.length === 2) {
			if (method === 'GET') return sendJson(response, 200, documentJson(state, document));
			if (method === 'PUT') return sendJson(response, 200, handlePutDocument(document, body));
			if (method === 'DELETE') {
				if (document.fieldInvites.some((invite) => invite.status === 'pending')) fail(400, 65535, 'Cancel the pending invite before deleting the document');
				state.documents.delete(document.id);
				inBackground(emit(document, 'document.delete', {}));
				return sendJson(response, 200, { status: 'success' });
			}
		}
		if (segments[2] === 'download' && method === 'GET') {
			const type = url.searchParams.get('type');
			if (type !== null && type !== 'collapsed' && type !== 'zip') fail(400, 65535, `type "${type}" is not supported`);
			const bytes = renderDownload(state, document, url.searchParams.get('with_history') === '1');
			return sendBytes(response, 200, bytes, {
				'content-type': 'application/pdf',
				// A name beyond Latin-1 (an en dash) cannot go raw into a header: an ASCII fallback and RFC 6266's filename*.
				'content-disposition': `attachment; filename="${document.name.replace(/[^\x20-\x7e]/g, '_').replace(/"/g, "'")}.pdf"; filename*=UTF-8''${encodeURIComponent(`${document.name}.pdf`)}`,
			});
		}
		if (segments[2] === 'invite' && method === 'POST') return sendJson(response, 200, await handleInvite(state, user, document, body, emit));
		if (segments[2] === 'fieldinvitecancel' && method === 'PUT') {
			const pending = document.fieldInvites.filter((invite) => invite.status === 'pending');
			if (pending.length === 0) fail(400, 65535, 'The document has no pending field invite');
			document.fieldInvites = document.fieldInvites.filter((invite) => invite.status !== 'pending');
			document.updated = now();
			return sendJson(response, 200, { status: 'success' });
		}
	}

	if (segments[0] === 'invite' && segments.length === 3 && segments[2] === 'cancel' && method === 'PUT') {
		for (const document of state.documents.values()) {
			if (document.ownerId !== user.id) continue;
			const invite = document.requests.find((candidate) => candidate.id === segments[1]);
			if (!invite) continue;
			if (invite.canceled || invite.signature_id) fail(400, 65535, 'The invite is not pending');
			invite.canceled = true;
			invite.updated = now();
			return sendJson(response, 200, { id: invite.id, status: 'success' });
		}
		fail(404, 65582, 'Invite not found');
	}

	if (method === 'POST' && path === '/api/v2/events') return sendJson(response, 200, handleCreateSubscription(state, auth, body));
	if (segments[0] === 'v2' && segments[1] === 'event-subscriptions') {
		if (method === 'GET' && segments.length === 2) {
			const data = [...state.subscriptions.values()].filter((s) => s.ownerId === user.id).map((s) => subscriptionJson(s, state));
			return sendJson(response, 200, { data });
		}
		if (method === 'DELETE' && segments.length === 3) {
			const subscription = state.subscriptions.get(segments[2]);
			if (!subscription || subscription.ownerId !== user.id) fail(404, 65582, 'Event subscription not found');
			state.subscriptions.delete(subscription.id);
			response.writeHead(204);
			response.end();
			return;
		}
	}

	sendJson(response, 404, { 404: `Unable to find a route to match the URI: ${path}` });
}

export async function startSignNowSimulator(options: SignNowSimulatorOptions = {}): Promise<SignNowSimulator> {
	const state = new SignNowState(options.tokenLifetimeSeconds ?? 2_592_000, 'https://api-eval.signnow.com/');
	const application = { clientId: hexId(16), clientSecret: hexId(16), name: 'n8n test app' };
	state.applications.set(application.clientId, application);
	const user: SimUser = { id: hexId(), email: 'owner@example.com', password: 'correct horse battery staple', firstName: 'Olive', lastName: 'Owner' };
	state.users.set(user.id, user);
	const apiKey = state.addApiKey(user.id);
	const worker = new CallbackWorker(options.callbacks?.retryDelaysMs ?? []);
	const emit = makeEmitter(state, options.signatureEncoding ?? 'hex', callbackSender(state, worker, options.callbacks?.timeoutMs ?? 10_000));
	const server: Listening = await listen(async (request, response, body) => {
		const path = new URL(request.url ?? '/', 'http://simulator').pathname;
		try {
			await route(state, emit, request, response, body);
		} catch (error) {
			if (!(error instanceof SignNowError)) throw error;
			sendJson(response, error.status, { errors: [{ code: error.code, message: error.message }] }, error.headers);
		}
		state.requests.push({ method: request.method ?? 'GET', path, authorization: request.headers.authorization, status: response.statusCode });
	});
	return {
		url: server.url,
		state,
		application: { clientId: application.clientId, clientSecret: application.clientSecret },
		user: { id: user.id, email: user.email, password: user.password },
		apiKey,
		settled: (options?: SettleOptions) => worker.settled(options),
		close: async () => {
			worker.close();
			await server.close();
		},
	};
}

/** The PDF a test uploads: a real, multi-page contract. */
export { contractPdf };
