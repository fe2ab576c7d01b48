/** Small helpers the end-to-end harness shares: free ports, polling, plain HTTP. */
import { createServer } from 'node:net';

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An ephemeral port the OS just gave out (for child processes that need a port up front). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined | false> | T | undefined | false,
	timeoutMs = 30_000,
	intervalMs = 100,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value !== undefined && value !== false) return value as T;
		} catch (error) {
			lastError = error;
		}
		if (Date.now() > deadline) {
			throw new Error(
				`Timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
			);
		}
		await sleep(intervalMs);
	}
}

export interface HttpResult {
	status: number;
	headers: Headers;
	text: string;
	json<T = unknown>(): T;
}

export async function http(
	url: string,
	init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<HttpResult> {
	const response = await fetch(url, {
		method: init.method ?? 'GET',
		headers: init.headers,
		body: init.body,
		signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
	});
	const text = await response.text();
	return {
		status: response.status,
		headers: response.headers,
		text,
		json<T>() {
			return JSON.parse(text) as T;
		},
	};
}

export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return Number.NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index];
}
