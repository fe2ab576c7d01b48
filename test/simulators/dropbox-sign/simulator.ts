/**
 * Dropbox Sign's API v3 (`/v3`), for the calls the E-Signature node makes, as the API reference
 * and the official SDKs define them. Auth: HTTP Basic with the API key as user name and an empty
 * password, or `Authorization: Bearer <OAuth access token>`.
 *   POST /v3/signature_request/send (multipart/form-data, application/x-www-form-urlencoded or JSON: the files as
 *        `files[n]`, `files[]`, `file[n]`, `file[]`, `file`, or `file_urls`; the signers as bracketed fields
 *        `signers[n][email_address|name|order]` or as one JSON string `signers` (what the official SDKs send);
 *        title, subject, message, test_mode, use_text_tags, form_fields_per_document) → { signature_request }
 *   GET  /v3/signature_request/{id} → { signature_request }
 *   GET  /v3/signature_request/list?page&page_size → { signature_requests (newest created first), list_info: { page,
 *        num_pages, num_results, page_size } } (page_size 1-100, default 20; cancelled requests left out)
 *   POST /v3/signature_request/remind/{id} { email_address } (JSON, form or multipart) → { signature_request }
 *   POST /v3/signature_request/cancel/{id} → 200, empty body
 *   GET  /v3/signature_request/files/{id}?file_type=pdf → the PDF
 *   GET  /v3/account → { account }
 * Answers carry every property of the SDK models they map to (AccountResponse, SignatureRequestResponse,
 * ErrorResponse), as Dropbox Sign's OpenAPI document describes them, not only those the node reads.
 * Errors: { error: { error_msg, error_name, error_path? } } (401 unauthorized, 400 bad_request, 404 not_found,
 * 409 conflict). Callbacks go to the account callback URL as Dropbox Sign posts them, in the background
 * (the API call never waits for them): multipart/form-data with a `json` field, `event_hash` = hex
 * HMAC-SHA256(api key, event_time + event_type); anything but a 200 with `Hello API Event Received`
 * within 30 s is a failure, retried with the same event 6 times, each 3× later than the one before
 * from 5 minutes (5 min, 15 min, 45 min, 2 h 15, 6 h 45, 20 h 15: Dropbox Sign's documented pattern).
 *
 * Templates, embedded signing, bulk send and callback URLs (issue 14; the block "Templates, embedded
 * signing, bulk send, callback URLs" below):
 *   GET  /v3/template/list?page&page_size (1–100)&query → { templates, list_info, warnings }
 *   GET  /v3/template/{id} → { template, warnings }
 *   POST /v3/signature_request/send_with_template { template_ids, signers: [{ role, name, email_address }]
 *        (or `signers[Role][name|email_address]` in a form), custom_fields: [{ name, value }], title, subject,
 *        message, test_mode, client_id? } → { signature_request }
 *   POST /v3/signature_request/create_embedded_with_template: the same with a required client_id of one of
 *        the account's API apps; signers get no email, they sign through
 *   GET  /v3/embedded/sign_url/{signature_id} → { embedded: { sign_url, expires_at } } (embedded requests only)
 *   POST /v3/signature_request/bulk_send_with_template { template_ids, signer_list: [{ signers, custom_fields }] }
 *        → { bulk_send_job }; GET /v3/bulk_send_job/{id}?page&page_size → { bulk_send_job, list_info, signature_requests }
 *   PUT|POST /v3/account { callback_url } → { account }; GET|PUT /v3/api_app/{client_id} { callback_url } → { api_app }
 *   Events of a request created with a client_id also go to that app's callback URL (top-level client_id,
 *   event_metadata.reported_for_app_id). After the last signature the files are being prepared for
 *   `filesPreparationMs` (GET files answers 409 meanwhile), then `signature_request_downloadable` is sent.
 *
 * Control routes (not Dropbox Sign's): POST /__control/sign { signatureRequestId, email },
 * POST /__control/retry-failed (runs every pending retry now, same event_time). Both answer once
 * the callbacks they caused have been posted. POST /__control/template { title, roles: [name…],
 * fields: [name…] } creates a template (as the web app would) → { template_id }.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { attemptDelivery, CallbackWorker, type ScheduledRetry, type SettleOptions } from '../shared/callbacks';
import { buildMultipart, isObject, listen, parseJson, parseMultipart, pdfBytes, sendBytes, sendJson } from '../shared/http';

export const ACK = 'Hello API Event Received';

/** Dropbox Sign's callback retry pattern: 6 retries, 5 minutes first, each 3× the one before. */
export const CALLBACK_RETRY_DELAYS_MS = [5, 15, 45, 135, 405, 1215].map((minutes) => minutes * 60_000);
const CALLBACK_TIMEOUT_MS = 30_000;

/** Fields that carry a structure: the SDKs send them in forms as one JSON string each. */
const JSON_FIELDS = ['signers', 'file_urls', 'cc_email_addresses', 'metadata', 'form_fields_per_document', 'custom_fields', 'attachments', 'signing_options', 'field_options', 'form_field_groups', 'form_field_rules', 'grouped_signers'];
const FILE_PART = /^files?(\[\d*\])?$/;

interface Signature {
	signature_id: string;
	signer_email_address: string;
	signer_name: string;
	order: number | null;
	/** The template role the signer fills (requests sent from a template). */
	signer_role?: string | null;
	status_code: 'awaiting_signature' | 'signed' | 'declined';
	signed_at: number | null;
	last_reminded_at: number | null;
}

export interface SignatureRequest {
	signature_request_id: string;
	test_mode: boolean;
	title: string;
	subject: string;
	message: string;
	metadata: Record<string, unknown>;
	cc_email_addresses: string[];
	is_complete: boolean;
	is_declined: boolean;
	has_error: boolean;
	created_at: number;
	signatures: Signature[];
	files_url: string;
	details_url: string;
	cancelled: boolean;
	/** The API app the request was created with (`client_id`), null for none. */
	client_id?: string | null;
	/** Embedded requests (create_embedded…) are signed through sign URLs, not email. */
	embedded?: boolean;
	template_ids?: string[] | null;
	custom_fields?: Array<{ name: string; type: string; value: string; required: boolean; api_id: string; editor: null }>;
	bulk_send_job_id?: string | null;
	/** False while the files of a just-completed request are being prepared (GET files: 409). */
	files_ready?: boolean;
	/** `form_fields_per_document` as sent (not echoed by Dropbox Sign's response). */
	formFields: Array<Record<string, unknown>>;
	file: Buffer;
}

export interface DropboxSignSimulatorState {
	apiKey: string;
	accessTokens: Set<string>;
	accountId: string;
	callbackUrl?: string;
	requests: Map<string, SignatureRequest>;
	templates: Map<string, SimulatedTemplate>;
	apiApps: Map<string, { name: string; callback_url: string | null }>;
	bulkSendJobs: Map<string, { bulk_send_job_id: string; total: number; created_at: number; requestIds: string[] }>;
	/** Every attempt, in order; `retryInMs` is when it is tried again (null: acknowledged or given up). */
	callbacks: Array<{ url?: string; eventType: string; eventTime: string; json: string; status: number; body: string; acknowledged: boolean; attempt: number; retryInMs: number | null }>;
	now: () => number;
}

export interface SimulatedTemplate {
	template_id: string;
	title: string;
	message: string;
	updated_at: number;
	signer_roles: Array<{ name: string; order: number }>;
	/** Merge fields a sender fills through `custom_fields`. */
	custom_fields: string[];
}

function error(response: ServerResponse, status: number, name: string, message: string, path?: string) {
	sendJson(response, status, { error: { error_msg: message, error_name: name, ...(path ? { error_path: path } : {}) } });
}

class BadRequest extends Error {
	constructor(
		message: string,
		readonly path?: string,
	) {
		super(message);
	}
}

function hexId(): string {
	return randomBytes(20).toString('hex');
}

/** A signature request as the API answers it: every property of SignatureRequestResponse. */
function publicRequest(request: SignatureRequest, requesterEmail: string) {
	return {
		test_mode: request.test_mode,
		signature_request_id: request.signature_request_id,
		requester_email_address: requesterEmail,
		title: request.title,
		original_title: request.title,
		subject: request.subject,
		message: request.message,
		metadata: request.metadata,
		created_at: request.created_at,
		expires_at: null,
		is_complete: request.is_complete,
		is_declined: request.is_declined,
		has_error: request.has_error,
		files_url: request.files_url,
		signing_url: null,
		details_url: request.details_url,
		cc_email_addresses: request.cc_email_addresses,
		signing_redirect_url: null,
		final_copy_uri: `/v3/signature_request/final_copy/${request.signature_request_id}`,
		template_ids: request.template_ids ?? null,
		custom_fields: request.custom_fields ?? [],
		attachments: [],
		response_data: [],
		signatures: request.signatures.map((signature) => ({
			signature_id: signature.signature_id,
			signer_group_guid: null,
			signer_email_address: signature.signer_email_address,
			signer_name: signature.signer_name,
			signer_role: signature.signer_role ?? null,
			order: signature.order,
			status_code: signature.status_code,
			decline_reason: null,
			signed_at: signature.signed_at,
			last_viewed_at: null,
			last_reminded_at: signature.last_reminded_at,
			has_pin: false,
			has_sms_auth: false,
			has_sms_delivery: false,
			sms_phone_number: null,
			reassigned_by: null,
			reassignment_reason: null,
			reassigned_from: null,
			error: null,
		})),
		bulk_send_job_id: request.bulk_send_job_id ?? null,
	};
}

/**
 * The fields of a request body, whichever encoding the caller chose: JSON, a URL-encoded form or
 * multipart (bracketed names become nested objects; structured fields sent as one JSON string, as
 * the SDKs do, are parsed). Files are the multipart parts named like a file upload.
 */
function requestFields(contentType: string | undefined, body: Buffer): { fields: Record<string, unknown>; files: Buffer[] } {
	const parts = parseMultipart(contentType, body);
	let entries: Array<[string, string]>;
	let files: Buffer[] = [];
	if (parts) {
		entries = parts.filter((p) => p.fileName === undefined).map((p) => [p.name, p.data.toString('utf8')]);
		files = parts.filter((p) => p.fileName !== undefined && FILE_PART.test(p.name)).map((p) => p.data);
	} else if (/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
		entries = [...new URLSearchParams(body.toString('utf8')).entries()];
	} else {
		if (body.length === 0) return { fields: {}, files };
		const json = parseJson(body);
		if (!isObject(json)) throw new BadRequest('Invalid request body: expected JSON, form or multipart data');
		return { fields: json, files };
	}
	const fields = formTree(entries);
	for (const name of JSON_FIELDS) {
		const value = fields[name];
		if (typeof value !== 'string') continue;
		const parsed = parseJson(Buffer.from(value));
		if (parsed === undefined || typeof parsed !== 'object') throw new BadRequest(`Invalid parameter: ${name} must be JSON`, name);
		fields[name] = parsed;
	}
	return { fields, files };
}

function isTrue(value: unknown): boolean {
	return value === true || value === 1 || value === '1' || value === 'true';
}

function list(value: unknown): unknown[] {
	return Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
}

/** PHP-style bracketed form fields (`signers[0][email_address]`) into an object tree. */
function formTree(entries: Array<[string, string]>): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const [key, value] of entries) {
		// `name[]` appends: number the entries in the order they come.
		const path = key.replace(/\]/g, '').split('[');
		let node = root;
		path.forEach((segment, index) => {
			const key = segment === '' ? String(Object.keys(node).length) : segment;
			if (index === path.length - 1) node[key] = value;
			else node = (node[key] ??= {}) as Record<string, unknown>;
		});
	}
	return root;
}

export interface DropboxSignSimulatorOptions {
	apiKey?: string;
	accessToken?: string;
	retryDelayScale?: number;
	/** Client IDs of the account's API apps (for embedded requests and app callbacks). */
	apiApps?: string[];
	/** How long the files of a completed request are being prepared (GET files: 409); 0 = at once. */
	filesPreparationMs?: number;
}

export async function startDropboxSignSimulator(options: DropboxSignSimulatorOptions = {}) {
	const state: DropboxSignSimulatorState = {
		apiKey: options.apiKey ?? 'dbs-api-key-0123456789abcdef0123456789abcdef',
		accessTokens: new Set(options.accessToken ? [options.accessToken] : []),
		accountId: hexId(),
		requests: new Map(),
		templates: new Map(),
		apiApps: new Map((options.apiApps ?? []).map((clientId) => [clientId, { name: `App ${clientId.slice(0, 6)}`, callback_url: null }])),
		bulkSendJobs: new Map(),
		callbacks: [],
		now: () => Date.now(),
	};
	const ownerEmail = 'owner@example.com';
	const worker = new CallbackWorker(CALLBACK_RETRY_DELAYS_MS, options.retryDelayScale);
	const pendingRetries = new Set<ScheduledRetry>();

	/**
	 * `target` is read at each attempt: a retry goes to the callback URL configured then (an
	 * account whose URL was fixed after an outage gets the retries there).
	 */
	async function postCallback(target: () => string | undefined, eventType: string, eventTime: string, json: string, attempt: number) {
		const url = target();
		if (!url) return;
		const multipart = buildMultipart([{ name: 'json', value: json }]);
		const answer = await attemptDelivery(url, multipart.body, { 'content-type': multipart.contentType, 'user-agent': 'Dropbox Sign API' }, CALLBACK_TIMEOUT_MS);
		const acknowledged = answer.status === 200 && answer.body.includes(ACK);
		const retryInMs = acknowledged ? null : worker.retryDelay(attempt);
		state.callbacks.push({ url, eventType, eventTime, json, status: answer.status, body: answer.body, acknowledged, attempt, retryInMs });
		if (retryInMs === null) return;
		const retry = worker.schedule(retryInMs, async () => {
			pendingRetries.delete(retry);
			await postCallback(target, eventType, eventTime, json, attempt + 1);
		});
		pendingRetries.add(retry);
	}

	/** Builds the event now (the request as it is at this moment) and hands it to the worker. */
	function fire(eventType: string, request: SignatureRequest, relatedSignatureId: string | null = null) {
		const eventTime = String(Math.floor(state.now() / 1000));
		const event = (appId: string | null) =>
			JSON.stringify({
				event: {
					event_time: eventTime,
					event_type: eventType,
					event_hash: createHmac('sha256', state.apiKey).update(eventTime + eventType).digest('hex'),
					event_metadata: { related_signature_id: relatedSignatureId, reported_for_account_id: state.accountId, reported_for_app_id: appId, event_message: null },
				},
				account_guid: state.accountId,
				...(appId ? { client_id: appId } : {}),
				signature_request: publicRequest(request, ownerEmail),
			});
		if (state.callbackUrl) {
			const json = event(null);
			worker.run(() => postCallback(() => state.callbackUrl, eventType, eventTime, json, 1));
		}
		// A request created with a client_id also reports to that app's callback URL.
		const appUrl = request.client_id ? state.apiApps.get(request.client_id)?.callback_url : undefined;
		const clientId = request.client_id;
		if (appUrl && clientId) {
			const json = event(clientId);
			worker.run(() => postCallback(() => state.apiApps.get(clientId)?.callback_url ?? undefined, eventType, eventTime, json, 1));
		}
	}

	const preparing = new Set<NodeJS.Timeout>();

	/** The last signature makes the request complete; its files are ready after a while. */
	function complete(request: SignatureRequest) {
		request.is_complete = true;
		request.files_ready = false;
		fire('signature_request_all_signed', request);
		const ready = () => {
			request.files_ready = true;
			fire('signature_request_downloadable', request);
		};
		const delay = options.filesPreparationMs ?? 0;
		if (delay <= 0) return ready();
		const timer = setTimeout(() => {
			preparing.delete(timer);
			ready();
		}, delay);
		preparing.add(timer);
	}

	function authorized(request: IncomingMessage): boolean {
		const header = request.headers.authorization ?? '';
		const basic = /^Basic\s+(.+)$/i.exec(header);
		if (basic) {
			const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
			const separator = decoded.indexOf(':');
			return separator !== -1 && decoded.slice(0, separator) === state.apiKey;
		}
		const bearer = /^Bearer\s+(.+)$/i.exec(header);
		return bearer !== null && state.accessTokens.has(bearer[1]);
	}

	function accountJson() {
		return {
			account_id: state.accountId,
			email_address: ownerEmail,
			is_locked: false,
			is_paid_hs: true,
			is_paid_hf: false,
			quotas: { api_signature_requests_left: 250, documents_left: null, templates_total: 5, templates_left: 5, sms_verifications_left: 10, num_fax_pages_left: 0 },
			callback_url: state.callbackUrl ?? null,
			role_code: null,
			team_id: null,
			locale: 'en-US',
			usage: { fax_pages_sent: 0 },
			settings: { signer_access_codes: false, sms_delivery: false, sms_authentication: false },
		};
	}

	function send(response: ServerResponse, fields: Record<string, unknown>, files: Buffer[]) {
		const fileUrls = list(fields.file_urls);
		if (files.length === 0 && fileUrls.length === 0) return error(response, 400, 'bad_request', 'Must specify files to be sent (files or file_urls)', 'files');
		const signers = list(fields.signers).filter(isObject);
		if (signers.length === 0) return error(response, 400, 'bad_request', 'Must specify at least one signer', 'signers');
		for (const [index, signer] of signers.entries()) {
			if (typeof signer.email_address !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(signer.email_address)) {
				return error(response, 400, 'bad_request', 'Invalid email address for signer', `signers[${index}].email_address`);
			}
			if (typeof signer.name !== 'string' || signer.name === '') return error(response, 400, 'bad_request', 'Signer name is required', `signers[${index}].name`);
		}
		if (files.some((file) => !file.subarray(0, 5).equals(Buffer.from('%PDF-')))) return error(response, 400, 'bad_request', 'Unsupported file type', 'files');
		let formFields: Array<Record<string, unknown>> = [];
		if (fields.form_fields_per_document !== undefined) {
			const parsed = fields.form_fields_per_document;
			if (!Array.isArray(parsed)) return error(response, 400, 'bad_request', 'form_fields_per_document must be an array', 'form_fields_per_document');
			// The SDKs send one flat list of fields (each with document_index); the older API form nests a list per document.
			formFields = (parsed.every(Array.isArray) ? parsed.flat() : parsed).filter(isObject);
			for (const field of formFields) {
				if (!['text', 'checkbox', 'date_signed', 'dropdown', 'initials', 'radio', 'signature', 'text-merge', 'checkbox-merge', 'hyperlink'].includes(String(field.type))) {
					return error(response, 400, 'bad_request', `Invalid form field type: ${String(field.type)}`, 'form_fields_per_document');
				}
				if (typeof field.api_id !== 'string' || field.api_id === '') return error(response, 400, 'bad_request', 'Each form field needs an api_id', 'form_fields_per_document');
				const signerIndex = Number(field.signer);
				if (!Number.isInteger(signerIndex) || signerIndex < 0 || signerIndex >= signers.length) {
					return error(response, 400, 'bad_request', `Invalid signer index ${String(field.signer)} for form field ${field.api_id}`, 'form_fields_per_document');
				}
				for (const key of ['x', 'y', 'width', 'height', 'document_index']) {
					if (typeof field[key] !== 'number' || (field[key] as number) < 0) return error(response, 400, 'bad_request', `Form field ${field.api_id}: ${key} must be a non-negative number`, 'form_fields_per_document');
				}
			}
		}
		const id = hexId();
		const created: SignatureRequest = {
			signature_request_id: id,
			test_mode: isTrue(fields.test_mode),
			title: String(fields.title ?? 'Document'),
			subject: String(fields.subject ?? fields.title ?? ''),
			message: String(fields.message ?? ''),
			metadata: isObject(fields.metadata) ? fields.metadata : {},
			cc_email_addresses: list(fields.cc_email_addresses).map(String),
			is_complete: false,
			is_declined: false,
			has_error: false,
			created_at: Math.floor(state.now() / 1000),
			signatures: signers.map((signer) => ({
				signature_id: hexId(),
				signer_email_address: String(signer.email_address),
				signer_name: String(signer.name),
				order: signer.order === undefined || signer.order === null ? null : Number(signer.order),
				status_code: 'awaiting_signature' as const,
				signed_at: null,
				last_reminded_at: null,
			})),
			files_url: `${listening.url}/v3/signature_request/files/${id}`,
			details_url: `${listening.url}/home/manage?guid=${id}`,
			cancelled: false,
			formFields,
			file: files[0] ?? pdfBytes('from file_urls'),
		};
		state.requests.set(id, created);
		fire('signature_request_sent', created);
		return sendJson(response, 200, { signature_request: publicRequest(created, ownerEmail) });
	}

	/* Templates, embedded signing, bulk send, callback URLs (issue 14) ------------------------ */

	function publicTemplate(template: SimulatedTemplate) {
		return {
			template_id: template.template_id,
			title: template.title,
			message: template.message,
			updated_at: template.updated_at,
			is_embedded: false,
			is_creator: true,
			can_edit: true,
			is_locked: false,
			metadata: {},
			signer_roles: template.signer_roles,
			cc_roles: [],
			documents: [
				{
					name: `${template.title}.pdf`,
					index: 0,
					field_groups: [],
					form_fields: template.signer_roles.map((role, index) => ({ type: 'signature', api_id: `sig_${index}`, name: '', signer: String(index + 1), x: 100, y: 600 + index * 40, width: 200, height: 30, required: true, group: null })),
					custom_fields: template.custom_fields.map((name, index) => ({ type: 'text', api_id: `merge_${index}`, name, signer: null, x: 100, y: 100 + index * 30, width: 200, height: 20, required: false, group: null, avg_text_length: { num_lines: 1, num_chars_per_line: 20 }, isMultiline: false, originalFontSize: 12, fontFamily: 'helvetica' })),
					static_fields: [],
				},
			],
			// Deprecated copies of the documents' fields (the SDK model allows null; the node reads `documents`).
			custom_fields: null,
			named_form_fields: null,
			accounts: [{ account_id: state.accountId, email_address: ownerEmail, is_locked: false, is_paid_hs: true, is_paid_hf: false, quotas: { templates_left: 5, api_signature_requests_left: 250, documents_left: 100, sms_verifications_left: 10 } }],
			attachments: [],
		};
	}

	function page(url: URL): { page: number; pageSize: number } | string {
		const page = Number(url.searchParams.get('page') ?? 1);
		const pageSize = Number(url.searchParams.get('page_size') ?? 20);
		if (!Number.isInteger(page) || page < 1) return 'page must be a positive integer';
		if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return 'page_size must be between 1 and 100';
		return { page, pageSize };
	}

	function listInfo(total: number, at: { page: number; pageSize: number }) {
		return { num_pages: Math.max(1, Math.ceil(total / at.pageSize)), num_results: total, page: at.page, page_size: at.pageSize };
	}

	/** The one template of `template_ids` (several templates merge into one request: not simulated). */
	function templateOf(fields: Record<string, unknown>): SimulatedTemplate | string {
		const ids = list(fields.template_ids).map(String);
		if (ids.length === 0) return 'template_ids is required';
		if (ids.length > 1) return 'The simulator handles one template per request';
		return state.templates.get(ids[0]) ?? `Template not found: ${ids[0]}`;
	}

	/** `signers` as a list, or as an object keyed by role name (the form encoding `signers[Role][name]`). */
	function templateSigners(template: SimulatedTemplate, value: unknown, path: string): Array<{ role: string; name: string; email_address: string }> | BadRequest {
		const entries: Array<Record<string, unknown>> = Array.isArray(value)
			? value.filter(isObject)
			: isObject(value)
				? Object.entries(value).filter(([, v]) => isObject(v)).map(([role, v]) => ({ role, ...(v as Record<string, unknown>) }))
				: [];
		const signers: Array<{ role: string; name: string; email_address: string }> = [];
		for (const [index, signer] of entries.entries()) {
			if (!template.signer_roles.some((r) => r.name === signer.role)) return new BadRequest(`Invalid signer role: ${String(signer.role)}`, `${path}[${index}].role`);
			if (typeof signer.email_address !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(signer.email_address)) return new BadRequest('Invalid email address for signer', `${path}[${index}].email_address`);
			if (typeof signer.name !== 'string' || signer.name === '') return new BadRequest('Signer name is required', `${path}[${index}].name`);
			signers.push({ role: String(signer.role), name: signer.name, email_address: signer.email_address });
		}
		const missing = template.signer_roles.find((r) => !signers.some((s) => s.role === r.name));
		if (missing) return new BadRequest(`Missing signer for role: ${missing.name}`, path);
		return signers;
	}

	function templateCustomFields(template: SimulatedTemplate, value: unknown): NonNullable<SignatureRequest['custom_fields']> {
		const given = list(value).filter(isObject);
		// Dropbox Sign fills the template's merge fields by name; names it does not know fill nothing.
		return template.custom_fields.map((name, index) => {
			const match = given.find((f) => f.name === name);
			return { name, type: 'text', value: match === undefined ? '' : String(match.value ?? ''), required: false, api_id: `merge_${index}`, editor: null };
		});
	}

	function createFromTemplate(template: SimulatedTemplate, fields: Record<string, unknown>, signers: Array<{ role: string; name: string; email_address: string }>, embedded: boolean, clientId: string | null, bulkSendJobId: string | null): SignatureRequest {
		const id = hexId();
		const created: SignatureRequest = {
			signature_request_id: id,
			test_mode: isTrue(fields.test_mode),
			title: String(fields.title ?? template.title),
			subject: String(fields.subject ?? fields.title ?? template.title),
			message: String(fields.message ?? template.message),
			metadata: isObject(fields.metadata) ? fields.metadata : {},
			cc_email_addresses: [],
			is_complete: false,
			is_declined: false,
			has_error: false,
			created_at: Math.floor(state.now() / 1000),
			signatures: signers.map((signer) => ({
				signature_id: hexId(),
				signer_email_address: signer.email_address,
				signer_name: signer.name,
				signer_role: signer.role,
				order: template.signer_roles.length > 1 ? (template.signer_roles.find((r) => r.name === signer.role)?.order ?? null) : null,
				status_code: 'awaiting_signature' as const,
				signed_at: null,
				last_reminded_at: null,
			})),
			files_url: `${listening.url}/v3/signature_request/files/${id}`,
			details_url: `${listening.url}/home/manage?guid=${id}`,
			cancelled: false,
			client_id: clientId,
			embedded,
			template_ids: [template.template_id],
			custom_fields: templateCustomFields(template, fields.custom_fields),
			bulk_send_job_id: bulkSendJobId,
			formFields: [],
			file: pdfBytes(template.title),
		};
		state.requests.set(id, created);
		// Embedded requests email nobody, but the event still reports that the request exists.
		fire('signature_request_sent', created);
		return created;
	}

	function clientIdOf(fields: Record<string, unknown>, required: boolean): string | null | BadRequest {
		const clientId = typeof fields.client_id === 'string' && fields.client_id !== '' ? fields.client_id : null;
		if (clientId === null) return required ? new BadRequest('client_id is required for embedded signature requests', 'client_id') : null;
		if (!state.apiApps.has(clientId)) return new BadRequest(`No API app with client_id ${clientId} on this account`, 'client_id');
		return clientId;
	}

	function bulkJobJson(job: { bulk_send_job_id: string; total: number; created_at: number }) {
		return { bulk_send_job_id: job.bulk_send_job_id, total: job.total, is_creator: true, created_at: job.created_at };
	}

	/** The issue 14 routes; true when `route` was one of them (and has been answered). */
	async function issue14Route(route: string, url: URL, fields: Record<string, unknown>, response: ServerResponse): Promise<boolean> {
		const fail = (problem: BadRequest | string) => {
			if (typeof problem === 'string') error(response, problem.startsWith('Template not found') ? 404 : 400, problem.startsWith('Template not found') ? 'not_found' : 'bad_request', problem, 'template_ids');
			else error(response, 400, 'bad_request', problem.message, problem.path);
			return true;
		};

		if (route === 'GET /v3/template/list') {
			const at = page(url);
			if (typeof at === 'string') return fail(new BadRequest(at, 'page_size'));
			const query = (url.searchParams.get('query') ?? '').toLowerCase();
			const matching = [...state.templates.values()].filter((t) => query === '' || t.title.toLowerCase().includes(query));
			const slice = matching.slice((at.page - 1) * at.pageSize, at.page * at.pageSize);
			sendJson(response, 200, { templates: slice.map(publicTemplate), list_info: listInfo(matching.length, at), warnings: [] });
			return true;
		}

		const templateMatch = /^GET \/v3\/template\/([0-9a-f]{40})$/.exec(route);
		if (templateMatch) {
			const template = state.templates.get(templateMatch[1]);
			if (!template) error(response, 404, 'not_found', 'Template not found');
			else sendJson(response, 200, { template: publicTemplate(template), warnings: [] });
			return true;
		}

		const withTemplate = /^POST \/v3\/signature_request\/(send_with_template|create_embedded_with_template)$/.exec(route);
		if (withTemplate) {
			const embedded = withTemplate[1] === 'create_embedded_with_template';
			const template = templateOf(fields);
			if (typeof template === 'string') return fail(template);
			const clientId = clientIdOf(fields, embedded);
			if (clientId instanceof BadRequest) return fail(clientId);
			const signers = templateSigners(template, fields.signers, 'signers');
			if (signers instanceof BadRequest) return fail(signers);
			const created = createFromTemplate(template, fields, signers, embedded, clientId, null);
			sendJson(response, 200, { signature_request: publicRequest(created, ownerEmail), warnings: [] });
			return true;
		}

		if (route === 'POST /v3/signature_request/bulk_send_with_template') {
			const template = templateOf(fields);
			if (typeof template === 'string') return fail(template);
			const rows = list(fields.signer_list).filter(isObject);
			if (rows.length === 0) return fail(new BadRequest('signer_list or signer_file is required', 'signer_list'));
			if (rows.length > 250) return fail(new BadRequest('signer_list can contain at most 250 signers', 'signer_list'));
			const checked: Array<Array<{ role: string; name: string; email_address: string }>> = [];
			for (const [index, row] of rows.entries()) {
				const signers = templateSigners(template, row.signers, `signer_list[${index}].signers`);
				if (signers instanceof BadRequest) return fail(signers);
				checked.push(signers);
			}
			const job = { bulk_send_job_id: hexId(), total: rows.length, created_at: Math.floor(state.now() / 1000), requestIds: [] as string[] };
			state.bulkSendJobs.set(job.bulk_send_job_id, job);
			for (const [index, signers] of checked.entries()) {
				const rowFields = { ...fields, custom_fields: [...list(fields.custom_fields), ...list(rows[index].custom_fields)] };
				job.requestIds.push(createFromTemplate(template, rowFields, signers, false, null, job.bulk_send_job_id).signature_request_id);
			}
			sendJson(response, 200, { bulk_send_job: bulkJobJson(job), warnings: [] });
			return true;
		}

		const jobMatch = /^GET \/v3\/bulk_send_job\/([0-9a-f]{40})$/.exec(route);
		if (jobMatch) {
			const job = state.bulkSendJobs.get(jobMatch[1]);
			if (!job) {
				error(response, 404, 'not_found', 'Bulk send job not found');
				return true;
			}
			const at = page(url);
			if (typeof at === 'string') return fail(new BadRequest(at, 'page_size'));
			const requests = job.requestIds.map((id) => state.requests.get(id)).filter((r): r is SignatureRequest => r !== undefined);
			const slice = requests.slice((at.page - 1) * at.pageSize, at.page * at.pageSize);
			sendJson(response, 200, { bulk_send_job: bulkJobJson(job), list_info: listInfo(requests.length, at), signature_requests: slice.map((r) => publicRequest(r, ownerEmail)), warnings: [] });
			return true;
		}

		const signUrlMatch = /^GET \/v3\/embedded\/sign_url\/([0-9a-f]{40})$/.exec(route);
		if (signUrlMatch) {
			const found = [...state.requests.values()].find((r) => r.signatures.some((s) => s.signature_id === signUrlMatch[1]));
			const signature = found?.signatures.find((s) => s.signature_id === signUrlMatch[1]);
			if (!found || !signature || found.cancelled) error(response, 404, 'not_found', 'Signature not found');
			else if (!found.embedded) error(response, 400, 'bad_request', 'This signature request was not created for embedded signing', 'signature_id');
			else if (signature.status_code === 'signed' || found.is_complete) error(response, 409, 'conflict', 'This signature has already been signed');
			else {
				// The link lasts an hour and carries a one-time token: whoever holds it signs as the signer.
				const token = randomBytes(16).toString('hex');
				sendJson(response, 200, { embedded: { sign_url: `${listening.url}/editor/embeddedSign?signature_id=${signature.signature_id}&token=${token}`, expires_at: Math.floor(state.now() / 1000) + 3600 }, warnings: [] });
			}
			return true;
		}

		if (route === 'PUT /v3/account' || route === 'POST /v3/account') {
			const callbackUrl = fields.callback_url;
			if (callbackUrl !== undefined) {
				if (typeof callbackUrl !== 'string' || (callbackUrl !== '' && !/^https?:\/\/[^\s]+$/i.test(callbackUrl))) return fail(new BadRequest('callback_url must be a valid http(s) URL', 'callback_url'));
				state.callbackUrl = callbackUrl === '' ? undefined : callbackUrl;
			}
			sendJson(response, 200, { account: accountJson(), warnings: [] });
			return true;
		}

		const appMatch = /^(GET|PUT) \/v3\/api_app\/([A-Za-z0-9]+)$/.exec(route);
		if (appMatch) {
			const app = state.apiApps.get(appMatch[2]);
			if (!app) {
				error(response, 404, 'not_found', 'API app not found');
				return true;
			}
			if (appMatch[1] === 'PUT' && fields.callback_url !== undefined) {
				const callbackUrl = fields.callback_url;
				if (typeof callbackUrl !== 'string' || (callbackUrl !== '' && !/^https?:\/\/[^\s]+$/i.test(callbackUrl))) return fail(new BadRequest('callback_url must be a valid http(s) URL', 'callback_url'));
				app.callback_url = callbackUrl === '' ? null : callbackUrl;
			}
			sendJson(response, 200, {
				api_app: { client_id: appMatch[2], name: app.name, callback_url: app.callback_url, created_at: Math.floor(state.now() / 1000), domains: ['example.com'], is_approved: true, oauth: null, options: { can_insert_everywhere: false }, owner_account: { account_id: state.accountId, email_address: ownerEmail }, white_labeling_options: null },
				warnings: [],
			});
			return true;
		}
		return false;
	}

	/** POST /__control/template: a template as the web app's template editor would save it. */
	function createTemplate(json: Record<string, unknown>): SimulatedTemplate {
		const roles = Array.isArray(json.roles) ? json.roles.map(String) : ['Signer'];
		const template: SimulatedTemplate = {
			template_id: hexId(),
			title: String(json.title ?? 'Template'),
			message: String(json.message ?? ''),
			updated_at: Math.floor(state.now() / 1000),
			signer_roles: roles.map((name, order) => ({ name, order })),
			custom_fields: Array.isArray(json.fields) ? json.fields.map(String) : [],
		};
		state.templates.set(template.template_id, template);
		return template;
	}

	const listening = await listen(async (request, response, body) => {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const route = `${request.method} ${url.pathname}`;

		if (url.pathname.startsWith('/__control/')) {
			await worker.settled();
			const json = parseJson(body);
			if (route === 'POST /__control/sign' && isObject(json)) {
				const found = state.requests.get(String(json.signatureRequestId));
				const signature = found?.signatures.find((s) => s.signer_email_address === json.email);
				if (!found || !signature || found.cancelled) return sendJson(response, 409, { message: 'nothing to sign' });
				signature.status_code = 'signed';
				signature.signed_at = Math.floor(state.now() / 1000);
				fire('signature_request_signed', found, signature.signature_id);
				if (found.signatures.every((s) => s.status_code === 'signed')) complete(found);
				await worker.settled();
				return sendJson(response, 200, { ok: true });
			}
			if (route === 'POST /__control/template' && isObject(json)) {
				return sendJson(response, 200, { template_id: createTemplate(json).template_id });
			}
			if (route === 'POST /__control/retry-failed') {
				const due = [...pendingRetries];
				for (const retry of due) retry.runNow();
				await worker.settled();
				return sendJson(response, 200, { retried: due.length });
			}
			return sendJson(response, 404, { message: 'unknown control route' });
		}

		if (!authorized(request)) return error(response, 401, 'unauthorized', 'Unauthorized api key');

		let parsed: { fields: Record<string, unknown>; files: Buffer[] };
		try {
			parsed = requestFields(request.headers['content-type'], body);
		} catch (problem) {
			if (problem instanceof BadRequest) return error(response, 400, 'bad_request', problem.message, problem.path);
			throw problem;
		}

		if (route === 'GET /v3/account') return sendJson(response, 200, { account: accountJson() });

		if (route === 'POST /v3/signature_request/send') return send(response, parsed.fields, parsed.files);

		if (route === 'GET /v3/signature_request/list') return listRequests(state, url, response, (found) => publicRequest(found, ownerEmail));
		if (await issue14Route(route, url, parsed.fields, response)) return;

		const match = /^(GET|POST) \/v3\/signature_request\/(?:(remind|cancel|files)\/)?([0-9a-f]{40})$/.exec(route);
		if (match) {
			const [, , action, id] = match;
			const found = state.requests.get(id);
			if (!found || (found.cancelled && action !== 'files')) return error(response, 404, 'not_found', 'Not found');
			if (!action && request.method === 'GET') return sendJson(response, 200, { signature_request: publicRequest(found, ownerEmail) });
			if (action === 'remind' && request.method === 'POST') {
				const email = parsed.fields.email_address;
				const signature = found.signatures.find((s) => s.signer_email_address === email);
				if (!signature) return error(response, 400, 'bad_request', 'email_address is not a signer of this request', 'email_address');
				if (found.is_complete || signature.status_code === 'signed') return error(response, 409, 'conflict', 'This signer has already signed');
				signature.last_reminded_at = Math.floor(state.now() / 1000);
				fire('signature_request_remind', found, signature.signature_id);
				return sendJson(response, 200, { signature_request: publicRequest(found, ownerEmail) });
			}
			if (action === 'cancel' && request.method === 'POST') {
				if (found.is_complete) return error(response, 409, 'conflict', 'A completed signature request cannot be canceled');
				found.cancelled = true;
				fire('signature_request_canceled', found);
				response.writeHead(200).end();
				return;
			}
			if (action === 'files' && request.method === 'GET') {
				const type = url.searchParams.get('file_type') ?? 'pdf';
				if (type !== 'pdf' && type !== 'zip') return error(response, 400, 'bad_request', 'file_type must be pdf or zip', 'file_type');
				if (!found.is_complete || found.files_ready === false) return error(response, 409, 'conflict', 'Files are still being processed. Please try again later.');
				const signed = Buffer.concat([found.file, Buffer.from(`\n% signed: ${found.signatures.map((s) => s.signer_email_address).join(', ')}\n`)]);
				return sendBytes(response, 200, signed, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${found.title}.pdf"` });
			}
		}
		return error(response, 404, 'not_found', `No route ${route}`);
	});

	return {
		url: listening.url,
		apiBaseUrl: `${listening.url}/v3`,
		state,
		/** Resolves once every callback queued so far has been posted (retries due later excepted). */
		settled: (options?: SettleOptions) => worker.settled(options),
		async close() {
			for (const timer of preparing) clearTimeout(timer);
			worker.close();
			await listening.close();
		},
	};
}

export type DropboxSignSimulator = Awaited<ReturnType<typeof startDropboxSignSimulator>>;

/* ------------------------------------------------------------------------------------------ */
/* Reconciliation: the signature request list (kept apart for merging)                        */
/* ------------------------------------------------------------------------------------------ */

/** GET /v3/signature_request/list: pages of the account's requests, newest created first. */
function listRequests(
	state: DropboxSignSimulatorState,
	url: URL,
	response: ServerResponse,
	toJson: (request: SignatureRequest) => Record<string, unknown>,
): void {
	const page = Number(url.searchParams.get('page') ?? 1);
	const pageSize = Number(url.searchParams.get('page_size') ?? 20);
	if (!Number.isInteger(page) || page < 1) return error(response, 400, 'bad_request', 'page must be a positive integer', 'page');
	if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return error(response, 400, 'bad_request', 'page_size must be between 1 and 100', 'page_size');
	const all = [...state.requests.values()].filter((request) => !request.cancelled).sort((a, b) => b.created_at - a.created_at);
	const numPages = Math.max(1, Math.ceil(all.length / pageSize));
	sendJson(response, 200, {
		signature_requests: all.slice((page - 1) * pageSize, page * pageSize).map(toJson),
		list_info: { page, num_pages: numPages, num_results: all.length, page_size: pageSize },
	});
}
