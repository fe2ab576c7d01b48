/**
 * A `ProviderClient` over real HTTP (Node's fetch) for driving an adapter against a simulator
 * without n8n's engine: what the node's transport does, minus retries and n8n's error types
 * (a non-2xx answer throws an `HttpError` carrying the status and the parsed body).
 */
import type { BinaryResponse, ProviderAdapter, ProviderClient, ProviderRequest } from '../../nodes/providers/adapter';

export class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly body: unknown,
	) {
		super(`HTTP ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
	}
}

function encodeBody(request: ProviderRequest): { body?: string | Uint8Array | FormData; contentType?: string } {
	const body = request.body;
	if (!body) return {};
	if (body.kind === 'json') return { body: JSON.stringify(body.data), contentType: 'application/json' };
	if (body.kind === 'form') return { body: new URLSearchParams(body.data).toString(), contentType: 'application/x-www-form-urlencoded' };
	if (body.kind === 'binary') return { body: new Uint8Array(body.data), contentType: body.mimeType };
	const form = new FormData();
	for (const [name, value] of Object.entries(body.fields ?? {})) form.append(name, value);
	for (const file of body.files) form.append(file.field, new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.fileName);
	return { body: form };
}

/** `authorize` adds the credential's headers (API key, Bearer token) to requests with `auth: 'credential'`. */
export function httpProviderClient(
	adapter: ProviderAdapter,
	credentials: Record<string, unknown>,
	authorize: (headers: Record<string, string>) => void,
): ProviderClient & { log: Array<{ method: string; url: string }> } {
	const log: Array<{ method: string; url: string }> = [];
	async function request(request: ProviderRequest): Promise<unknown> {
		const url = new URL(/^https?:\/\//.test(request.path) ? request.path : `${adapter.baseUrl(credentials)}${request.path}`);
		for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
		const headers: Record<string, string> = { accept: 'application/json', ...(request.headers ?? {}) };
		if (request.auth !== 'none') authorize(headers);
		const { body, contentType } = encodeBody(request);
		if (contentType) headers['content-type'] = contentType;
		log.push({ method: request.method, url: url.toString() });
		const answer = await fetch(url, { method: request.method, headers, body });
		const bytes = Buffer.from(await answer.arrayBuffer());
		if (!answer.ok) {
			const text = bytes.toString('utf8');
			let parsed: unknown = text;
			try {
				parsed = JSON.parse(text);
			} catch {
				// not JSON: keep the text
			}
			throw new HttpError(answer.status, parsed);
		}
		if (request.response === 'none') return undefined;
		if (request.response === 'binary') {
			const disposition = answer.headers.get('content-disposition') ?? '';
			const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1];
			const result: BinaryResponse = { data: bytes, mimeType: answer.headers.get('content-type') ?? undefined, fileName };
			return result;
		}
		return bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
	}
	return { request: request as ProviderClient['request'], credentials, log };
}
