/**
 * SignOS as seed 002 publishes it, served over real HTTP:
 *
 * - `Authorization: Bearer so_live_…|so_test_…` on every API call (401 otherwise);
 * - `GET /v1/upload/presigned-url` → a short-lived presigned R2 URL and its `storageKey`;
 *   the PDF is PUT straight to that URL ("no SignOS servers in the upload path"), which, like
 *   R2/S3, refuses an expired or altered URL and a second auth mechanism (an Authorization
 *   header next to the query signature);
 * - `POST /v1/documents` {title, recipients, storageKey, fields?} creates the document and
 *   sends it immediately, as the seed says; `send: false` keeps a draft for `POST
 *   /v1/documents/:id/send`; `GET /v1/documents/:id`, `GET /v1/documents/:id/download`,
 *   `POST /v1/documents/:id/void`;
 * - per-key rolling 60-second rate limit answered with 429 + Retry-After (seconds);
 * - webhooks to registered endpoints, HMAC-SHA256 hex of the raw body in
 *   `X-SignOS-Signature`, posted in the background by the shared callback worker and retried
 *   with exponential backoff on failure, same body each time.
 *
 * Where the seed is silent (payload field names, error body shape) the choices are the
 * ones documented in README.md (Providers → SignOS).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { attemptDelivery, CallbackWorker, type SettleOptions } from '../shared/callbacks';
import { isObject, listen, parseJson, sendBytes, sendJson, type Listening } from '../shared/http';

export type SignOsDocumentStatus = 'draft' | 'sent' | 'completed' | 'declined' | 'voided' | 'expired';
export type RecipientRole = 'signer' | 'approver' | 'cc';

export interface SignOsRecipient {
	id: string;
	email: string;
	name: string | null;
	role: RecipientRole;
	order: number;
	status: 'pending' | 'signed' | 'declined' | 'approved' | 'rejected';
}

export interface SignOsDocument {
	id: string;
	title: string;
	status: SignOsDocumentStatus;
	storageKey: string;
	recipients: SignOsRecipient[];
	fields: unknown[];
	subject: string | null;
	message: string | null;
	expiresAt: string | null;
	createdAt: string;
	updatedAt: string;
	completedAt: string | null;
}

export interface WebhookDelivery {
	url: string;
	body: string;
	headers: Record<string, string>;
	status: number | 'network-error';
	attempt: number;
}

export interface SignOsSimulatorOptions {
	apiKeys?: string[];
	/** Requests per key per window; the seed's Growth plan: 100 per 60 s. */
	rateLimit?: { max: number; windowMs: number };
	/** Webhook retry schedule: base delay (doubles each attempt) and attempts in all. */
	webhookRetry?: { baseMs: number; attempts: number };
	presignedUrlTtlSeconds?: number;
}

export interface RequestLogEntry {
	method: string;
	path: string;
	status: number;
	atMs: number;
	authorization?: string;
	contentType?: string;
	/** Seconds, on a 429. */
	retryAfter?: number;
}

// The seed names no timeout; a receiver that never answers must not hold the queue for ever.
const WEBHOOK_TIMEOUT_MS = 10_000;
const API_KEY = /^so_(live|test)_[A-Za-z0-9]{16,}$/;

function apiError(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
	sendJson(response, status, { error: { code, message } }, headers);
}

export class SignOsSimulator {
	readonly apiKeys: Set<string>;
	readonly documents = new Map<string, SignOsDocument>();
	readonly objects = new Map<string, { data: Buffer; contentType: string }>();
	readonly requests: RequestLogEntry[] = [];
	readonly deliveries: WebhookDelivery[] = [];
	private readonly endpoints: Array<{ url: string; secret: string }> = [];
	private readonly usage = new Map<string, number[]>();
	private readonly presignKey = randomBytes(32);
	private readonly worker: CallbackWorker;
	private listening?: Listening;

	constructor(private readonly options: SignOsSimulatorOptions = {}) {
		this.apiKeys = new Set(options.apiKeys ?? [`so_test_${randomBytes(12).toString('hex')}`]);
		const { baseMs, attempts } = options.webhookRetry ?? { baseMs: 1000, attempts: 5 };
		// The delay before retry n doubles each time; `attempts` counts the first one too.
		this.worker = new CallbackWorker(Array.from({ length: Math.max(0, attempts - 1) }, (_, n) => baseMs * 2 ** n));
	}

	get url(): string {
		if (!this.listening) throw new Error('SignOS simulator is not started');
		return this.listening.url;
	}

	get apiKey(): string {
		return [...this.apiKeys][0];
	}

	async start(): Promise<this> {
		this.listening = await listen((request, response, body) => this.handle(request, response, body));
		return this;
	}

	async stop(): Promise<void> {
		await this.settled();
		this.worker.close();
		await this.listening?.close();
	}

	/** Dashboard → Webhooks: register an HTTPS endpoint and its signing secret. */
	addWebhookEndpoint(url: string, secret = `whsk_${randomBytes(24).toString('hex')}`): string {
		this.endpoints.push({ url, secret });
		return secret;
	}

	/** Waits until the webhook deliveries queued so far have been answered; `retries`: their retries too. */
	settled(options?: SettleOptions): Promise<void> {
		return this.worker.settled(options);
	}

	// ---------------------------------------------------------------- signing-side actions

	signRecipient(documentId: string, email: string): void {
		const doc = this.requireDocument(documentId);
		const recipient = this.requireRecipient(doc, email);
		if (doc.status !== 'sent') throw new Error(`document ${documentId} is ${doc.status}, not out for signature`);
		if (recipient.role === 'approver') {
			recipient.status = 'approved';
			this.emit('approval.approved', doc, recipient);
		} else {
			recipient.status = 'signed';
			this.emit('signer.signed', doc, recipient);
		}
		this.touch(doc);
		const outstanding = doc.recipients.filter((r) => r.role !== 'cc' && r.status === 'pending');
		if (outstanding.length === 0) {
			doc.status = 'completed';
			doc.completedAt = doc.updatedAt;
			this.emit('document.completed', doc);
		}
	}

	declineRecipient(documentId: string, email: string): void {
		const doc = this.requireDocument(documentId);
		const recipient = this.requireRecipient(doc, email);
		recipient.status = recipient.role === 'approver' ? 'rejected' : 'declined';
		doc.status = 'declined';
		this.touch(doc);
		this.emit(recipient.role === 'approver' ? 'approval.rejected' : 'signer.declined', doc, recipient);
		this.emit('document.declined', doc);
	}

	verifyOtp(documentId: string, email: string): void {
		const doc = this.requireDocument(documentId);
		this.emit('signer.otp_verified', doc, this.requireRecipient(doc, email));
	}

	// ---------------------------------------------------------------- HTTP

	private async handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const log: RequestLogEntry = {
			method: request.method ?? 'GET',
			path: url.pathname,
			status: 0,
			atMs: performance.now(),
			authorization: request.headers.authorization,
			contentType: request.headers['content-type'],
		};
		this.requests.push(log);
		const originalWriteHead = response.writeHead.bind(response);
		response.writeHead = ((status: number, ...rest: never[]) => {
			log.status = status;
			return originalWriteHead(status, ...rest);
		}) as typeof response.writeHead;

		if (url.pathname.startsWith('/r2/')) return this.handleObjectPut(request, response, url, body);

		const key = this.authenticate(request);
		if (!key) return apiError(response, 401, 'unauthorized', 'Missing or invalid API key. Send Authorization: Bearer so_live_…');
		const retryAfter = this.rateLimited(key);
		if (retryAfter !== undefined) {
			log.retryAfter = retryAfter;
			return apiError(response, 429, 'rate_limited', 'Rate limit exceeded for this API key.', { 'retry-after': String(retryAfter) });
		}

		const method = request.method ?? 'GET';
		const path = url.pathname;
		if (method === 'GET' && path === '/v1/upload/presigned-url') return this.presign(response, url);
		if (method === 'POST' && path === '/v1/documents') return this.createDocument(request, response, body);
		if (method === 'GET' && path === '/v1/documents') return this.listDocuments(response, url);
		const match = /^\/v1\/documents\/([^/]+)(\/send|\/download|\/void)?$/.exec(path);
		if (match) {
			const doc = this.documents.get(decodeURIComponent(match[1]));
			if (!doc) return apiError(response, 404, 'not_found', `Document ${match[1]} not found.`);
			const action = match[2];
			if (method === 'GET' && !action) return sendJson(response, 200, doc);
			if (method === 'GET' && action === '/download') return this.download(response, doc);
			if (method === 'POST' && action === '/send') return this.send(request, response, body, doc);
			if (method === 'POST' && action === '/void') return this.voidDocument(response, body, doc);
			return apiError(response, 405, 'method_not_allowed', `${method} is not allowed on ${path}.`);
		}
		return apiError(response, 404, 'not_found', `No route for ${method} ${path}.`);
	}

	private authenticate(request: IncomingMessage): string | undefined {
		const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
		if (!match || !API_KEY.test(match[1]) || !this.apiKeys.has(match[1])) return undefined;
		return match[1];
	}

	/** Seconds to wait, when this key has used its window up. */
	private rateLimited(key: string): number | undefined {
		const { max, windowMs } = this.options.rateLimit ?? { max: 100, windowMs: 60_000 };
		const now = performance.now();
		const recent = (this.usage.get(key) ?? []).filter((at) => now - at < windowMs);
		if (recent.length >= max) {
			this.usage.set(key, recent);
			return Math.max(1, Math.ceil((recent[0] + windowMs - now) / 1000));
		}
		recent.push(now);
		this.usage.set(key, recent);
		return undefined;
	}

	private presignSignature(storageKey: string, expires: number): string {
		return createHmac('sha256', this.presignKey).update(`PUT\n/r2/${storageKey}\n${expires}`).digest('hex');
	}

	private presign(response: ServerResponse, url: URL): void {
		const fileName = url.searchParams.get('fileName') ?? 'document.pdf';
		const contentType = url.searchParams.get('contentType') ?? 'application/pdf';
		if (contentType !== 'application/pdf') {
			return apiError(response, 422, 'validation_error', 'contentType must be application/pdf.');
		}
		const safeName = fileName.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'document.pdf';
		const storageKey = `uploads/${randomUUID()}/${safeName}`;
		const ttl = this.options.presignedUrlTtlSeconds ?? 900;
		const expires = Math.floor(Date.now() / 1000) + ttl;
		const query = new URLSearchParams({
			'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
			'X-Amz-Expires': String(ttl),
			'X-Amz-Date': String(expires - ttl),
			'X-Amz-SignedHeaders': 'host',
			'X-Amz-Signature': this.presignSignature(storageKey, expires),
		});
		sendJson(response, 200, { url: `${this.url}/r2/${storageKey}?${query}`, storageKey, expiresIn: ttl });
	}

	private handleObjectPut(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): void {
		const xml = (status: number, code: string, message: string) => {
			const text = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
			sendBytes(response, status, Buffer.from(text), { 'content-type': 'application/xml' });
		};
		if (request.method !== 'PUT') return xml(405, 'MethodNotAllowed', 'Only PUT is presigned.');
		if (request.headers.authorization) {
			return xml(400, 'InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter should be present.');
		}
		const storageKey = url.pathname.slice('/r2/'.length);
		const issued = Number(url.searchParams.get('X-Amz-Date'));
		const expires = issued + Number(url.searchParams.get('X-Amz-Expires'));
		const signature = url.searchParams.get('X-Amz-Signature') ?? '';
		if (signature !== this.presignSignature(storageKey, expires)) {
			return xml(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
		}
		if (Date.now() / 1000 > expires) return xml(403, 'AccessDenied', 'Request has expired');
		this.objects.set(storageKey, { data: body, contentType: request.headers['content-type'] ?? 'application/octet-stream' });
		response.writeHead(200, { etag: `"${createHmac('md5', '').update(body).digest('hex')}"` });
		response.end();
	}

	private parseRecipients(raw: unknown): SignOsRecipient[] | string {
		if (raw === undefined) return [];
		if (!Array.isArray(raw)) return 'recipients must be a list.';
		const recipients: SignOsRecipient[] = [];
		for (const [index, entry] of raw.entries()) {
			if (!isObject(entry) || typeof entry.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(entry.email)) {
				return `recipients[${index}].email must be an email address.`;
			}
			const role = entry.role ?? 'signer';
			if (role !== 'signer' && role !== 'approver' && role !== 'cc') {
				return `recipients[${index}].role must be "signer", "approver" or "cc".`;
			}
			const order = entry.order ?? index + 1;
			if (typeof order !== 'number' || !Number.isInteger(order) || order < 1) return `recipients[${index}].order must be a positive integer.`;
			recipients.push({
				id: `rcp_${randomBytes(8).toString('hex')}`,
				email: entry.email,
				name: typeof entry.name === 'string' ? entry.name : null,
				role,
				order,
				status: 'pending',
			});
		}
		return recipients;
	}

	private createDocument(request: IncomingMessage, response: ServerResponse, body: Buffer): void {
		if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
			return apiError(response, 415, 'unsupported_media_type', 'Send JSON (Content-Type: application/json).');
		}
		const input = parseJson(body);
		if (!isObject(input)) return apiError(response, 400, 'invalid_json', 'The body is not a JSON object.');
		if (typeof input.title !== 'string' || input.title.trim() === '') return apiError(response, 422, 'validation_error', 'title is required.');
		if (typeof input.storageKey !== 'string') return apiError(response, 422, 'validation_error', 'storageKey is required (from GET /v1/upload/presigned-url).');
		const object = this.objects.get(input.storageKey);
		if (!object) return apiError(response, 422, 'validation_error', `Nothing was uploaded under storageKey ${input.storageKey}.`);
		if (object.data.subarray(0, 5).toString('latin1') !== '%PDF-') {
			return apiError(response, 422, 'validation_error', 'The uploaded file is not a PDF.');
		}
		const recipients = this.parseRecipients(input.recipients);
		if (typeof recipients === 'string') return apiError(response, 422, 'validation_error', recipients);
		const sendNow = input.send !== false;
		if (sendNow && recipients.filter((r) => r.role !== 'cc').length === 0) {
			return apiError(response, 422, 'validation_error', 'At least one signer or approver is required to send a document.');
		}
		const now = new Date().toISOString();
		const doc: SignOsDocument = {
			id: `doc_${randomBytes(10).toString('hex')}`,
			title: input.title,
			status: 'draft',
			storageKey: input.storageKey,
			recipients,
			fields: Array.isArray(input.fields) ? input.fields : [],
			subject: null,
			message: null,
			expiresAt: null,
			createdAt: now,
			updatedAt: now,
			completedAt: null,
		};
		this.documents.set(doc.id, doc);
		if (sendNow) this.markSent(doc, input);
		sendJson(response, 201, doc);
	}

	private send(request: IncomingMessage, response: ServerResponse, body: Buffer, doc: SignOsDocument): void {
		const input = body.length === 0 ? {} : parseJson(body);
		if (!isObject(input)) return apiError(response, 400, 'invalid_json', 'The body is not a JSON object.');
		if (doc.status !== 'draft') return apiError(response, 409, 'invalid_state', `Document is ${doc.status}; only drafts can be sent.`);
		if (input.recipients !== undefined) {
			const recipients = this.parseRecipients(input.recipients);
			if (typeof recipients === 'string') return apiError(response, 422, 'validation_error', recipients);
			doc.recipients = recipients;
		}
		if (doc.recipients.filter((r) => r.role !== 'cc').length === 0) {
			return apiError(response, 422, 'validation_error', 'At least one signer or approver is required to send a document.');
		}
		if (input.expiresInDays !== undefined && (typeof input.expiresInDays !== 'number' || input.expiresInDays < 1)) {
			return apiError(response, 422, 'validation_error', 'expiresInDays must be a positive number.');
		}
		this.markSent(doc, input);
		sendJson(response, 200, doc);
	}

	private markSent(doc: SignOsDocument, input: Record<string, unknown>): void {
		doc.status = 'sent';
		doc.subject = typeof input.subject === 'string' ? input.subject : null;
		doc.message = typeof input.message === 'string' ? input.message : null;
		if (typeof input.expiresInDays === 'number') {
			doc.expiresAt = new Date(Date.now() + input.expiresInDays * 86_400_000).toISOString();
		}
		this.touch(doc);
		this.emit('document.sent', doc);
	}

	private voidDocument(response: ServerResponse, body: Buffer, doc: SignOsDocument): void {
		if (doc.status !== 'sent' && doc.status !== 'draft') {
			return apiError(response, 409, 'invalid_state', `Document is ${doc.status}; it can no longer be voided.`);
		}
		const input = body.length === 0 ? {} : parseJson(body);
		doc.status = 'voided';
		this.touch(doc);
		this.emit('document.voided', doc, undefined, isObject(input) && typeof input.reason === 'string' ? { reason: input.reason } : {});
		sendJson(response, 200, doc);
	}

	private listDocuments(response: ServerResponse, url: URL): void {
		const limit = Number(url.searchParams.get('limit') ?? 20);
		if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
			return apiError(response, 422, 'validation_error', 'limit must be an integer from 1 to 100.');
		}
		const data = [...this.documents.values()].slice(0, limit);
		sendJson(response, 200, { data, hasMore: this.documents.size > limit });
	}

	private download(response: ServerResponse, doc: SignOsDocument): void {
		const object = this.objects.get(doc.storageKey);
		if (!object) return apiError(response, 404, 'not_found', 'The document file is missing.');
		// A completed document comes back with its signature certificate appended.
		const data =
			doc.status === 'completed'
				? Buffer.concat([object.data, Buffer.from(`\n% SignOS signature certificate: ${doc.id} completed ${doc.completedAt}\n`)])
				: object.data;
		const suffix = doc.status === 'completed' ? '-signed' : '';
		sendBytes(response, 200, data, {
			'content-type': 'application/pdf',
			'content-disposition': `attachment; filename="${doc.title.replace(/[^A-Za-z0-9._ -]+/g, '_')}${suffix}.pdf"`,
		});
	}

	// ---------------------------------------------------------------- webhooks

	private emit(event: string, doc: SignOsDocument, recipient?: SignOsRecipient, extra: Record<string, unknown> = {}): void {
		const payload = {
			id: `evt_${randomUUID()}`,
			event,
			createdAt: new Date().toISOString(),
			data: {
				documentId: doc.id,
				title: doc.title,
				status: doc.status,
				...(recipient ? { signer: { id: recipient.id, email: recipient.email, name: recipient.name, role: recipient.role } } : {}),
				...extra,
			},
		};
		const body = JSON.stringify(payload);
		for (const endpoint of this.endpoints) void this.worker.run(() => this.deliver(endpoint.url, endpoint.secret, body, 1));
	}

	/** Signs once; a failure is retried with the identical request after the next backoff delay. */
	private async deliver(url: string, secret: string, body: string, attempt: number): Promise<void> {
		const headers = {
			'content-type': 'application/json',
			'user-agent': 'SignOS-Webhooks/1.0',
			'x-signos-signature': createHmac('sha256', secret).update(body).digest('hex'),
		};
		const answer = await attemptDelivery(url, body, headers, WEBHOOK_TIMEOUT_MS);
		this.deliveries.push({ url, body, headers, status: answer.status === 0 ? 'network-error' : answer.status, attempt });
		const retryInMs = answer.status >= 200 && answer.status < 300 ? null : this.worker.retryDelay(attempt);
		if (retryInMs !== null) this.worker.schedule(retryInMs, () => this.deliver(url, secret, body, attempt + 1));
	}

	private touch(doc: SignOsDocument): void {
		doc.updatedAt = new Date().toISOString();
	}

	private requireDocument(id: string): SignOsDocument {
		const doc = this.documents.get(id);
		if (!doc) throw new Error(`SignOS simulator: no document ${id}`);
		return doc;
	}

	private requireRecipient(doc: SignOsDocument, email: string): SignOsRecipient {
		const recipient = doc.recipients.find((r) => r.email === email);
		if (!recipient) throw new Error(`SignOS simulator: ${email} is not a recipient of ${doc.id}`);
		return recipient;
	}
}
