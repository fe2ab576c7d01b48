/**
 * DocuSeal's REST API, for the calls the E-Signature node makes, as DocuSeal's API reference and
 * official SDKs (docuseal-js: `X-Auth-Token` header, JSON bodies) define them. Served at `/api`,
 * as a self-hosted DocuSeal does (the cloud serves the same paths at the host's root).
 *   GET    /api/submissions[?limit]            → { data, pagination }
 *   POST   /api/submissions/pdf                { name?, send_email?, order?: preserved|random, message?: {subject, body},
 *                                                documents: [{ name, file: base64, fields?: [{ name, type, role, required, areas: [{ x, y, w, h, page }] }] }],
 *                                                submitters: [{ role, email, name? }] } → the one-off submission
 *   GET    /api/submissions/{id}               → submission (status, submitters, documents, combined_document_url)
 *   GET    /api/submissions/{id}/documents[?merge=true] → { id, documents: [{ name, url }] } (preview until completed)
 *   DELETE /api/submissions/{id}               → { id, archived_at }
 *   PUT    /api/submitters/{id}                { send_email: true } → submitter; 422 once completed
 * Bodies are JSON (what the SDKs send) or form fields with Rails' nesting (`submitters[][email]`),
 * URL-encoded or multipart, as a Rails application reads them.
 * Errors: `{ error }` with 401 (missing or wrong key), 404, 422. Document URLs are signed links
 * (`/file/<token>/<name>.pdf`) that need no API key.
 *
 * Answers carry every property the types of the official SDK (generated from DocuSeal's OpenAPI
 * document) require, not only those the node reads.
 *
 * Webhooks (state.webhook = { url, secret }), sent in the background (the API call never waits):
 * JSON `{ event_type, timestamp, data }` with
 * `X-Docuseal-Signature: <unix seconds>.<hex HMAC-SHA256(secret, "<seconds>.<body>")>`. As DocuSeal's
 * webhook jobs do, an answer of 400 or more, or none, is retried with the same body (same
 * `timestamp`) and a fresh signature time, 2^attempt minutes later (1, 2, 4 … 1024 minutes: 11 retries).
 *
 * Control routes (not DocuSeal's): POST /__control/sign { submissionId, email },
 * POST /__control/retry-failed (re-posts now every failed delivery not yet retried). Both answer
 * once the webhooks they caused have been posted.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { attemptDelivery, CallbackWorker, type ScheduledRetry, type SettleOptions } from '../shared/callbacks';
import { isObject, listen, parseJson, parseMultipart, sendBytes, sendJson } from '../shared/http';

/** DocuSeal's webhook jobs: retried 2^attempt minutes later while attempt ≤ 10. */
export const WEBHOOK_RETRY_DELAYS_MS = Array.from({ length: 11 }, (_, attempt) => 2 ** attempt * 60_000);
const WEBHOOK_TIMEOUT_MS = 30_000;

const FIELD_TYPES = ['heading', 'text', 'signature', 'initials', 'date', 'number', 'image', 'checkbox', 'multiple', 'file', 'radio', 'select', 'cells', 'stamp', 'payment', 'phone', 'verification', 'kba', 'strikethrough'];
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

interface Submitter {
	id: number;
	uuid: string;
	slug: string;
	email: string;
	name: string | null;
	role: string;
	status: 'awaiting' | 'sent' | 'opened' | 'completed' | 'declined';
	sent_at: string | null;
	completed_at: string | null;
	emailsSent: number;
	/** Prefilled values, by field name. */
	values?: Record<string, string>;
	completedRedirectUrl?: string;
}

interface Field {
	name: string;
	type: string;
	role: string;
	required: boolean;
	areas: Array<{ x: number; y: number; w: number; h: number; page: number }>;
}

export interface Submission {
	id: number;
	name: string;
	slug: string;
	order: 'preserved' | 'random';
	message?: { subject?: string; body?: string };
	created_at: string;
	updated_at: string;
	completed_at: string | null;
	archived_at: string | null;
	document: { name: string; data: Buffer; pages: number; usedTags: boolean; attachmentUuid: string };
	/** The template DocuSeal makes for a one-off submission: its id and the uuids of its roles and fields (`fieldUuids[i]` is `fields[i]`'s). */
	template: { id: number; roleUuids: Map<string, string>; fieldUuids: string[] };
	fields: Field[];
	submitters: Submitter[];
	source?: 'api' | 'bulk';
	/** The combined PDF has been built (asked for once with `include=combined_document_url`). */
	combinedBuilt?: boolean;
}

/** A template as someone made it in DocuSeal's builder: roles (submitters) and named fields per role. */
export interface Template {
	id: number;
	slug: string;
	name: string;
	pdf: Buffer;
	attachmentUuid: string;
	roles: Array<{ name: string; uuid: string }>;
	fields: Array<{ uuid: string; name: string; type: string; role: string; required: boolean }>;
	created_at: string;
	updated_at: string;
	archived_at: string | null;
}

export interface DocuSealSimulatorState {
	apiKey: string;
	submissions: Map<number, Submission>;
	templates: Map<number, Template>;
	files: Map<string, Buffer>;
	webhook?: { url: string; secret: string };
	/** Every attempt, in order; `retryInMs` is when it is tried again (null: not retried, or given up). */
	deliveries: Array<{ eventType: string; body: string; status: number; delivered: boolean; retried: boolean; attempt: number; retryInMs: number | null }>;
	requests: Array<{ method: string; path: string; token?: string; status: number }>;
	now: () => number;
}

/**
 * Rails' nested parameters from form fields, as DocuSeal (a Rails application) reads them:
 * `a[b]=1` is a hash, `a[]=1` a list, `a[][b]=1&a[][c]=2` one hash per list entry (a new entry
 * starts when the last one already has the key).
 */
function railsParams(entries: Array<[string, string]>): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	const has = (hash: Record<string, unknown>, path: string[]): boolean => {
		if (path.includes('')) return false;
		let node: unknown = hash;
		for (const key of path) {
			if (!isObject(node) || !(key in node)) return false;
			node = node[key];
		}
		return true;
	};
	const assign = (node: Record<string, unknown>, [head, ...rest]: string[], value: string) => {
		if (rest.length === 0) {
			node[head] = value;
			return;
		}
		if (rest[0] === '') {
			const list = (Array.isArray(node[head]) ? node[head] : (node[head] = [])) as unknown[];
			const tail = rest.slice(1);
			if (tail.length === 0) return void list.push(value);
			let last = list.at(-1);
			if (!isObject(last) || has(last, tail)) list.push((last = {}));
			return assign(last as Record<string, unknown>, tail, value);
		}
		if (!isObject(node[head])) node[head] = {};
		assign(node[head] as Record<string, unknown>, rest, value);
	};
	for (const [key, value] of entries) {
		const path = key.match(/^[^[\]]+|\[[^[\]]*\]/g)?.map((segment) => segment.replace(/^\[|\]$/g, ''));
		if (path && path.length > 0) assign(root, path, value);
	}
	return root;
}

/** A request's parameters from JSON, a URL-encoded form or multipart form fields (Rails reads all three). */
function requestParams(contentType: string | undefined, body: Buffer): unknown {
	const parts = parseMultipart(contentType, body);
	if (parts) return railsParams(parts.map((p) => [p.name, p.data.toString('utf8')]));
	if (/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) return railsParams([...new URLSearchParams(body.toString('utf8')).entries()]);
	return parseJson(body);
}

/** A number, or a number written as form fields carry it ("72"). */
function numeric(value: unknown): unknown {
	return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
}

function isFalse(value: unknown): boolean {
	return value === false || value === 'false' || value === '0';
}

function pageCount(pdf: Buffer): number {
	return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

/** DocuSeal text tags: `{{Name;role=Signer 1;type=signature}}`. */
function textTags(pdf: Buffer): Array<{ name: string; role?: string; type: string }> {
	const tags: Array<{ name: string; role?: string; type: string }> = [];
	for (const match of pdf.toString('latin1').matchAll(/\{\{([^}]+)\}\}/g)) {
		const [name, ...options] = match[1].split(';');
		const option = (key: string) => options.find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1);
		tags.push({ name: name.trim(), role: option('role'), type: option('type') ?? 'text' });
	}
	return tags;
}

export async function startDocuSealSimulator(options: { apiKey?: string; retryDelayScale?: number } = {}) {
	const state: DocuSealSimulatorState = {
		apiKey: options.apiKey ?? `ds_${randomBytes(20).toString('hex')}`,
		submissions: new Map(),
		templates: new Map(),
		files: new Map(),
		deliveries: [],
		requests: [],
		now: () => Date.now(),
	};
	let nextSubmissionId = 1000;
	let nextSubmitterId = 5000;
	let nextTemplateId = 300;
	const worker = new CallbackWorker(WEBHOOK_RETRY_DELAYS_MS, options.retryDelayScale);
	const scheduled = new Map<DocuSealSimulatorState['deliveries'][number], ScheduledRetry>();
	const iso = () => new Date(state.now()).toISOString();

	function fail(response: ServerResponse, status: number, error: string) {
		sendJson(response, status, { error });
	}

	function fileUrl(data: Buffer, name: string): string {
		const token = randomBytes(16).toString('hex');
		state.files.set(token, data);
		return `${listening.url}/file/${token}/${encodeURIComponent(name)}.pdf`;
	}

	function submissionStatus(submission: Submission): string {
		if (submission.submitters.some((s) => s.status === 'declined')) return 'declined';
		if (submission.submitters.every((s) => s.status === 'completed')) return 'completed';
		return 'pending';
	}

	function signedDocument(submission: Submission): Buffer {
		return Buffer.concat([submission.document.data, Buffer.from(`\n% signed by: ${submission.submitters.map((s) => s.email).join(', ')}\n`)]);
	}

	function submitterJson(submitter: Submitter, submission: Submission, withUrls = false) {
		return {
			id: submitter.id,
			submission_id: submission.id,
			uuid: submitter.uuid,
			email: submitter.email,
			slug: submitter.slug,
			name: submitter.name,
			phone: null,
			external_id: null,
			role: submitter.role,
			status: submitter.status,
			sent_at: submitter.sent_at,
			opened_at: null,
			completed_at: submitter.completed_at,
			declined_at: null,
			created_at: submission.created_at,
			updated_at: submission.updated_at,
			...(withUrls ? { embed_src: `${listening.url}/s/${submitter.slug}` } : {}),
			values: Object.entries(submitter.values ?? {}).map(([field, value]) => ({ field, value })),
			// A submitter's copy of the documents exists once they have completed the form.
			documents: submitter.completed_at ? [{ name: submission.name, url: fileUrl(signedDocument(submission), submission.name) }] : [],
			metadata: {},
			preferences: {},
		};
	}

	function submissionJson(submission: Submission, include = '') {
		const completed = submissionStatus(submission) === 'completed';
		if (completed && include.includes('combined_document_url')) submission.combinedBuilt = true;
		return {
			id: submission.id,
			name: submission.name,
			slug: submission.slug,
			source: submission.source ?? 'api',
			submitters_order: submission.order,
			audit_log_url: completed ? fileUrl(Buffer.from('%PDF-1.4\n% Audit Log\n'), 'Audit Log') : null,
			combined_document_url: completed && submission.combinedBuilt ? fileUrl(Buffer.concat([signedDocument(submission), Buffer.from('% Audit Log\n')]), submission.name) : null,
			created_at: submission.created_at,
			updated_at: submission.updated_at,
			archived_at: submission.archived_at,
			expire_at: null,
			completed_at: submission.completed_at,
			status: submissionStatus(submission),
			variables: {},
			submitters: submission.submitters.map((s) => submitterJson(s, submission)),
			// A one-off submission from a PDF is backed by a template DocuSeal creates for it.
			template: { id: submission.template.id, name: state.templates.get(submission.template.id)?.name ?? submission.name, external_id: null, folder_name: 'Default', created_at: submission.created_at, updated_at: submission.updated_at },
			created_by_user: { id: 1, email: 'owner@example.com', first_name: 'Olive', last_name: 'Owner' },
			submission_events: [],
			documents: completed ? [{ name: submission.name, url: fileUrl(signedDocument(submission), submission.name) }] : [],
		};
	}

	async function post(eventType: string, body: string, attempt: number) {
		if (!state.webhook) return;
		const seconds = String(Math.floor(state.now() / 1000));
		const signature = createHmac('sha256', state.webhook.secret).update(`${seconds}.${body}`).digest('hex');
		const { status } = await attemptDelivery(
			state.webhook.url,
			body,
			{ 'content-type': 'application/json', 'user-agent': 'DocuSeal Webhook', 'x-docuseal-signature': `${seconds}.${signature}` },
			WEBHOOK_TIMEOUT_MS,
		);
		// DocuSeal retries on no answer or 400+; a 3xx is neither delivered nor retried.
		const retryInMs = status === 0 || status >= 400 ? worker.retryDelay(attempt) : null;
		const delivery = { eventType, body, status, delivered: status >= 200 && status < 300, retried: false, attempt, retryInMs };
		state.deliveries.push(delivery);
		if (retryInMs !== null) {
			scheduled.set(delivery, worker.schedule(retryInMs, () => retry(delivery)));
		}
	}

	async function retry(delivery: DocuSealSimulatorState['deliveries'][number]) {
		delivery.retried = true;
		scheduled.delete(delivery);
		await post(delivery.eventType, delivery.body, delivery.attempt + 1);
	}

	/** The event's data is taken now; the worker posts it after the API call has answered. */
	function fire(eventType: string, data: unknown) {
		const body = JSON.stringify({ event_type: eventType, timestamp: iso(), data });
		worker.run(() => post(eventType, body, 1));
	}

	/** Who gets the email now: everyone (`random`) or the first not yet completed (`preserved`). */
	function notify(submission: Submission) {
		const next = submission.submitters.find((s) => s.status !== 'completed');
		const reached =
			submission.order === 'random'
				? submission.submitters.filter((s) => s.status === 'awaiting')
				: next?.status === 'awaiting'
					? [next]
					: [];
		for (const submitter of reached) {
			submitter.status = 'sent';
			submitter.sent_at = iso();
			submitter.emailsSent++;
		}
	}

	function createFromPdf(json: unknown, response: ServerResponse): Submission | undefined {
		if (!isObject(json)) return void fail(response, 422, 'Invalid request body');
		const documents = Array.isArray(json.documents) ? json.documents.filter(isObject) : [];
		if (documents.length === 0) return void fail(response, 422, 'documents is required');
		const document = documents[0];
		const data = Buffer.from(String(document.file ?? ''), 'base64');
		if (!data.subarray(0, 5).equals(Buffer.from('%PDF-'))) return void fail(response, 422, 'Invalid PDF file: pass a base64-encoded PDF or a downloadable URL');
		const submittersIn = Array.isArray(json.submitters) ? json.submitters.filter(isObject) : [];
		if (submittersIn.length === 0) return void fail(response, 422, 'submitters is required');
		const roles: string[] = [];
		for (const [index, submitter] of submittersIn.entries()) {
			if (typeof submitter.email !== 'string' || !EMAIL.test(submitter.email)) return void fail(response, 422, `Invalid email: ${String(submitter.email)}`);
			const role = typeof submitter.role === 'string' && submitter.role !== '' ? submitter.role : index === 0 ? 'First Party' : `Party ${index + 1}`;
			if (roles.includes(role)) return void fail(response, 422, `Role ${role} is not unique`);
			roles.push(role);
		}
		const pages = pageCount(data);
		const roleUuids = new Map(roles.map((role) => [role, randomUUID()]));
		const attachmentUuid = randomUUID();
		const fields: Field[] = [];
		for (const field of Array.isArray(document.fields) ? document.fields.filter(isObject) : []) {
			const type = String(field.type ?? 'text');
			if (!FIELD_TYPES.includes(type)) return void fail(response, 422, `Unknown field type: ${type}`);
			const role = typeof field.role === 'string' ? field.role : roles[0];
			if (!roles.includes(role)) return void fail(response, 422, `Unknown submitter role: ${role}`);
			const areas = (Array.isArray(field.areas) ? field.areas.filter(isObject) : []).map((area) =>
				Object.fromEntries(Object.entries(area).map(([key, value]) => [key, numeric(value)])),
			);
			for (const area of areas) {
				for (const key of ['x', 'y', 'w', 'h', 'page']) {
					if (typeof area[key] !== 'number' || (area[key] as number) < 0) return void fail(response, 422, `Field ${String(field.name)}: area ${key} must be a number`);
				}
				if ((area.page as number) < 1 || (area.page as number) > pages) return void fail(response, 422, `Field ${String(field.name)}: page ${String(area.page)} is out of the document (${pages} pages)`);
			}
			fields.push({ name: String(field.name ?? `Field ${fields.length + 1}`), type, role, required: !isFalse(field.required), areas: areas as unknown as Field['areas'] });
		}
		const tags = textTags(data);
		for (const tag of tags) {
			const role = tag.role ?? roles[0];
			if (!roles.includes(role)) return void fail(response, 422, `Unknown submitter role: ${role}`);
			fields.push({ name: tag.name, type: tag.type, role, required: true, areas: [] });
		}
		// Assumed (DocuSeal's docs do not say): a one-off document with neither fields nor text tags is refused.
		if (fields.length === 0) return void fail(response, 422, 'Fields not found: pass fields or use {{...}} text tags in the document');
		const order = json.order === 'random' ? 'random' : 'preserved';
		if (json.order !== undefined && json.order !== 'random' && json.order !== 'preserved') return void fail(response, 422, 'order must be preserved or random');
		const now = iso();
		const name = typeof json.name === 'string' && json.name !== '' ? json.name : String(document.name ?? 'Document');
		const submission: Submission = {
			id: nextSubmissionId++,
			name,
			slug: randomBytes(7).toString('base64url'),
			order,
			message: isObject(json.message) ? (json.message as Submission['message']) : undefined,
			created_at: now,
			updated_at: now,
			completed_at: null,
			archived_at: null,
			document: { name: String(document.name ?? name), data, pages, usedTags: tags.length > 0, attachmentUuid },
			template: { id: nextTemplateId++, roleUuids, fieldUuids: fields.map(() => randomUUID()) },
			fields,
			submitters: submittersIn.map((submitter, index) => ({
				id: nextSubmitterId++,
				uuid: randomUUID(),
				slug: randomBytes(7).toString('base64url'),
				email: String(submitter.email),
				name: typeof submitter.name === 'string' ? submitter.name : null,
				role: roles[index],
				status: 'awaiting' as const,
				sent_at: null,
				completed_at: null,
				emailsSent: 0,
			})),
		};
		if (!isFalse(json.send_email)) notify(submission);
		state.submissions.set(submission.id, submission);
		return submission;
	}

	/* ---- templates and submissions from templates (issue 14) ---------------------------------- */

	function templateJson(template: Template) {
		const created = template.created_at;
		return {
			id: template.id,
			slug: template.slug,
			name: template.name,
			preferences: {},
			schema: [{ attachment_uuid: template.attachmentUuid, name: template.name }],
			fields: template.fields.map((field) => ({
				uuid: field.uuid,
				submitter_uuid: template.roles.find((role) => role.name === field.role)!.uuid,
				name: field.name,
				type: field.type,
				required: field.required,
				areas: [{ x: 72, y: 600, w: 200, h: 30, attachment_uuid: template.attachmentUuid, page: 1 }],
			})),
			variables_schema: {},
			submitters: template.roles.map((role) => ({ ...role })),
			author_id: 1,
			archived_at: template.archived_at,
			created_at: created,
			updated_at: template.updated_at,
			source: 'native',
			external_id: null,
			folder_id: 1,
			folder_name: 'Default',
			author: { id: 1, first_name: 'Olive', last_name: 'Owner', email: 'owner@example.com' },
			documents: [{ id: template.id * 10, uuid: template.attachmentUuid, url: fileUrl(template.pdf, template.name), preview_image_url: `${listening.url}/file/preview/${template.attachmentUuid}/0.png`, filename: `${template.name}.pdf` }],
		};
	}

	/** A template as made in DocuSeal's builder (the tests' stand-in for a person preparing one). */
	function addTemplate(input: { name: string; roles: string[]; fields: Array<{ name: string; type?: string; role: string; required?: boolean }>; pdf?: Buffer }): number {
		const now = iso();
		const template: Template = {
			id: nextTemplateId++,
			slug: randomBytes(7).toString('base64url'),
			name: input.name,
			pdf: input.pdf ?? Buffer.from('%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n'),
			attachmentUuid: randomUUID(),
			roles: input.roles.map((name) => ({ name, uuid: randomUUID() })),
			fields: input.fields.map((field) => ({ uuid: randomUUID(), name: field.name, type: field.type ?? 'text', role: field.role, required: field.required ?? true })),
			created_at: now,
			updated_at: now,
			archived_at: null,
		};
		for (const field of template.fields) if (!input.roles.includes(field.role)) throw new Error(`addTemplate: field ${field.name} has an unknown role ${field.role}`);
		state.templates.set(template.id, template);
		return template.id;
	}

	type CreateError = { error: string };

	/** One submission from a template, as Submissions::CreateFromSubmitters builds it (null: no submitter given). */
	function submissionFromTemplate(template: Template, submittersIn: Record<string, unknown>[], json: Record<string, unknown>, source: 'api' | 'bulk'): Submission | CreateError | null {
		const taken = new Set<string>();
		const submitters: Submitter[] = [];
		const order = json.order === 'random' ? 'random' : 'preserved';
		for (const [index, raw] of submittersIn.entries()) {
			const values = isObject(raw.values) ? raw.values : undefined;
			const roleName = typeof raw.role === 'string' && raw.role !== '' ? raw.role : undefined;
			let role = roleName ? template.roles.find((r) => r.name.toLowerCase() === roleName.toLowerCase()) : undefined;
			// With values, an unknown role is an error; without, DocuSeal takes the template's n-th role.
			if (roleName && !role && values) return { error: `Unknown submitter role: ${roleName}. Template defines ${JSON.stringify(template.roles.map((r) => r.name))}` };
			role ??= template.roles[index];
			if (!role) return { error: 'Defined more signing parties than in template' };
			if (taken.has(role.uuid)) return { error: 'role must be unique in `submitters`.' };
			taken.add(role.uuid);
			const kept: Record<string, string> = {};
			for (const [key, value] of Object.entries(values ?? {})) {
				// Values for fields the role does not have are ignored, as DocuSeal does.
				const field = template.fields.find((f) => f.role === role!.name && f.name.toLowerCase() === key.toLowerCase());
				if (field) kept[field.name] = String(value);
			}
			submitters.push({
				id: nextSubmitterId++,
				uuid: role.uuid,
				slug: randomBytes(7).toString('base64url'),
				email: String(raw.email).toLowerCase(),
				name: typeof raw.name === 'string' ? raw.name : null,
				role: role.name,
				status: 'awaiting',
				sent_at: null,
				completed_at: null,
				emailsSent: 0,
				values: kept,
			});
		}
		if (submitters.length === 0) return null;
		const now = iso();
		const fields: Field[] = template.fields
			.filter((field) => submitters.some((s) => s.role === field.role))
			.map((field) => ({ name: field.name, type: field.type, role: field.role, required: field.required, areas: [] }));
		return {
			id: nextSubmissionId++,
			name: typeof json.name === 'string' && json.name !== '' ? json.name : template.name,
			slug: randomBytes(7).toString('base64url'),
			order,
			message: isObject(json.message) ? (json.message as Submission['message']) : undefined,
			created_at: now,
			updated_at: now,
			completed_at: null,
			archived_at: null,
			document: { name: template.name, data: template.pdf, pages: Math.max(1, pageCount(template.pdf)), usedTags: false, attachmentUuid: template.attachmentUuid },
			template: { id: template.id, roleUuids: new Map(template.roles.map((r) => [r.name, r.uuid])), fieldUuids: fields.map((field) => template.fields.find((f) => f.name === field.name && f.role === field.role)!.uuid) },
			fields,
			submitters,
			source,
		};
	}

	/** Params::SubmissionCreateValidator's checks that a caller can get wrong. */
	function validateSubmitters(submitters: unknown, where: string): string | undefined {
		if (!Array.isArray(submitters)) return `submitters must be a Array in \`${where}\`.`;
		for (const submitter of submitters) {
			if (!isObject(submitter)) return `submitters must be a Array of Hash in \`${where}\`.`;
			if (submitter.email === undefined && submitter.phone === undefined && submitter.name === undefined) return `email or phone or name is required in \`${where}\`.`;
			if (submitter.email !== undefined && (typeof submitter.email !== 'string' || !EMAIL.test(submitter.email))) return `email is invalid in \`${where}\`.`;
			if (submitter.values !== undefined && !isObject(submitter.values)) return `values must be a Hash in \`${where}\`.`;
		}
		return undefined;
	}

	/** `POST /submissions` answers the created submitters; `/submissions/init` (the official SDK's) wraps them with the submission. */
	function createFromTemplate(json: unknown, response: ServerResponse, init: boolean) {
		if (!isObject(json)) return fail(response, 422, 'Invalid request body');
		if (json.template_id === undefined) return fail(response, 422, 'template_id is required');
		const template = state.templates.get(Number(json.template_id));
		if (!template) return fail(response, 422, 'Template not found');
		if (template.archived_at) return fail(response, 422, 'Template has been archived');
		if (template.fields.length === 0) return fail(response, 422, 'Template does not contain fields');
		if (json.order !== undefined && json.order !== 'random' && json.order !== 'preserved') return fail(response, 422, 'order must be one of preserved, random');
		if (json.message !== undefined && (!isObject(json.message) || typeof json.message.body !== 'string')) return fail(response, 422, 'body is required in `message`.');
		let groups: Record<string, unknown>[][];
		if (json.submitters !== undefined) {
			const problem = validateSubmitters(json.submitters, 'submitters');
			if (problem) return fail(response, 422, problem);
			groups = [(json.submitters as unknown[]).filter(isObject)];
		} else if (json.submissions !== undefined || json.submission !== undefined) {
			const list = json.submissions ?? json.submission;
			if (!Array.isArray(list)) return fail(response, 422, 'submissions must be a Array');
			groups = [];
			for (const [index, entry] of list.entries()) {
				if (!isObject(entry)) return fail(response, 422, `submissions must be a Array of Hash`);
				const problem = validateSubmitters(entry.submitters, `submissions[${index}]`);
				if (problem) return fail(response, 422, problem);
				groups.push((entry.submitters as unknown[]).filter(isObject));
			}
		} else return fail(response, 422, 'submitters is required');
		const made: Submission[] = [];
		for (const group of groups) {
			const built = submissionFromTemplate(template, group, json, groups.length > 1 ? 'bulk' : 'api');
			if (built === null) continue;
			if ('error' in built) return fail(response, 422, built.error);
			made.push(built);
		}
		for (const submission of made) {
			if (!isFalse(json.send_email)) notify(submission);
			state.submissions.set(submission.id, submission);
			fire('submission.created', submissionJson(submission));
		}
		const submitters = made.flatMap((submission) => submission.submitters.map((s) => submitterJson(s, submission, true)));
		if (!init) return sendJson(response, 200, submitters);
		return sendJson(response, 200, made.length === 1 ? { id: made[0].id, submitters, expire_at: null, created_at: made[0].created_at } : { submitters });
	}

	/** The template routes; true when one answered. */
	function templateRoutes(method: string, path: string, url: URL, body: Buffer, contentType: string | undefined, response: ServerResponse): boolean {
		if (method === 'GET' && path === '/templates') {
			const limit = Math.min(Number(url.searchParams.get('limit') ?? 10) || 10, 100);
			const q = (url.searchParams.get('q') ?? '').toLowerCase();
			const after = url.searchParams.get('after');
			const archived = url.searchParams.get('archived') === 'true';
			const data = [...state.templates.values()]
				.filter((t) => Boolean(t.archived_at) === archived && t.name.toLowerCase().includes(q) && (after === null || t.id < Number(after)))
				.sort((a, b) => b.id - a.id)
				.slice(0, limit)
				.map(templateJson);
			sendJson(response, 200, { data, pagination: { count: data.length, next: data.at(-1)?.id ?? null, prev: data[0]?.id ?? null } });
			return true;
		}
		const one = /^\/templates\/(\d+)$/.exec(path);
		if (method === 'GET' && one) {
			const template = state.templates.get(Number(one[1]));
			if (!template) fail(response, 404, 'Not found');
			else sendJson(response, 200, templateJson(template));
			return true;
		}
		if (method === 'POST' && (path === '/submissions' || path === '/submissions/init')) {
			createFromTemplate(requestParams(contentType, body), response, path.endsWith('/init'));
			return true;
		}
		return false;
	}

	const listening = await listen(async (request, response, body) => {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const originalEnd = response.end.bind(response);
		response.end = ((...args: Parameters<typeof response.end>) => {
			const token = request.headers['x-auth-token'];
			state.requests.push({ method: request.method ?? '', path: url.pathname, token: typeof token === 'string' ? token : undefined, status: response.statusCode });
			return originalEnd(...args);
		}) as typeof response.end;

		if (url.pathname.startsWith('/__control/')) {
			await worker.settled();
			const json = parseJson(body);
			if (request.method === 'POST' && url.pathname === '/__control/sign' && isObject(json)) {
				const submission = state.submissions.get(Number(json.submissionId));
				const submitter = submission?.submitters.find((s) => s.email === json.email);
				if (!submission || !submitter || submission.archived_at || (submitter.status !== 'sent' && submitter.status !== 'opened')) {
					return sendJson(response, 409, { message: 'nothing to sign for this person now' });
				}
				submitter.status = 'completed';
				submitter.completed_at = iso();
				submission.updated_at = iso();
				fire('form.completed', { ...submitterJson(submitter, submission), submission: { id: submission.id, name: submission.name, status: submissionStatus(submission) } });
				if (submissionStatus(submission) === 'completed') {
					submission.completed_at = iso();
					fire('submission.completed', submissionJson(submission));
				} else {
					notify(submission);
				}
				await worker.settled();
				return sendJson(response, 200, { ok: true });
			}
			if (request.method === 'POST' && url.pathname === '/__control/retry-failed') {
				const failed = state.deliveries.filter((d) => !d.delivered && !d.retried);
				for (const delivery of failed) {
					scheduled.get(delivery)?.cancel();
					worker.run(() => retry(delivery));
				}
				await worker.settled();
				return sendJson(response, 200, { retried: failed.length });
			}
			return sendJson(response, 404, { message: 'unknown control route' });
		}

		const file = /^\/file\/([0-9a-f]{32})\/[^/]+$/.exec(url.pathname);
		if (request.method === 'GET' && file) {
			const data = state.files.get(file[1]);
			if (!data) return fail(response, 404, 'Not found');
			return sendBytes(response, 200, data, { 'content-type': 'application/pdf', 'content-disposition': `inline; filename="${decodeURIComponent(url.pathname.split('/').pop() ?? 'document.pdf')}"` });
		}

		if (!url.pathname.startsWith('/api/')) return fail(response, 404, 'Not found');
		const token = request.headers['x-auth-token'];
		if (typeof token !== 'string' || token !== state.apiKey) return fail(response, 401, 'Not authenticated');
		const path = url.pathname.slice('/api'.length);
		const route = `${request.method} ${path}`;

		if (route === 'GET /submissions') {
			const limit = Math.min(Number(url.searchParams.get('limit') ?? 10) || 10, 100);
			const data = [...state.submissions.values()].filter((s) => !s.archived_at).sort((a, b) => b.id - a.id).slice(0, limit).map((s) => submissionJson(s, url.searchParams.get('include') ?? ''));
			return sendJson(response, 200, { data, pagination: { count: data.length, next: data.at(-1)?.id ?? null, prev: data[0]?.id ?? null } });
		}

		if (route === 'POST /submissions/pdf') {
			const submission = createFromPdf(requestParams(request.headers['content-type'], body), response);
			if (!submission) return;
			fire('submission.created', submissionJson(submission));
			return sendJson(response, 200, {
				id: submission.id,
				name: submission.name,
				source: 'api',
				submitters_order: submission.order,
				status: submissionStatus(submission),
				submitters: submission.submitters.map((s) => submitterJson(s, submission, true)),
				fields: submission.fields.map((field, index) => ({
					uuid: submission.template.fieldUuids[index],
					submitter_uuid: submission.template.roleUuids.get(field.role)!,
					name: field.name,
					type: field.type,
					required: field.required,
					areas: field.areas.map((area) => ({ ...area, attachment_uuid: submission.document.attachmentUuid })),
				})),
				expire_at: null,
				created_at: submission.created_at,
			});
		}

		const one = /^\/submissions\/(\d+)(\/documents)?$/.exec(path);
		if (one) {
			const submission = state.submissions.get(Number(one[1]));
			if (!submission) return fail(response, 404, 'Not found');
			if (request.method === 'GET' && !one[2]) return sendJson(response, 200, submissionJson(submission, url.searchParams.get('include') ?? ''));
			if (request.method === 'GET' && one[2]) {
				const completed = submissionStatus(submission) === 'completed';
				// Until everyone has signed DocuSeal hands out a preview with the values filled so far.
				const data = completed ? signedDocument(submission) : Buffer.concat([submission.document.data, Buffer.from('\n% preview\n')]);
				return sendJson(response, 200, { id: submission.id, documents: [{ name: submission.name, url: fileUrl(data, submission.name) }] });
			}
			if (request.method === 'DELETE' && !one[2]) {
				if (!submission.archived_at) {
					submission.archived_at = iso();
					fire('submission.archived', { id: submission.id, archived_at: submission.archived_at });
				}
				return sendJson(response, 200, { id: submission.id, archived_at: submission.archived_at });
			}
		}

		if (templateRoutes(request.method ?? 'GET', path, url, body, request.headers['content-type'], response)) return;

		const submitterMatch = /^\/submitters\/(\d+)$/.exec(path);
		if (submitterMatch && request.method === 'PUT') {
			const submission = [...state.submissions.values()].find((s) => s.submitters.some((x) => x.id === Number(submitterMatch[1])));
			const submitter = submission?.submitters.find((x) => x.id === Number(submitterMatch[1]));
			if (!submission || !submitter) return fail(response, 404, 'Not found');
			if (submitter.completed_at) return fail(response, 422, 'Submitter has already completed the submission.');
			const json = requestParams(request.headers['content-type'], body);
			if (!isObject(json)) return fail(response, 422, 'Invalid request body');
			if (json.send_email === true || json.send_email === 'true') {
				submitter.emailsSent++;
				submitter.sent_at = iso();
				if (submitter.status === 'awaiting') submitter.status = 'sent';
			}
			if (typeof json.completed_redirect_url === 'string') submitter.completedRedirectUrl = json.completed_redirect_url;
			return sendJson(response, 200, submitterJson(submitter, submission, true));
		}

		return fail(response, 404, 'Not found');
	});

	return {
		url: listening.url,
		apiBaseUrl: `${listening.url}/api`,
		state,
		addTemplate,
		/** Resolves once every webhook queued so far has been posted (retries due later excepted). */
		settled: (options?: SettleOptions) => worker.settled(options),
		async close() {
			worker.close();
			await listening.close();
		},
		async control(path: string, body: unknown = {}) {
			const answer = await fetch(`${listening.url}/__control/${path}`, { method: 'POST', body: JSON.stringify(body) });
			if (!answer.ok) throw new Error(`control ${path}: ${answer.status} ${await answer.text()}`);
			return (await answer.json()) as unknown;
		},
	};
}

export type DocuSealSimulator = Awaited<ReturnType<typeof startDocuSealSimulator>>;
