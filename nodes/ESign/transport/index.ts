/**
 * The node's one way to reach a provider: builds the `ProviderClient` an adapter calls. Every
 * request goes through n8n's `httpRequestWithAuthentication`, so the selected credential's own
 * `authenticate`/`preAuthentication` (and OAuth2 refresh) apply exactly as in any n8n node.
 */
import { randomBytes } from 'node:crypto';

import {
	NodeApiError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type IHookFunctions,
	type IHttpRequestOptions,
	type IWebhookFunctions,
	type JsonObject,
} from 'n8n-workflow';

import type {
	BinaryResponse,
	ProviderAdapter,
	ProviderClient,
	ProviderRequest,
	RequestBody,
} from '../../providers/adapter';

interface HttpFailure {
	status?: number;
	headers: Record<string, unknown>;
	body: unknown;
}

/** Digs the HTTP status, headers and body out of whatever n8n's request helper threw. */
function readFailure(error: unknown): HttpFailure {
	const seen = new Set<unknown>();
	let current: unknown = error;
	while (current && typeof current === 'object' && !seen.has(current)) {
		seen.add(current);
		const candidate = current as {
			response?: { status?: number; statusCode?: number; headers?: unknown; data?: unknown; body?: unknown };
			cause?: unknown;
		};
		const response = candidate.response;
		if (response && (response.status ?? response.statusCode) !== undefined) {
			return {
				status: response.status ?? response.statusCode,
				headers: (response.headers as Record<string, unknown>) ?? {},
				body: response.data ?? response.body,
			};
		}
		current = candidate.cause;
	}
	const httpCode = Number((error as { httpCode?: unknown })?.httpCode);
	return { status: Number.isFinite(httpCode) ? httpCode : undefined, headers: {}, body: undefined };
}

/** Error bodies of binary requests arrive as bytes; providers still send JSON there. */
function decodeBody(body: unknown): unknown {
	let text: string | undefined;
	if (Buffer.isBuffer(body)) text = body.toString('utf8');
	else if (body instanceof ArrayBuffer) text = Buffer.from(body).toString('utf8');
	else if (typeof body === 'string') text = body;
	if (text === undefined) return body;
	try {
		return JSON.parse(text);
	} catch {
		// Not JSON: the text itself is the most useful thing to show.
		return text;
	}
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() !== name) continue;
		if (Array.isArray(value)) return String(value[0]);
		if (value !== undefined && value !== null) return String(value);
	}
	return undefined;
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryDelayMs(
	retryAfter: string | undefined,
	limits: ProviderAdapter['rateLimit'],
	nowMs: number,
): number {
	let delay = limits.defaultRetryAfterMs;
	if (retryAfter !== undefined && retryAfter.trim() !== '') {
		const seconds = Number(retryAfter);
		if (Number.isFinite(seconds)) delay = Math.max(0, seconds * 1000);
		else {
			const date = Date.parse(retryAfter);
			if (!Number.isNaN(date)) delay = Math.max(0, date - nowMs);
		}
	}
	return Math.min(delay, limits.maxWaitMs);
}

/** multipart/form-data by hand: a Buffer body can be re-sent after a token refresh or a 429. */
function encodeMultipart(body: Extract<RequestBody, { kind: 'multipart' }>): {
	data: Buffer;
	contentType: string;
} {
	const boundary = `----esign${randomBytes(12).toString('hex')}`;
	const quote = (value: string) => value.replace(/["\r\n]/g, (c) => encodeURIComponent(c));
	const parts: Buffer[] = [];
	for (const [name, value] of Object.entries(body.fields ?? {})) {
		parts.push(
			Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`,
			),
		);
	}
	for (const file of body.files) {
		parts.push(
			Buffer.from(
				`--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.fileName)}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`,
			),
			file.data,
			Buffer.from('\r\n'),
		);
	}
	parts.push(Buffer.from(`--${boundary}--\r\n`));
	return { data: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function fileNameFromDisposition(disposition: string | undefined): string | undefined {
	if (!disposition) return undefined;
	const star = /filename\*=(?:UTF-8'')?([^;]+)/i.exec(disposition);
	if (star) return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
	const plain = /filename="?([^";]+)"?/i.exec(disposition);
	return plain ? plain[1].trim() : undefined;
}

function toHttpOptions(baseUrl: string, request: ProviderRequest): IHttpRequestOptions {
	const url = /^https?:\/\//i.test(request.path) ? request.path : `${baseUrl}${request.path}`;
	const headers: IDataObject = { accept: 'application/json', ...request.headers };
	const options: IHttpRequestOptions = { method: request.method, url, headers, returnFullResponse: true };
	if (request.query) {
		const qs: IDataObject = {};
		for (const [key, value] of Object.entries(request.query)) if (value !== undefined) qs[key] = value;
		options.qs = qs;
	}
	const body = request.body;
	if (body?.kind === 'json') {
		headers['content-type'] = 'application/json';
		options.body = body.data as IDataObject;
		options.json = true;
	} else if (body?.kind === 'form') {
		headers['content-type'] = 'application/x-www-form-urlencoded';
		options.body = new URLSearchParams(body.data).toString();
	} else if (body?.kind === 'multipart') {
		const encoded = encodeMultipart(body);
		headers['content-type'] = encoded.contentType;
		options.body = encoded.data;
	} else if (body?.kind === 'binary') {
		headers['content-type'] = body.mimeType;
		options.body = body.data;
	}
	if (request.response === 'binary') {
		options.encoding = 'arraybuffer';
		headers.accept = '*/*';
	}
	return options;
}

interface FullResponse {
	body: unknown;
	headers?: Record<string, unknown>;
	statusCode?: number;
}

function toResult(request: ProviderRequest, response: FullResponse): unknown {
	if (request.response === 'none') return undefined;
	if (request.response === 'binary') {
		const raw = response.body;
		const data = Buffer.isBuffer(raw)
			? raw
			: raw instanceof ArrayBuffer
				? Buffer.from(raw)
				: Buffer.from(typeof raw === 'string' ? raw : JSON.stringify(raw ?? ''), 'binary');
		const headers = response.headers ?? {};
		const result: BinaryResponse = {
			data,
			mimeType: headerValue(headers, 'content-type')?.split(';')[0].trim(),
			fileName: fileNameFromDisposition(headerValue(headers, 'content-disposition')),
		};
		return result;
	}
	return decodeBody(response.body);
}

/** The action node's execute context, or the trigger's activation hooks and webhook handler. */
export type RequestContext = IExecuteFunctions | IHookFunctions | IWebhookFunctions;

export interface ClientOptions {
	adapter: ProviderAdapter;
	credentialType: string;
	itemIndex: number;
}

/** A `ProviderClient` bound to this execution, the selected credential and the current item. */
export async function createProviderClient(
	context: RequestContext,
	{ adapter, credentialType, itemIndex }: ClientOptions,
): Promise<ProviderClient> {
	// Only the action node has items: hooks and webhooks read the node's credential as is.
	const credentials =
		'getInputData' in context
			? await context.getCredentials(credentialType, itemIndex)
			: await context.getCredentials(credentialType);
	const baseUrl = adapter.baseUrl(credentials).replace(/\/+$/, '');

	async function send(request: ProviderRequest): Promise<unknown> {
		for (let attempt = 0; ; attempt++) {
			// Fresh options per attempt: n8n's helpers add the auth header to the object they get.
			const options = toHttpOptions(baseUrl, request);
			try {
				const response = (
					request.auth === 'none'
						? await context.helpers.httpRequest(options)
						: await context.helpers.httpRequestWithAuthentication.call(context, credentialType, options)
				) as FullResponse;
				return toResult(request, response);
			} catch (error) {
				const failure = readFailure(error);
				if (failure.status === 429 && attempt < adapter.rateLimit.maxRetries) {
					// Wait as long as the provider asks, then send the same request again.
					await sleep(retryDelayMs(headerValue(failure.headers, 'retry-after'), adapter.rateLimit, Date.now()));
					continue;
				}
				throw toNodeApiError(context, adapter, request, failure, error, itemIndex);
			}
		}
	}

	return {
		credentials,
		request: send as ProviderClient['request'],
	};
}

function toNodeApiError(
	context: RequestContext,
	adapter: ProviderAdapter,
	request: ProviderRequest,
	failure: HttpFailure,
	error: unknown,
	itemIndex: number,
): NodeApiError {
	const body = decodeBody(failure.body);
	const status = failure.status;
	const providerMessage = status !== undefined ? adapter.errorMessage(status, body) : undefined;
	const what = `${request.method} ${request.path.split('?')[0]}`;
	let message: string;
	if (status === 429) {
		message = `${adapter.displayName} kept rate-limiting the request (HTTP 429) after ${adapter.rateLimit.maxRetries} retries${providerMessage ? `: ${providerMessage}` : ''}`;
	} else if (status === 401 || status === 403) {
		message = `${adapter.displayName} rejected the credentials (HTTP ${status})${providerMessage ? `: ${providerMessage}` : ''}`;
	} else if (status !== undefined) {
		message = `${adapter.displayName} answered HTTP ${status}${providerMessage ? `: ${providerMessage}` : ''}`;
	} else {
		message = `Could not reach ${adapter.displayName}: ${(error as Error)?.message ?? String(error)}`;
	}
	const description =
		status === 401 || status === 403
			? `Check the credential (client id/secret, user, API key, environment and base URL). Request: ${what}`
			: status === 429
				? `Wait a while and run again, or lower how often the workflow calls ${adapter.displayName}. Request: ${what}`
				: `Request: ${what}`;
	// n8n's helper already threw a NodeApiError, and NodeApiError hands back any NodeApiError it
	// is given unchanged: build ours from plain data so the provider's message and status show.
	const response: JsonObject = {
		message: providerMessage ?? (error as Error)?.message ?? String(error),
		httpCode: status !== undefined ? String(status) : null,
		providerError: (body ?? null) as JsonObject,
	};
	return new NodeApiError(context.getNode(), response, {
		message,
		description,
		httpCode: status !== undefined ? String(status) : undefined,
		itemIndex,
	});
}
