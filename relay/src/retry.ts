/** When to try a failed delivery again. */

/** A delivery attempt that failed; `retryAfterMs` carries a target's Retry-After. */
export class DeliveryFailure extends Error {
	constructor(
		message: string,
		readonly reason: 'timeout' | 'network' | 'http_4xx' | 'http_5xx' | 'http_429' | 'http_503' | 'refused',
		readonly status?: number,
		readonly retryAfterMs?: number,
	) {
		super(message);
		this.name = 'DeliveryFailure';
	}
}

/**
 * The delay before retry number `attemptsMade` (1 = after the first failure): the schedule's
 * entry, spread by ±jitter so that a burst that failed together does not retry together,
 * and never sooner than the target's Retry-After.
 */
export function retryDelay(
	schedule: readonly number[],
	jitter: number,
	attemptsMade: number,
	retryAfterMs = 0,
	random: () => number = Math.random,
): number {
	const base = schedule[Math.min(Math.max(attemptsMade, 1), schedule.length) - 1] ?? 0;
	const spread = base * jitter * (random() * 2 - 1);
	return Math.max(Math.round(base + spread), retryAfterMs);
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
	const text = Array.isArray(value) ? value[0] : value;
	if (!text) return undefined;
	if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - nowMs);
}
