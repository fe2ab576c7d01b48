/**
 * Dropbox Sign's API v3 (`/v3`), for the calls the E-Signature node makes, as the API reference
 * and the official SDKs define them. Auth: HTTP Basic with the API key as user name and an empty
 * password, or `Authorization: Bearer <OAuth access token>`.
 *   POST /v3/signature_request/send (multipart/form-data or JSON: files[n] / file_urls[n], signers[n][email_address|name|order],
 *        title, subject, message, test_mode, use_text_tags) → { signature_request }
 *   GET  /v3/signature_request/{id} → { signature_request }
 *   POST /v3/signature_request/remind/{id} { email_address } → { signature_request }
 *   POST /v3/signature_request/cancel/{id} → 200, empty body
 *   GET  /v3/signature_request/files/{id}?file_type=pdf → the PDF
 *   GET  /v3/account → { account }
 * Errors: { error: { error_msg, error_name } } (401 unauthorized, 400 bad_request, 404 not_found,
 * 409 conflict). Callbacks go to the account callback URL as Dropbox Sign posts them:
 * multipart/form-data with a `json` field, `event_hash` = hex HMAC-SHA256(api key, event_time + event_type);
 * anything but a 200 with `Hello API Event Received` is a failure, retried with the same event.
 *
 * Control routes (not Dropbox Sign's): POST /__control/sign { signatureRequestId, email },
 * POST /__control/retry-failed (re-posts every failed callback, same event_time).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { buildMultipart, deliver, isObject, listen, parseJson, parseMultipart, pdfBytes, sendBytes, sendJson } from '../shared/http';

export const ACK = 'Hello API Event Received';

interface Signature {
	signature_id: string;
	signer_email_address: string;
	signer_name: string;
	order: number | null;
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
	is_complete: boolean;
	is_declined: boolean;
	has_error: boolean;
	created_at: number;
	signatures: Signature[];
	files_url: string;
	details_url: string;
	cancelled: boolean;
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
	callbacks: Array<{ eventType: string; eventTime: string; json: string; status: number; body: string; acknowledged: boolean }>;
	now: () => number;
}

function error(response: ServerResponse, status: number, name: string, message: string) {
	sendJson(response, status, { error: { error_msg: message, error_name: name } });
}

function hexId(): string {
	return randomBytes(20).toString('hex');
}

function publicRequest(request: SignatureRequest) {
	const { file: _file, cancelled: _cancelled, formFields: _formFields, ...rest } = request;
	void _file;
	void _cancelled;
	void _formFields;
	return { ...rest, signing_url: null, signing_redirect_url: null, final_copy_uri: `/v3/signature_request/final_copy/${request.signature_request_id}`, metadata: {}, custom_fields: [], response_data: [] };
}

/** PHP-style bracketed form fields (`signers[0][email_address]`) into an object tree. */
function formTree(entries: Array<[string, string]>): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	for (const [key, value] of entries) {
		const path = key.replace(/\]/g, '').split('[');
		let node = root;
		path.forEach((segment, index) => {
			if (index === path.length - 1) node[segment] = value;
			else node = (node[segment] ??= {}) as Record<string, unknown>;
		});
	}
	return root;
}

export async function startDropboxSignSimulator(options: { apiKey?: string; accessToken?: string } = {}) {
	const state: DropboxSignSimulatorState = {
		apiKey: options.apiKey ?? 'dbs-api-key-0123456789abcdef0123456789abcdef',
		accessTokens: new Set(options.accessToken ? [options.accessToken] : []),
		accountId: hexId(),
		requests: new Map(),
		callbacks: [],
		now: () => Date.now(),
	};

	async function postCallback(eventType: string, eventTime: string, json: string) {
		if (!state.callbackUrl) return;
		const multipart = buildMultipart([{ name: 'json', value: json }]);
		const answer = await deliver(state.callbackUrl, multipart.body, { 'content-type': multipart.contentType, 'user-agent': 'Dropbox Sign API' });
		state.callbacks.push({ eventType, eventTime, json, status: answer.status, body: answer.body, acknowledged: answer.status === 200 && answer.body.includes(ACK) });
	}

	async function fire(eventType: string, request: SignatureRequest, relatedSignatureId: string | null = null) {
		const eventTime = String(Math.floor(state.now() / 1000));
		const json = JSON.stringify({
			event: {
				event_time: eventTime,
				event_type: eventType,
				event_hash: createHmac('sha256', state.apiKey).update(eventTime + eventType).digest('hex'),
				event_metadata: { related_signature_id: relatedSignatureId, reported_for_account_id: state.accountId, reported_for_app_id: null, event_message: null },
			},
			account_guid: state.accountId,
			signature_request: publicRequest(request),
		});
		await postCallback(eventType, eventTime, json);
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

	const listening = await listen(async (request, response, body) => {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const route = `${request.method} ${url.pathname}`;

		if (url.pathname.startsWith('/__control/')) {
			const json = parseJson(body);
			if (route === 'POST /__control/sign' && isObject(json)) {
				const found = state.requests.get(String(json.signatureRequestId));
				const signature = found?.signatures.find((s) => s.signer_email_address === json.email);
				if (!found || !signature || found.cancelled) return sendJson(response, 409, { message: 'nothing to sign' });
				signature.status_code = 'signed';
				signature.signed_at = Math.floor(state.now() / 1000);
				await fire('signature_request_signed', found, signature.signature_id);
				if (found.signatures.every((s) => s.status_code === 'signed')) {
					found.is_complete = true;
					await fire('signature_request_all_signed', found);
				}
				return sendJson(response, 200, { ok: true });
			}
			if (route === 'POST /__control/retry-failed') {
				const failed = state.callbacks.filter((c) => !c.acknowledged);
				for (const callback of failed) await postCallback(callback.eventType, callback.eventTime, callback.json);
				return sendJson(response, 200, { retried: failed.length });
			}
			return sendJson(response, 404, { message: 'unknown control route' });
		}

		if (!authorized(request)) return error(response, 401, 'unauthorized', 'Unauthorized api key');

		if (route === 'GET /v3/account') {
			return sendJson(response, 200, { account: { account_id: state.accountId, email_address: 'owner@example.com', callback_url: state.callbackUrl ?? null, is_paid_hs: true } });
		}

		if (route === 'POST /v3/signature_request/send') {
			const parts = parseMultipart(request.headers['content-type'], body);
			let fields: Record<string, unknown>;
			let files: Buffer[] = [];
			if (parts) {
				fields = formTree(parts.filter((p) => p.fileName === undefined).map((p) => [p.name, p.data.toString('utf8')]));
				files = parts.filter((p) => p.fileName !== undefined && /^files?\[\d+\]$|^files?$/.test(p.name)).map((p) => p.data);
			} else {
				const json = parseJson(body);
				if (!isObject(json)) return error(response, 400, 'bad_request', 'Invalid request body');
				fields = json;
			}
			if (files.length === 0 && !fields.file_urls) return error(response, 400, 'bad_request', 'Must specify files to be sent (files or file_urls)');
			const signerTree = fields.signers;
			const signers = (Array.isArray(signerTree) ? signerTree : isObject(signerTree) ? Object.values(signerTree) : []).filter(isObject);
			if (signers.length === 0) return error(response, 400, 'bad_request', 'Must specify at least one signer');
			for (const signer of signers) {
				if (typeof signer.email_address !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(signer.email_address)) {
					return error(response, 400, 'bad_request', 'Invalid email address for signer');
				}
				if (typeof signer.name !== 'string' || signer.name === '') return error(response, 400, 'bad_request', 'Signer name is required');
			}
			if (files.some((file) => !file.subarray(0, 5).equals(Buffer.from('%PDF-')))) return error(response, 400, 'bad_request', 'Unsupported file type');
			let formFields: Array<Record<string, unknown>> = [];
			if (fields.form_fields_per_document !== undefined) {
				const parsed = typeof fields.form_fields_per_document === 'string' ? parseJson(Buffer.from(fields.form_fields_per_document)) : fields.form_fields_per_document;
				if (!Array.isArray(parsed)) return error(response, 400, 'bad_request', 'form_fields_per_document must be an array');
				formFields = parsed.filter(isObject);
				for (const field of formFields) {
					if (!['text', 'checkbox', 'date_signed', 'dropdown', 'initials', 'radio', 'signature', 'text-merge', 'checkbox-merge'].includes(String(field.type))) {
						return error(response, 400, 'bad_request', `Invalid form field type: ${String(field.type)}`);
					}
					if (typeof field.api_id !== 'string' || field.api_id === '') return error(response, 400, 'bad_request', 'Each form field needs an api_id');
					const signerIndex = Number(field.signer);
					if (!Number.isInteger(signerIndex) || signerIndex < 0 || signerIndex >= signers.length) {
						return error(response, 400, 'bad_request', `Invalid signer index ${String(field.signer)} for form field ${field.api_id}`);
					}
					for (const key of ['x', 'y', 'width', 'height', 'document_index']) {
						if (typeof field[key] !== 'number' || (field[key] as number) < 0) return error(response, 400, 'bad_request', `Form field ${field.api_id}: ${key} must be a non-negative number`);
					}
				}
			}
			const id = hexId();
			const created: SignatureRequest = {
				signature_request_id: id,
				test_mode: String(fields.test_mode) === '1' || fields.test_mode === true || String(fields.test_mode) === 'true',
				title: String(fields.title ?? 'Document'),
				subject: String(fields.subject ?? fields.title ?? ''),
				message: String(fields.message ?? ''),
				is_complete: false,
				is_declined: false,
				has_error: false,
				created_at: Math.floor(state.now() / 1000),
				signatures: signers.map((signer) => ({
					signature_id: hexId(),
					signer_email_address: String(signer.email_address),
					signer_name: String(signer.name),
					order: signer.order === undefined ? null : Number(signer.order),
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
			await fire('signature_request_sent', created);
			return sendJson(response, 200, { signature_request: publicRequest(created) });
		}

		const match = /^(GET|POST) \/v3\/signature_request\/(?:(remind|cancel|files)\/)?([0-9a-f]{40})$/.exec(route);
		if (match) {
			const [, , action, id] = match;
			const found = state.requests.get(id);
			if (!found || (found.cancelled && action !== 'files')) return error(response, 404, 'not_found', 'Not found');
			if (!action && request.method === 'GET') return sendJson(response, 200, { signature_request: publicRequest(found) });
			if (action === 'remind' && request.method === 'POST') {
				const json = parseJson(body);
				const email = isObject(json) ? json.email_address : undefined;
				const signature = found.signatures.find((s) => s.signer_email_address === email);
				if (!signature) return error(response, 400, 'bad_request', 'email_address is not a signer of this request');
				if (found.is_complete || signature.status_code === 'signed') return error(response, 409, 'conflict', 'This signer has already signed');
				signature.last_reminded_at = Math.floor(state.now() / 1000);
				await fire('signature_request_remind', found, signature.signature_id);
				return sendJson(response, 200, { signature_request: publicRequest(found) });
			}
			if (action === 'cancel' && request.method === 'POST') {
				if (found.is_complete) return error(response, 409, 'conflict', 'A completed signature request cannot be canceled');
				found.cancelled = true;
				await fire('signature_request_canceled', found);
				response.writeHead(200).end();
				return;
			}
			if (action === 'files' && request.method === 'GET') {
				const type = url.searchParams.get('file_type') ?? 'pdf';
				if (type !== 'pdf' && type !== 'zip') return error(response, 400, 'bad_request', 'file_type must be pdf or zip');
				if (!found.is_complete) return error(response, 409, 'conflict', 'Files are still being processed. Please try again later.');
				const signed = Buffer.concat([found.file, Buffer.from(`\n% signed: ${found.signatures.map((s) => s.signer_email_address).join(', ')}\n`)]);
				return sendBytes(response, 200, signed, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="${found.title}.pdf"` });
			}
		}
		return error(response, 404, 'not_found', `No route ${route}`);
	});

	return { url: listening.url, apiBaseUrl: `${listening.url}/v3`, state, close: listening.close };
}

export type DropboxSignSimulator = Awaited<ReturnType<typeof startDropboxSignSimulator>>;
