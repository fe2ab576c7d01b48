/**
 * The E-Signature node's Dropbox Sign adapter: API v3 behind the `ProviderAdapter` contract.
 * Auth is the credential's job (HTTP Basic with the API key, or an OAuth2 Bearer token).
 *
 * Paths: `GET /signature_request/{id}`, `GET /signature_request/files/{id}?file_type=pdf`,
 * `POST /signature_request/cancel/{id}`, plus `POST /signature_request/send` (multipart) and
 * `POST /signature_request/remind/{id}`: Dropbox Sign sends the file and the signers in one call,
 * which the node offers as Signature Request → Send / Remind (`signatureRequest`).
 */
import {
	FileNotReadyError,
	ProviderInputError,
	type BinaryResponse,
	type DocumentDetails,
	type DocumentStatus,
	type FieldType,
	type FilePayload,
	type ProviderAdapter,
	type ProviderClient,
	type SendForSignatureInput,
} from '../adapter';
import { assertSignersPresent, signerIndexOfField } from '../signature-request';
import { deleteCallback, listCallbacks, registerCallback } from './callbacks';
import { signingLink } from './embedded';
import { bulkSend, getTemplateSummary, listTemplates, sendFromTemplate } from './templates';
import { ACKNOWLEDGEMENT_BODY, DROPBOX_SIGN_EVENT_TYPES } from './webhook';

export const DROPBOX_SIGN_API = 'https://api.hellosign.com/v3';

interface DropboxSignSignature {
	signature_id: string;
	signer_email_address: string;
	signer_name?: string;
	order?: number | null;
	status_code: string;
}

export interface DropboxSignRequest {
	signature_request_id: string;
	title: string;
	is_complete: boolean;
	is_declined: boolean;
	has_error?: boolean;
	created_at?: number;
	signatures?: DropboxSignSignature[];
}

export function dropboxSignBaseUrl(credentials: Readonly<Record<string, unknown>>): string {
	const custom = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	return (custom || DROPBOX_SIGN_API).replace(/\/+$/, '');
}

function statusOf(request: DropboxSignRequest): DocumentStatus {
	if (request.is_complete) return 'completed';
	if (request.is_declined) return 'declined';
	if ((request.signatures ?? []).some((s) => s.status_code === 'expired')) return 'expired';
	return 'pending';
}

export function toDocumentDetails(request: DropboxSignRequest): DocumentDetails {
	const signatures = request.signatures ?? [];
	return {
		id: request.signature_request_id,
		name: request.title,
		status: statusOf(request),
		roles: [],
		invites: signatures.map((s) => ({
			id: s.signature_id,
			email: s.signer_email_address,
			status: s.status_code,
			signingOrder: s.order ?? undefined,
		})),
		createdAt: request.created_at ? new Date(request.created_at * 1000).toISOString() : undefined,
		raw: request,
	};
}

async function getRequest(client: ProviderClient, id: string): Promise<DropboxSignRequest> {
	const answer = await client.request<{ signature_request: DropboxSignRequest }>({
		method: 'GET',
		path: `/signature_request/${encodeURIComponent(id)}`,
	});
	return answer.signature_request;
}

export interface SendSignatureRequestInput {
	file: FilePayload;
	title?: string;
	subject?: string;
	message?: string;
	signers: Array<{ email: string; name: string; order?: number }>;
	/** Dropbox Sign's `form_fields_per_document` entries (sent as one JSON string field). */
	formFields?: DropboxSignFormField[];
	useTextTags?: boolean;
	testMode?: boolean;
}

export interface DropboxSignFormField {
	document_index: number;
	api_id: string;
	name: string;
	type: 'signature' | 'initials' | 'text' | 'date_signed' | 'checkbox';
	/** 0-based index into `signers`, as a string. */
	signer: string;
	page: number;
	x: number;
	y: number;
	width: number;
	height: number;
	required: boolean;
}

const FORM_FIELD_TYPES: Record<FieldType, DropboxSignFormField['type']> = {
	signature: 'signature',
	initials: 'initials',
	text: 'text',
	date: 'date_signed',
	checkbox: 'checkbox',
};

/** The provider-neutral one-shot input as `POST /signature_request/send` takes it. */
export function toSendSignatureRequestInput(input: SendForSignatureInput): SendSignatureRequestInput {
	assertSignersPresent(input.signers);
	const formFields = input.fields.map((field, index): DropboxSignFormField => ({
		document_index: 0,
		api_id: `field_${index + 1}`,
		name: field.label ?? '',
		type: FORM_FIELD_TYPES[field.type],
		signer: String(signerIndexOfField(input.signers, field, index + 1)),
		page: field.page,
		// Dropbox Sign positions in pixels at 72 DPI from the top-left: the same numbers as points.
		x: Math.round(field.x),
		y: Math.round(field.y),
		width: Math.round(field.width),
		height: Math.round(field.height),
		required: field.required,
	}));
	return {
		file: input.file,
		title: input.title ?? input.file.fileName.replace(/\.pdf$/i, ''),
		subject: input.subject,
		message: input.message,
		// Dropbox Sign counts signing order from 0.
		signers: input.signers.map((signer) => ({
			email: signer.email,
			name: signer.name,
			order: signer.order !== undefined ? signer.order - 1 : undefined,
		})),
		formFields: formFields.length > 0 ? formFields : undefined,
		useTextTags: input.extractFieldsFromTags,
		testMode: input.testMode,
	};
}

/** `POST /signature_request/send` as multipart: the file plus the signers in Dropbox Sign's bracketed form fields. */
export async function sendSignatureRequest(client: ProviderClient, input: SendSignatureRequestInput): Promise<DropboxSignRequest> {
	if (input.signers.length === 0) throw new ProviderInputError('Add at least one signer');
	const fields: Record<string, string> = {};
	input.signers.forEach((signer, index) => {
		fields[`signers[${index}][email_address]`] = signer.email;
		fields[`signers[${index}][name]`] = signer.name;
		if (signer.order !== undefined) fields[`signers[${index}][order]`] = String(signer.order);
	});
	if (input.title) fields.title = input.title;
	if (input.subject) fields.subject = input.subject;
	if (input.message) fields.message = input.message;
	if (input.formFields) fields.form_fields_per_document = JSON.stringify(input.formFields);
	if (input.useTextTags) fields.use_text_tags = '1';
	if (input.testMode) fields.test_mode = '1';
	const answer = await client.request<{ signature_request: DropboxSignRequest }>({
		method: 'POST',
		path: '/signature_request/send',
		body: { kind: 'multipart', fields, files: [{ field: 'files[0]', ...input.file }] },
	});
	return answer.signature_request;
}

/** `POST /signature_request/remind/{id}`: emails one signer again. */
export async function remindSigner(client: ProviderClient, signatureRequestId: string, email: string): Promise<DropboxSignRequest> {
	const answer = await client.request<{ signature_request: DropboxSignRequest }>({
		method: 'POST',
		path: `/signature_request/remind/${encodeURIComponent(signatureRequestId)}`,
		body: { kind: 'json', data: { email_address: email } },
	});
	return answer.signature_request;
}

/** Dropbox Sign answers 409 while it is still preparing the files of a just-completed request. */
const FILES_RETRY_AFTER_MS = 3_000;

function httpStatus(error: unknown): number | undefined {
	const code = Number((error as { httpCode?: unknown })?.httpCode);
	return Number.isFinite(code) ? code : undefined;
}

async function downloadFiles(client: ProviderClient, documentId: string): Promise<BinaryResponse> {
	// Settled as a value: a 409 becomes FileNotReadyError, which the node waits on; anything else is the transport's error as is.
	const outcome = await client
		.request({
			method: 'GET',
			path: `/signature_request/files/${encodeURIComponent(documentId)}`,
			query: { file_type: 'pdf' },
			response: 'binary',
		})
		.then(
			(file) => ({ file }),
			(error: unknown) => ({ error }),
		);
	if ('file' in outcome) return outcome.file;
	if (httpStatus(outcome.error) === 409) {
		return Promise.reject(
			new FileNotReadyError(
				`Dropbox Sign is still preparing the files of signature request ${documentId} (HTTP 409); the signature_request_downloadable event says when they are ready`,
				FILES_RETRY_AFTER_MS,
			),
		);
	}
	return Promise.reject(outcome.error);
}

export const dropboxSignAdapter: ProviderAdapter = {
	provider: 'dropbox-sign',
	displayName: 'Dropbox Sign',
	credentials: [
		{ value: 'apiKey', displayName: 'API Key', credentialType: 'dropboxSignApi' },
		{ value: 'oAuth2', displayName: 'OAuth2 (Connect Button)', credentialType: 'dropboxSignOAuth2Api' },
	],
	baseUrl: dropboxSignBaseUrl,
	errorMessage(_status, body) {
		const error = body && typeof body === 'object' ? (body as { error?: { error_msg?: unknown; error_name?: unknown } }).error : undefined;
		if (error && typeof error.error_msg === 'string') {
			return typeof error.error_name === 'string' ? `${error.error_msg} (${error.error_name})` : error.error_msg;
		}
		return undefined;
	},
	// Dropbox Sign answers 429 with X-Ratelimit-Reset; waiting a minute is its documented window.
	rateLimit: { maxRetries: 2, defaultRetryAfterMs: 10_000, maxWaitMs: 60_000 },

	document: {
		async get(client, documentId) {
			return toDocumentDetails(await getRequest(client, documentId));
		},

		async download(client, { documentId }) {
			const file = await downloadFiles(client, documentId);
			return { data: file.data, mimeType: 'application/pdf', fileName: file.fileName ?? `${documentId}.pdf` };
		},
	},

	invite: {
		signingLink,

		async cancel(client, { documentId }) {
			await client.request({
				method: 'POST',
				path: `/signature_request/cancel/${encodeURIComponent(documentId)}`,
				response: 'none',
			});
			return { documentId, status: 'cancelled', raw: {} };
		},
	},

	webhook: {
		register: registerCallback,
		list: listCallbacks,
		delete: deleteCallback,
	},

	// Dropbox Sign signs event_hash with the account's API key (API key credential only: an OAuth2
	// credential has no key to check callbacks with) and wants its acknowledgement text back.
	directWebhook: {
		secret: { kind: 'credential', field: 'apiKey' },
		handlerOptions: { maxAgeSeconds: 15 * 60 },
		response: { contentType: 'text/plain', body: ACKNOWLEDGEMENT_BODY },
	},

	webhookEvents: Object.keys(DROPBOX_SIGN_EVENT_TYPES).map((value) => ({ value, name: value })),

	template: {
		list: listTemplates,
		get: getTemplateSummary,
	},

	signatureRequest: {
		async sendFromTemplate(client, input) {
			return toDocumentDetails(await sendFromTemplate(client, input));
		},

		bulkSend,

		async send(client, input) {
			return toDocumentDetails(await sendSignatureRequest(client, toSendSignatureRequestInput(input)));
		},

		async remind(client, { documentId, email }) {
			return toDocumentDetails(await remindSigner(client, documentId, email));
		},
	},
};
