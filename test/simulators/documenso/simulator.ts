/**
 * Documenso's public API v2 (`/api/v2`, `Authorization: <api token>`, with or without
 * "Bearer "), for the calls the E-Signature node makes, as its OpenAPI routes define them:
 *   POST /envelope/create (multipart: `payload` JSON + the files as `files` or `files[]`, the SDK's spelling) → { id }
 *   POST /envelope/recipient/create-many { envelopeId, data: [{ email, name, role, signingOrder? }] }
 *   POST /envelope/field/create-many { envelopeId, data: [{ recipientId, type, page, positionX, positionY, width, height }] }
 *        (positions are percentages of the page, 0–100; page ≥ 1)
 *   POST /envelope/distribute { envelopeId, meta? } → { success, id, recipients[signingUrl] }
 *   GET  /envelope/{envelopeId} → the envelope with envelopeItems, recipients, fields
 *   GET  /envelope/item/{envelopeItemId}/download?version=signed|original|pending → PDF
 *   POST /envelope/delete { envelopeId }
 * Errors are tRPC-OpenAPI shaped: { message, code: "UNAUTHORIZED" | "NOT_FOUND" | "INVALID_BODY" … }.
 * Answers carry every property of the schemas in Documenso's OpenAPI document (the official SDK
 * validates them with zod), not only those the node reads.
 * Webhooks go to the team's configured URLs as Documenso's execute-webhook job sends them, in the
 * background (the API call never waits): JSON { deliveryId, event, payload, createdAt,
 * webhookEndpoint } with `X-Documenso-Secret`; a non-2xx answer or no answer fails the job, which
 * Documenso's job queue (BullMQ: 3 attempts, exponential backoff from 1 s) runs again after 1 s and
 * 2 s, with the same deliveryId and a fresh createdAt.
 *
 * Templates, placeholders and certificates (issue 14; the block "Templates, placeholders,
 * certificates" below):
 *   GET  /envelope?type=DOCUMENT|TEMPLATE&query&page&perPage → { data: [envelope (list shape)], count, currentPage, perPage, totalPages }
 *   POST /envelope/use (multipart `payload`: { envelopeId (a template), recipients: [{ id, email, name?, signingOrder? }],
 *        distributeDocument?, prefillFields: [{ id, type, label?, value }], override: { title, subject, message… } })
 *        → { id, recipients[signingUrl] }
 *   POST /envelope/field/create-many also takes { recipientId, type, placeholder, width?, height? }: the field goes on the
 *        text's box in the PDF (400 when the PDF does not contain it)
 *   GET  /envelope/{envelopeId}/certificate/download → the signing certificate PDF (completed envelopes)
 * Templates are envelopes of type TEMPLATE, made with /envelope/create and given recipients and fields as documents are.
 *
 * Control routes (not Documenso's): POST /__control/sign { envelopeId, email } signs for a
 * recipient (DOCUMENT_OPENED is not sent; DOCUMENT_SIGNED, and DOCUMENT_COMPLETED when all
 * signers are done); POST /__control/redeliver { index } resends a recorded delivery. Both answer
 * once the webhooks they caused have been posted.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { attemptDelivery, CallbackWorker, type SettleOptions } from '../shared/callbacks';
import { isObject, listen, parseJson, parseMultipart, sendBytes, sendJson } from '../shared/http';

/** Documenso's job queue: 3 attempts in all, exponential backoff from 1 s (1 s, then 2 s). */
export const WEBHOOK_RETRY_DELAYS_MS = [1_000, 2_000];
const WEBHOOK_TIMEOUT_MS = 30_000;

const RECIPIENT_ROLES = ['SIGNER', 'VIEWER', 'APPROVER', 'ASSISTANT', 'CC'];
const FIELD_TYPES = ['SIGNATURE', 'FREE_SIGNATURE', 'INITIALS', 'NAME', 'EMAIL', 'DATE', 'TEXT', 'NUMBER', 'RADIO', 'CHECKBOX', 'DROPDOWN'];

export interface DocumensoRecipient {
	id: number;
	envelopeId: string;
	documentId: number;
	templateId: null;
	email: string;
	name: string;
	token: string;
	role: string;
	signingOrder: number | null;
	readStatus: 'NOT_OPENED' | 'OPENED';
	signingStatus: 'NOT_SIGNED' | 'SIGNED' | 'REJECTED';
	sendStatus: 'NOT_SENT' | 'SENT';
	signedAt: string | null;
	expired: null;
	expiresAt: null;
	expirationNotifiedAt: null;
	rejectionReason: null;
	documentDeletedAt: null;
	authOptions: null;
}

export interface DocumensoEnvelope {
	id: string;
	secondaryId: string;
	legacyId: number;
	title: string;
	type: 'DOCUMENT' | 'TEMPLATE';
	status: 'DRAFT' | 'PENDING' | 'COMPLETED' | 'REJECTED';
	externalId: string | null;
	createdAt: string;
	updatedAt: string;
	completedAt: string | null;
	deletedAt: string | null;
	documentMeta: Record<string, unknown>;
	envelopeItems: Array<{ id: string; documentDataId: string; title: string; order: number; data: Buffer }>;
	recipients: DocumensoRecipient[];
	fields: Array<Record<string, unknown>>;
}

export interface DocumensoWebhookConfig {
	url: string;
	secret: string;
	events: string[];
}

export interface DocumensoSimulatorState {
	apiTokens: Set<string>;
	envelopes: Map<string, DocumensoEnvelope>;
	webhooks: DocumensoWebhookConfig[];
	/** Every attempt, in order; `retryInMs` is when the job runs again (null: delivered or given up). */
	deliveries: Array<{ url: string; event: string; headers: Record<string, string>; body: string; status: number; response: string; attempt: number; retryInMs: number | null }>;
	requests: Array<{ method: string; path: string }>;
	/** Overrides the clock that stamps `createdAt` (for stale-webhook tests). */
	now: () => number;
}

let sequence = 100;

function idSuffix(): string {
	return randomBytes(12).toString('base64url').replace(/[-_]/g, 'x').slice(0, 16);
}

function error(response: ServerResponse, status: number, code: string, message: string) {
	sendJson(response, status, { message, code, issues: [] });
}

function publicEnvelope(envelope: DocumensoEnvelope) {
	return {
		id: envelope.id,
		secondaryId: envelope.secondaryId,
		internalVersion: 2,
		type: envelope.type,
		status: envelope.status,
		title: envelope.title,
		externalId: envelope.externalId,
		source: 'DOCUMENT',
		visibility: 'EVERYONE',
		createdAt: envelope.createdAt,
		updatedAt: envelope.updatedAt,
		completedAt: envelope.completedAt,
		deletedAt: envelope.deletedAt,
		templateType: 'PRIVATE',
		authOptions: null,
		formValues: null,
		publicTitle: '',
		publicDescription: '',
		userId: OWNER.id,
		teamId: TEAM.id,
		folderId: null,
		templateId: null,
		documentMeta: envelope.documentMeta,
		envelopeItems: envelope.envelopeItems.map(({ id, documentDataId, title, order }) => ({ id, documentDataId, title, order, envelopeId: envelope.id })),
		recipients: envelope.recipients,
		fields: envelope.fields,
		directLink: null,
		team: TEAM,
		user: OWNER,
	};
}

const OWNER = { id: 1, name: 'Olive Owner', email: 'owner@example.com' };
const TEAM = { id: 1, url: 'personal-olive' };

/** A new envelope's meta, with Documenso's defaults for everything the API did not set. */
function defaultDocumentMeta(): Record<string, unknown> {
	return {
		id: `meta_${idSuffix()}`,
		subject: null,
		message: null,
		timezone: 'Etc/UTC',
		dateFormat: 'yyyy-MM-dd hh:mm a',
		redirectUrl: null,
		signingOrder: 'PARALLEL',
		allowDictateNextSigner: false,
		typedSignatureEnabled: true,
		uploadSignatureEnabled: true,
		drawSignatureEnabled: true,
		language: 'en',
		distributionMethod: 'EMAIL',
		emailSettings: {
			recipientSigningRequest: true,
			recipientRemoved: true,
			recipientSigned: true,
			documentPending: true,
			documentCompleted: true,
			documentDeleted: true,
			ownerDocumentCompleted: true,
			ownerRecipientExpired: true,
			ownerDocumentCreated: true,
		},
		emailId: null,
		emailReplyTo: null,
		envelopeExpirationPeriod: null,
	};
}

/** The webhook payload: the document in its legacy shape, as Documenso's mapper produces it. */
function webhookPayload(envelope: DocumensoEnvelope) {
	return {
		id: envelope.legacyId,
		envelopeId: envelope.id,
		externalId: envelope.externalId,
		userId: 1,
		authOptions: null,
		formValues: null,
		visibility: 'EVERYONE',
		title: envelope.title,
		status: envelope.status,
		createdAt: envelope.createdAt,
		updatedAt: envelope.updatedAt,
		completedAt: envelope.completedAt,
		deletedAt: envelope.deletedAt,
		teamId: 1,
		templateId: null,
		source: 'DOCUMENT',
		documentMeta: envelope.documentMeta,
		recipients: envelope.recipients,
		Recipient: envelope.recipients,
	};
}

export async function startDocumensoSimulator(options: { apiToken?: string; retryDelayScale?: number } = {}) {
	const state: DocumensoSimulatorState = {
		apiTokens: new Set([options.apiToken ?? 'api_simulatorToken0001']),
		envelopes: new Map(),
		webhooks: [],
		deliveries: [],
		requests: [],
		now: () => Date.now(),
	};

	const worker = new CallbackWorker(WEBHOOK_RETRY_DELAYS_MS, options.retryDelayScale);

	/** One run of the execute-webhook job; a failed run is queued again on the job queue's backoff. */
	async function execute(url: string, headers: Record<string, string>, message: Record<string, unknown>, attempt: number) {
		const body = JSON.stringify({ ...message, createdAt: new Date(state.now()).toISOString() });
		const answer = await attemptDelivery(url, body, headers, WEBHOOK_TIMEOUT_MS);
		const ok = answer.status >= 200 && answer.status < 300;
		const retryInMs = ok ? null : worker.retryDelay(attempt);
		state.deliveries.push({ url, event: String(message.event), headers, body, status: answer.status, response: answer.body, attempt, retryInMs });
		if (retryInMs !== null) worker.schedule(retryInMs, () => execute(url, headers, message, attempt + 1));
	}

	/** The event's data is taken now; the worker posts it after the API call has answered. */
	function fire(event: string, envelope: DocumensoEnvelope) {
		for (const webhook of state.webhooks) {
			if (!webhook.events.includes(event)) continue;
			const message = { deliveryId: randomBytes(10).toString('base64url'), event, payload: webhookPayload(envelope), webhookEndpoint: webhook.url };
			const headers = { 'Content-Type': 'application/json', 'X-Documenso-Secret': webhook.secret ?? '' };
			worker.run(() => execute(webhook.url, headers, message, 1));
		}
	}

	function authorized(request: IncomingMessage): boolean {
		const value = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '').trim();
		return state.apiTokens.has(value);
	}

	function envelopeFrom(response: ServerResponse, id: unknown): DocumensoEnvelope | undefined {
		const envelope = typeof id === 'string' ? state.envelopes.get(id) : undefined;
		if (!envelope || envelope.deletedAt) {
			error(response, 404, 'NOT_FOUND', 'Envelope not found');
			return undefined;
		}
		return envelope;
	}

	/* Templates, placeholders, certificates (issue 14) ---------------------------------------- */

	/** An envelope as `GET /envelope` lists it (Documenso's ZEnvelopeManySchema). */
	function manyEnvelope(envelope: DocumensoEnvelope) {
		const full: Record<string, unknown> = publicEnvelope(envelope);
		// The list shape has no meta, items, fields or direct link.
		for (const key of ['documentMeta', 'envelopeItems', 'fields', 'directLink']) delete full[key];
		return full;
	}

	/** Where `text` is drawn in the item's PDF: page (from 1) and its box in percentages of the page. */
	function findText(data: Buffer, text: string): { page: number; positionX: number; positionY: number; width: number; height: number } | undefined {
		const pdf = data.toString('latin1');
		const size = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf);
		const [width, height] = size ? [Number(size[1]), Number(size[2])] : [612, 792];
		const streams = [...pdf.matchAll(/stream\n([\s\S]*?)\nendstream/g)].map((m) => m[1]).filter((s) => s.includes('BT'));
		for (const [pageIndex, stream] of streams.entries()) {
			// The test PDFs' text: `x y Td`, a leading `n TL`, one `(line) '` per line at the font size.
			const start = /([\d.]+) ([\d.]+) Td/.exec(stream);
			const leading = Number(/([\d.]+) TL/.exec(stream)?.[1] ?? 14);
			const fontSize = Number(/\/F\d+ ([\d.]+) Tf/.exec(stream)?.[1] ?? 12);
			const lines = [...stream.matchAll(/\(((?:\\.|[^\\)])*)\) '/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
			for (const [lineIndex, line] of lines.entries()) {
				const at = line.indexOf(text);
				if (at === -1) continue;
				const charWidth = fontSize * 0.5;
				const x = Number(start?.[1] ?? 72) + at * charWidth;
				const baseline = Number(start?.[2] ?? height - 32) - leading * (lineIndex + 1);
				const pct = (value: number, of: number) => Math.round((value / of) * 10_000) / 100;
				return { page: pageIndex + 1, positionX: pct(x, width), positionY: pct(height - baseline - fontSize, height), width: pct(text.length * charWidth, width), height: pct(fontSize * 1.2, height) };
			}
		}
		return undefined;
	}

	/**
	 * `placeholder` fields of `/envelope/field/create-many` become coordinate fields at the text's
	 * box (width/height override it); a text the PDF does not contain fails the whole call.
	 */
	function resolvePlaceholders(envelope: DocumensoEnvelope, items: unknown[]): unknown[] | string {
		const resolved: unknown[] = [];
		for (const item of items) {
			if (!isObject(item) || item.placeholder === undefined) {
				resolved.push(item);
				continue;
			}
			if (typeof item.placeholder !== 'string' || item.placeholder === '') return 'placeholder must be a non-empty string';
			if (item.page !== undefined || item.positionX !== undefined || item.positionY !== undefined) return 'A field is placed either by page/positionX/positionY or by placeholder, not both';
			const envelopeItem = typeof item.envelopeItemId === 'string' ? envelope.envelopeItems.find((i) => i.id === item.envelopeItemId) : envelope.envelopeItems[0];
			const box = envelopeItem ? findText(envelopeItem.data, item.placeholder) : undefined;
			if (!box) return `Placeholder "${item.placeholder}" was not found in the PDF`;
			const rest: Record<string, unknown> = { ...item };
			delete rest.placeholder;
			delete rest.matchAll;
			resolved.push({ ...rest, page: box.page, positionX: box.positionX, positionY: box.positionY, width: item.width ?? box.width, height: item.height ?? box.height });
		}
		return resolved;
	}

	/** `POST /envelope/use`: a document from a template, recipients filled in, fields prefilled. */
	function useTemplate(response: ServerResponse, payload: Record<string, unknown>) {
		const template = envelopeFrom(response, payload.envelopeId);
		if (!template) return;
		if (template.type !== 'TEMPLATE') return error(response, 400, 'INVALID_REQUEST', 'The envelope is not a template');
		const given = Array.isArray(payload.recipients) ? payload.recipients : [];
		for (const recipient of given) {
			if (!isObject(recipient) || typeof recipient.id !== 'number' || typeof recipient.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(recipient.email)) {
				return error(response, 400, 'INVALID_BODY', 'Each recipient needs the template recipient id (number) and a valid email');
			}
			if (!template.recipients.some((r) => r.id === recipient.id)) return error(response, 400, 'INVALID_BODY', `Recipient ${recipient.id} is not a recipient of the template`);
		}
		const prefill = Array.isArray(payload.prefillFields) ? payload.prefillFields : [];
		for (const field of prefill) {
			const known = isObject(field) ? template.fields.find((f) => f.id === field.id) : undefined;
			if (!isObject(field) || !known) return error(response, 400, 'INVALID_BODY', `Prefill field ${isObject(field) ? String(field.id) : '?'} is not a field of the template`);
			if (String(known.type).toLowerCase() !== field.type) return error(response, 400, 'INVALID_BODY', `Prefill field ${String(field.id)} is a ${String(known.type)} field, not ${String(field.type)}`);
			if (field.type === 'checkbox' ? !Array.isArray(field.value) : field.value !== undefined && typeof field.value !== 'string') return error(response, 400, 'INVALID_BODY', `Prefill field ${String(field.id)}: wrong value type`);
		}
		const override = isObject(payload.override) ? payload.override : {};
		const now = new Date(state.now()).toISOString();
		const id = `envelope_${idSuffix()}`;
		const legacyId = sequence++;
		const recipientIds = new Map<number, number>();
		const document: DocumensoEnvelope = {
			...template,
			id,
			secondaryId: `document_${legacyId}`,
			legacyId,
			type: 'DOCUMENT',
			title: typeof override.title === 'string' ? override.title : template.title,
			status: 'DRAFT',
			externalId: typeof payload.externalId === 'string' ? payload.externalId : null,
			createdAt: now,
			updatedAt: now,
			documentMeta: { ...template.documentMeta, ...(typeof override.subject === 'string' ? { subject: override.subject } : {}), ...(typeof override.message === 'string' ? { message: override.message } : {}) },
			envelopeItems: template.envelopeItems.map((item) => ({ ...item, id: `envelope_item_${idSuffix()}` })),
			recipients: template.recipients.map((recipient) => {
				const filled = given.find((r) => isObject(r) && r.id === recipient.id) as Record<string, unknown> | undefined;
				const newId = sequence++;
				recipientIds.set(recipient.id, newId);
				return {
					...recipient,
					id: newId,
					envelopeId: id,
					documentId: legacyId,
					email: filled ? String(filled.email) : recipient.email,
					name: filled && typeof filled.name === 'string' ? filled.name : recipient.name,
					signingOrder: filled && typeof filled.signingOrder === 'number' ? filled.signingOrder : recipient.signingOrder,
					token: randomBytes(15).toString('base64url'),
				};
			}),
			fields: [],
		};
		document.fields = template.fields.map((field) => {
			const value = prefill.find((p) => isObject(p) && p.id === field.id) as Record<string, unknown> | undefined;
			const meta = isObject(field.fieldMeta) ? field.fieldMeta : {};
			return { ...field, id: sequence++, envelopeId: id, envelopeItemId: document.envelopeItems[0].id, recipientId: recipientIds.get(Number(field.recipientId)), fieldMeta: value ? { ...meta, readOnly: true, ...(value.type === 'checkbox' ? { values: value.value } : { text: value.value }) } : field.fieldMeta };
		});
		state.envelopes.set(id, document);
		if (payload.distributeDocument === true) {
			document.status = 'PENDING';
			for (const recipient of document.recipients) recipient.sendStatus = 'SENT';
			fire('DOCUMENT_SENT', document);
		}
		return sendJson(response, 200, {
			id,
			recipients: document.recipients.map((r) => ({ id: r.id, name: r.name, email: r.email, token: r.token, role: r.role, signingOrder: r.signingOrder, signingUrl: `${listening.url}/sign/${r.token}` })),
		});
	}

	/** The issue 14 routes; true when `route` was one of them (and has been answered). */
	function issue14Route(route: string, url: URL, request: IncomingMessage, body: Buffer, response: ServerResponse): boolean {
		if (route === 'GET /envelope' && url.searchParams.has('type')) {
			const type = url.searchParams.get('type');
			if (type !== 'DOCUMENT' && type !== 'TEMPLATE') {
				error(response, 400, 'INVALID_BODY', 'type must be DOCUMENT or TEMPLATE');
				return true;
			}
			const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
			const perPage = Math.max(1, Number(url.searchParams.get('perPage') ?? 10));
			const query = (url.searchParams.get('query') ?? '').toLowerCase();
			const matching = [...state.envelopes.values()].filter((e) => !e.deletedAt && e.type === type && (query === '' || e.title.toLowerCase().includes(query)));
			sendJson(response, 200, { data: matching.slice((page - 1) * perPage, page * perPage).map(manyEnvelope), count: matching.length, currentPage: page, perPage, totalPages: Math.max(1, Math.ceil(matching.length / perPage)) });
			return true;
		}
		if (route === 'POST /envelope/use') {
			const parts = parseMultipart(request.headers['content-type'], body);
			const payloadPart = parts?.find((p) => p.name === 'payload');
			const payload = payloadPart ? parseJson(payloadPart.data) : undefined;
			if (!isObject(payload) || typeof payload.envelopeId !== 'string') error(response, 400, 'INVALID_BODY', 'Expected multipart/form-data with a JSON "payload" holding envelopeId');
			else useTemplate(response, payload);
			return true;
		}
		const certificateMatch = /^GET \/envelope\/(envelope_[A-Za-z0-9]+)\/certificate\/download$/.exec(route);
		if (certificateMatch) {
			const envelope = envelopeFrom(response, certificateMatch[1]);
			if (!envelope) return true;
			if (envelope.status !== 'COMPLETED') error(response, 400, 'INVALID_REQUEST', 'The certificate exists once the envelope is completed');
			else sendBytes(response, 200, Buffer.from(`%PDF-1.4\n% Signing certificate of ${envelope.title}: ${envelope.recipients.map((r) => `${r.email} signed ${r.signedAt}`).join('; ')}\n%%EOF\n`, 'latin1'), { 'content-type': 'application/pdf' });
			return true;
		}
		return false;
	}

	const listening = await listen(async (request, response, body) => {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const path = url.pathname;
		state.requests.push({ method: request.method ?? 'GET', path });

		if (path.startsWith('/__control/')) return control(path, body, response);
		if (!path.startsWith('/api/v2/')) return error(response, 404, 'NOT_FOUND', 'Not found');
		if (!authorized(request)) {
			return error(response, 401, 'UNAUTHORIZED', 'Unauthorized: a valid API token is required in the Authorization header');
		}
		const route = `${request.method} ${path.slice('/api/v2'.length)}`;
		if (issue14Route(route, url, request, body, response)) return;

		if (route === 'POST /envelope/create') {
			const parts = parseMultipart(request.headers['content-type'], body);
			if (!parts) return error(response, 400, 'INVALID_BODY', 'Expected multipart/form-data');
			const payloadPart = parts.find((p) => p.name === 'payload');
			const payload = payloadPart ? parseJson(payloadPart.data) : undefined;
			const files = parts.filter((p) => (p.name === 'files' || p.name === 'files[]') && p.fileName !== undefined);
			if (!isObject(payload) || typeof payload.title !== 'string' || payload.title === '' || !['DOCUMENT', 'TEMPLATE'].includes(String(payload.type))) {
				return error(response, 400, 'INVALID_BODY', 'payload must be JSON with a non-empty "title" and "type" DOCUMENT or TEMPLATE');
			}
			if (files.length === 0) return error(response, 400, 'INVALID_BODY', 'At least one file is required in "files"');
			if (files.some((f) => !f.data.subarray(0, 5).equals(Buffer.from('%PDF-')))) {
				return error(response, 400, 'INVALID_BODY', 'Only PDF files are supported');
			}
			const now = new Date(state.now()).toISOString();
			const id = `envelope_${idSuffix()}`;
			const envelope: DocumensoEnvelope = {
				id,
				secondaryId: `document_${sequence}`,
				legacyId: sequence++,
				title: payload.title,
				type: payload.type as 'DOCUMENT',
				status: 'DRAFT',
				externalId: typeof payload.externalId === 'string' ? payload.externalId : null,
				createdAt: now,
				updatedAt: now,
				completedAt: null,
				deletedAt: null,
				documentMeta: defaultDocumentMeta(),
				// Documenso numbers envelope items from 1.
				envelopeItems: files.map((file, order) => ({ id: `envelope_item_${idSuffix()}`, documentDataId: `document_data_${idSuffix()}`, title: file.fileName ?? 'document.pdf', order: order + 1, data: file.data })),
				recipients: [],
				fields: [],
			};
			state.envelopes.set(id, envelope);
			fire('DOCUMENT_CREATED', envelope);
			return sendJson(response, 200, { id });
		}

		const json = parseJson(body);
		if (route === 'POST /envelope/recipient/create-many') {
			if (!isObject(json) || !Array.isArray(json.data)) return error(response, 400, 'INVALID_BODY', 'Expected { envelopeId, data: [] }');
			const envelope = envelopeFrom(response, json.envelopeId);
			if (!envelope) return;
			if (envelope.status !== 'DRAFT') return error(response, 400, 'ENVELOPE_DRAFT', 'Recipients can only be added to a draft envelope');
			const created: DocumensoRecipient[] = [];
			for (const item of json.data) {
				if (!isObject(item) || typeof item.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(item.email) || typeof item.name !== 'string' || !RECIPIENT_ROLES.includes(String(item.role))) {
					return error(response, 400, 'INVALID_BODY', 'Each recipient needs a valid email, a name and a role (SIGNER, VIEWER, APPROVER, ASSISTANT, CC)');
				}
				if (envelope.recipients.some((r) => r.email.toLowerCase() === String(item.email).toLowerCase())) {
					return error(response, 400, 'INVALID_REQUEST', `Recipient ${item.email} already exists on this envelope`);
				}
				created.push({
					id: sequence++,
					envelopeId: envelope.id,
					documentId: envelope.legacyId,
					templateId: null,
					email: item.email,
					name: item.name,
					token: randomBytes(15).toString('base64url'),
					role: String(item.role),
					signingOrder: typeof item.signingOrder === 'number' ? item.signingOrder : null,
					readStatus: 'NOT_OPENED',
					signingStatus: 'NOT_SIGNED',
					sendStatus: 'NOT_SENT',
					signedAt: null,
					expired: null,
					expiresAt: null,
					expirationNotifiedAt: null,
					rejectionReason: null,
					documentDeletedAt: null,
					authOptions: null,
				});
			}
			envelope.recipients.push(...created);
			envelope.updatedAt = new Date(state.now()).toISOString();
			return sendJson(response, 200, { data: created });
		}

		if (route === 'POST /envelope/field/create-many') {
			if (!isObject(json) || !Array.isArray(json.data)) return error(response, 400, 'INVALID_BODY', 'Expected { envelopeId, data: [] }');
			const envelope = envelopeFrom(response, json.envelopeId);
			if (!envelope) return;
			if (envelope.status !== 'DRAFT') return error(response, 400, 'ENVELOPE_DRAFT', 'Fields can only be added to a draft envelope');
			const items = resolvePlaceholders(envelope, json.data);
			if (typeof items === 'string') return error(response, 400, 'INVALID_BODY', items);
			const created: Array<Record<string, unknown>> = [];
			for (const item of items) {
				const inRange = (v: unknown, min: number, max: number) => typeof v === 'number' && v >= min && v <= max;
				if (
					!isObject(item) ||
					!FIELD_TYPES.includes(String(item.type)) ||
					!envelope.recipients.some((r) => r.id === item.recipientId) ||
					!(typeof item.page === 'number' && Number.isInteger(item.page) && item.page >= 1) ||
					!inRange(item.positionX, 0, 100) ||
					!inRange(item.positionY, 0, 100) ||
					!inRange(item.width, 0, 100) ||
					!inRange(item.height, 0, 100)
				) {
					return error(response, 400, 'INVALID_BODY', 'Each field needs a known type, an existing recipientId, page ≥ 1 and positionX/positionY/width/height as percentages (0–100)');
				}
				const itemId = typeof item.envelopeItemId === 'string' ? item.envelopeItemId : envelope.envelopeItems[0].id;
				const id = sequence++;
				created.push({ id, secondaryId: `field_${idSuffix()}`, envelopeId: envelope.id, envelopeItemId: itemId, recipientId: item.recipientId, type: item.type, page: item.page, positionX: item.positionX, positionY: item.positionY, width: item.width, height: item.height, customText: '', inserted: false, fieldMeta: item.fieldMeta ?? null });
			}
			envelope.fields.push(...created);
			envelope.updatedAt = new Date(state.now()).toISOString();
			return sendJson(response, 200, { data: created });
		}

		if (route === 'POST /envelope/distribute') {
			if (!isObject(json)) return error(response, 400, 'INVALID_BODY', 'Expected { envelopeId }');
			const envelope = envelopeFrom(response, json.envelopeId);
			if (!envelope) return;
			if (envelope.status !== 'DRAFT') return error(response, 400, 'INVALID_REQUEST', 'Envelope has already been sent');
			const signers = envelope.recipients.filter((r) => r.role === 'SIGNER');
			if (signers.length === 0) return error(response, 400, 'INVALID_REQUEST', 'The envelope has no signers');
			const missing = signers.filter((r) => !envelope.fields.some((f) => f.recipientId === r.id && f.type === 'SIGNATURE'));
			if (missing.length > 0) {
				return error(response, 400, 'INVALID_REQUEST', `Signers without a signature field: ${missing.map((r) => r.email).join(', ')}`);
			}
			if (isObject(json.meta)) Object.assign(envelope.documentMeta, json.meta);
			envelope.status = 'PENDING';
			envelope.updatedAt = new Date(state.now()).toISOString();
			for (const recipient of envelope.recipients) recipient.sendStatus = 'SENT';
			fire('DOCUMENT_SENT', envelope);
			return sendJson(response, 200, {
				success: true,
				id: envelope.id,
				recipients: envelope.recipients.map((r) => ({ ...r, signingUrl: `${listening.url}/sign/${r.token}` })),
			});
		}

		if (route === 'POST /envelope/delete') {
			if (!isObject(json)) return error(response, 400, 'INVALID_BODY', 'Expected { envelopeId }');
			const envelope = envelopeFrom(response, json.envelopeId);
			if (!envelope) return;
			envelope.deletedAt = new Date(state.now()).toISOString();
			if (envelope.status === 'PENDING') fire('DOCUMENT_CANCELLED', envelope);
			return sendJson(response, 200, { success: true });
		}

		if (route === 'GET /envelope') {
			const perPage = Math.max(1, Number(url.searchParams.get('perPage') ?? 10));
			const live = [...state.envelopes.values()].filter((e) => !e.deletedAt);
			return sendJson(response, 200, { data: live.slice(0, perPage).map(publicEnvelope), count: live.length, currentPage: 1, perPage, totalPages: Math.ceil(live.length / perPage) });
		}

		const getMatch = /^GET \/envelope\/(envelope_[A-Za-z0-9]+)$/.exec(route);
		if (getMatch) {
			const envelope = envelopeFrom(response, getMatch[1]);
			if (envelope) sendJson(response, 200, publicEnvelope(envelope));
			return;
		}

		const downloadMatch = /^GET \/envelope\/item\/([A-Za-z0-9_]+)\/download$/.exec(route);
		if (downloadMatch) {
			const version = url.searchParams.get('version') ?? 'signed';
			if (!['original', 'signed', 'pending'].includes(version)) return error(response, 400, 'INVALID_BODY', 'version must be original, signed or pending');
			const envelope = [...state.envelopes.values()].find((e) => e.envelopeItems.some((i) => i.id === downloadMatch[1]));
			const item = envelope?.envelopeItems.find((i) => i.id === downloadMatch[1]);
			if (!envelope || !item) return error(response, 404, 'NOT_FOUND', 'Envelope item not found');
			if (version === 'signed' && envelope.status !== 'COMPLETED') {
				return error(response, 400, 'INVALID_REQUEST', 'The envelope is not completed yet: no signed version exists');
			}
			const data = version === 'signed' ? Buffer.concat([item.data, Buffer.from(`\n% signed by ${envelope.recipients.map((r) => r.email).join(', ')}\n`)]) : item.data;
			return sendBytes(response, 200, data, { 'content-type': 'application/pdf' });
		}

		return error(response, 404, 'NOT_FOUND', `No route ${route}`);
	});

	async function control(path: string, body: Buffer, response: ServerResponse) {
		await worker.settled();
		const json = parseJson(body);
		if (path === '/__control/sign' && isObject(json)) {
			const envelope = state.envelopes.get(String(json.envelopeId));
			const recipient = envelope?.recipients.find((r) => r.email === json.email);
			if (!envelope || !recipient || envelope.status !== 'PENDING') return sendJson(response, 409, { message: 'nothing to sign' });
			const now = new Date(state.now()).toISOString();
			recipient.readStatus = 'OPENED';
			recipient.signingStatus = 'SIGNED';
			recipient.signedAt = now;
			envelope.updatedAt = now;
			const done = envelope.recipients.filter((r) => r.role === 'SIGNER').every((r) => r.signingStatus === 'SIGNED');
			if (done) {
				envelope.status = 'COMPLETED';
				envelope.completedAt = now;
			}
			fire('DOCUMENT_SIGNED', envelope);
			if (done) fire('DOCUMENT_COMPLETED', envelope);
			await worker.settled();
			return sendJson(response, 200, { status: envelope.status });
		}
		if (path === '/__control/redeliver' && isObject(json)) {
			const original = state.deliveries[Number(json.index)];
			if (!original) return sendJson(response, 404, { message: 'no such delivery' });
			// A retry re-runs the job: same event, data and deliveryId, fresh createdAt.
			const parsed = JSON.parse(original.body) as Record<string, unknown>;
			const body2 = JSON.stringify({ ...parsed, createdAt: new Date(state.now()).toISOString() });
			const answer = await attemptDelivery(original.url, body2, original.headers, WEBHOOK_TIMEOUT_MS);
			state.deliveries.push({ ...original, body: body2, status: answer.status, response: answer.body, attempt: original.attempt + 1, retryInMs: null });
			return sendJson(response, 200, answer);
		}
		return sendJson(response, 404, { message: 'unknown control route' });
	}

	return {
		url: listening.url,
		apiBaseUrl: `${listening.url}/api/v2`,
		state,
		/** Resolves once every webhook queued so far has been posted (retries due later excepted). */
		settled: (options?: SettleOptions) => worker.settled(options),
		async close() {
			worker.close();
			await listening.close();
		},
	};
}

export type DocumensoSimulator = Awaited<ReturnType<typeof startDocumensoSimulator>>;
