/** Small helpers the fault harness shares: free ports, polling, sleeping, percentiles. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A port the kernel considers free right now (bound to 0, then released). */
export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => {
				if (address && typeof address === 'object') resolve(address.port);
				else reject(new Error('Could not read the port of a temporary listener.'));
			});
		});
	});
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` until it returns a truthy value or `timeoutMs` passes; the error names
 * what was awaited so a failing scenario says what never happened.
 */
export async function waitFor<T>(
	what: string,
	check: () => Promise<T | undefined | false> | T | undefined | false,
	timeoutMs: number,
	intervalMs = 100,
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await check();
			if (value) return value;
		} catch (error) {
			lastError = error;
		}
		if (Date.now() > deadline) {
			const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
			throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
		}
		await sleep(intervalMs);
	}
}

export function percentile(sorted: readonly number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index];
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
	if (!match) throw new Error(`No VmRSS line in /proc/${pid}/status`);
	return Number(match[1]) * 1024;
}

/** Resolves when `promise` does or after `ms`, whichever comes first, leaving no timer behind. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
	let timer: NodeJS.Timeout | undefined;
	await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
	clearTimeout(timer);
}
