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
			const created: Array<Record<string, unknown>> = [];
			for (const item of json.data) {
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
