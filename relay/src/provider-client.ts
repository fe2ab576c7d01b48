/**
 * The relay's `ProviderClient` for reconciliation sweeps: JSON GETs (and the few other shapes
 * a reconciler may need) over fetch, to the source's configured base URL, with the
 * reconciler's auth headers and a hard timeout. An HTTP failure is an Error naming the status
 * and path only: never the credential, never the provider's body (it may echo a token).
 */
import type { BinaryResponse, ProviderClient, ProviderRequest } from '../../nodes/providers/adapter';

const TIMEOUT_MS = 30_000;

export class ProviderHttpError extends Error {
	constructor(
		readonly status: number,
		path: string,
	) {
		super(`HTTP ${status} from ${path}`);
		this.name = 'ProviderHttpError';
	}
}

export function fetchProviderClient(baseUrl: string, authHeaders: Record<string, string>): ProviderClient {
	const base = baseUrl.replace(/\/+$/, '');
	async function request(req: ProviderRequest): Promise<unknown> {
		const url = new URL(/^https?:\/\//.test(req.path) ? req.path : `${base}${req.path}`);
		for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
		const headers: Record<string, string> = { accept: 'application/json', ...(req.auth === 'none' ? {} : authHeaders), ...req.headers };
		let body: string | Buffer | undefined;
		if (req.body?.kind === 'json') {
			body = JSON.stringify(req.body.data);
			headers['content-type'] = 'application/json';
		} else if (req.body?.kind === 'form') {
			body = new URLSearchParams(req.body.data).toString();
			headers['content-type'] = 'application/x-www-form-urlencoded';
		} else if (req.body) {
			throw new Error(`the relay's provider client sends no ${req.body.kind} bodies`);
		}
		const response = await fetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
		if (!response.ok) {
			await response.body?.cancel();
			throw new ProviderHttpError(response.status, url.pathname);
		}
		if (req.response === 'none') {
			await response.body?.cancel();
			return undefined;
		}
		if (req.response === 'binary') {
			const result: BinaryResponse = { data: Buffer.from(await response.arrayBuffer()), mimeType: response.headers.get('content-type') ?? undefined };
			return result;
		}
		const text = await response.text();
		if (text === '') return {};
		try {
			return JSON.parse(text) as unknown;
		} catch {
			// JSON.parse's message quotes the body; the body stays out of logs and answers.
			throw new Error(`the answer to ${url.pathname} is not JSON`);
		}
	}
	return { request: request as ProviderClient['request'], credentials: {} };
}
