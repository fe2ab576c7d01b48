/**
 * A `ProviderClient` over real HTTP (Node's fetch) for driving an adapter without n8n's engine:
 * the same request shapes as the node's transport (JSON, form, multipart, binary bodies; binary
 * answers), and failures thrown as the transport throws them — an error whose `httpCode` is the
 * status as a string and whose message carries the adapter's reading of the provider's body.
 * Used until (and besides) engine tests through the node's operations.
 */
import { randomBytes } from 'node:crypto';

import type { BinaryResponse, ProviderAdapter, ProviderClient, ProviderRequest } from '../../nodes/providers/adapter';

export class ProviderHttpError extends Error {
	/** The HTTP status as a number (`httpCode` is the transport's string form). */
	readonly status: number;
	constructor(
		message: string,
		readonly httpCode: string,
		readonly body: unknown,
	) {
		super(message);
		this.status = Number(httpCode);
	}
}

function encode(request: ProviderRequest): { body?: Buffer | string; contentType?: string } {
	const body = request.body;
	if (!body) return {};
	if (body.kind === 'json') return { body: JSON.stringify(body.data), contentType: 'application/json' };
	if (body.kind === 'form') return { body: new URLSearchParams(body.data).toString(), contentType: 'application/x-www-form-urlencoded' };
	if (body.kind === 'binary') return { body: body.data, contentType: body.mimeType };
	const boundary = `----test${randomBytes(8).toString('hex')}`;
	const parts: Buffer[] = [];
	for (const [name, value] of Object.entries(body.fields ?? {})) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
	}
	for (const file of body.files) {
		parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.fileName}"\r\nContent-Type: ${file.mimeType}\r\n\r\n`), file.data, Buffer.from('\r\n'));
	}
	parts.push(Buffer.from(`--${boundary}--\r\n`));
	return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * `authorization` is the Authorization header for requests with `auth: 'credential'`, or a
 * function adding the credential's headers (an API key header, a Bearer token).
 */
export function httpProviderClient(
	adapter: ProviderAdapter,
	credentials: Record<string, unknown>,
	authorization: string | ((headers: Record<string, string>) => void),
): ProviderClient & { log: Array<{ method: string; path: string; url: string; body?: unknown }> } {
	const baseUrl = adapter.baseUrl(credentials);
	const log: Array<{ method: string; path: string; url: string; body?: unknown }> = [];
	async function request(request: ProviderRequest): Promise<unknown> {
		const url = new URL(/^https?:\/\//i.test(request.path) ? request.path : `${baseUrl}${request.path}`);
		for (const [key, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
		const { body, contentType } = encode(request);
		log.push({ method: request.method, path: request.path, url: url.toString(), body: request.body?.kind === 'json' ? request.body.data : undefined });
		const headers: Record<string, string> = { accept: request.response === 'binary' ? '*/*' : 'application/json', ...request.headers };
		if (contentType) headers['content-type'] = contentType;
		if (request.auth !== 'none') {
			if (typeof authorization === 'string') headers.authorization = authorization;
			else authorization(headers);
		}
		const response = await fetch(url, { method: request.method, headers, body });
		const bytes = Buffer.from(await response.arrayBuffer());
		if (!response.ok) {
			let parsed: unknown = bytes.toString('utf8');
			try {
				parsed = JSON.parse(bytes.toString('utf8'));
			} catch {
				// not JSON: keep the text
			}
			const message = adapter.errorMessage(response.status, parsed);
			throw new ProviderHttpError(`${adapter.displayName} answered HTTP ${response.status}${message ? `: ${message}` : ''}`, String(response.status), parsed);
		}
		if (request.response === 'none') return undefined;
		if (request.response === 'binary') {
			const disposition = response.headers.get('content-disposition') ?? '';
			const name = /filename="?([^";]+)"?/i.exec(disposition)?.[1];
			const result: BinaryResponse = { data: bytes, mimeType: response.headers.get('content-type')?.split(';')[0], fileName: name };
			return result;
		}
		return bytes.length === 0 ? undefined : JSON.parse(bytes.toString('utf8'));
	}
	return { credentials, request: request as ProviderClient['request'], log };
}
