/**
 * Waiting for a signed file the provider is still preparing (`FileNotReadyError`: Dropbox Sign
 * answers 409 for a while after the last signature). Shared by Document → Download and the
 * trigger's Attach Signed PDF. The waits double from `initialDelayMs` up to `maxDelayMs`; a
 * provider's own hint (`retryAfterMs`) replaces the next wait; the waits never add up to more
 * than `maxWaitMs`, after which `FileStillNotReadyError` says how long it waited.
 */
import { sleep } from 'n8n-workflow';

import { FileNotReadyError } from '../../providers/adapter';

export interface FileWaitPolicy {
	/** The most all waits may add up to; 0 asks once and does not wait. */
	maxWaitMs: number;
	initialDelayMs?: number;
	maxDelayMs?: number;
}

export const FILE_WAIT_INITIAL_DELAY_MS = 2_000;
export const FILE_WAIT_MAX_DELAY_MS = 30_000;
/** A hint of 0 ("ask again now") still waits this long, so the budget always runs out. */
export const FILE_WAIT_MIN_DELAY_MS = 50;

export class FileStillNotReadyError extends Error {
	constructor(
		readonly waitedMs: number,
		readonly attempts: number,
		readonly last: FileNotReadyError,
	) {
		super(
			waitedMs === 0
				? `The signed file is not ready yet: ${last.message}`
				: `The signed file was still not ready after waiting ${Math.round(waitedMs / 1000)} s (${attempts} attempts): ${last.message}`,
		);
		this.name = 'FileStillNotReadyError';
	}
}

/** The wait before the next attempt (`attempt` counts from 0), or undefined when the budget is spent. */
export function nextFileWait(
	policy: FileWaitPolicy,
	attempt: number,
	waitedMs: number,
	retryAfterMs: number | undefined,
): number | undefined {
	const remaining = policy.maxWaitMs - waitedMs;
	if (remaining <= 0) return undefined;
	const initial = policy.initialDelayMs ?? FILE_WAIT_INITIAL_DELAY_MS;
	const ceiling = policy.maxDelayMs ?? FILE_WAIT_MAX_DELAY_MS;
	const backoff = Math.min(ceiling, initial * 2 ** attempt);
	const hinted = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0 ? retryAfterMs : backoff;
	return Math.min(Math.max(FILE_WAIT_MIN_DELAY_MS, hinted), remaining);
}

/**
 * Calls `fetch` until it stops throwing `FileNotReadyError` or the policy's time is spent, then
 * throws what `giveUp` makes of the wait (the caller's n8n error). Any other error passes
 * through at once. `pause` is n8n-workflow's `sleep` (tests pass their own).
 */
export async function whenFileReady<T>(
	fetch: () => Promise<T>,
	policy: FileWaitPolicy,
	giveUp: (error: FileStillNotReadyError) => Error = (error) => error,
	pause: (ms: number) => Promise<void> = sleep,
): Promise<T> {
	let waitedMs = 0;
	for (let attempt = 0; ; attempt++) {
		const outcome = await fetch().then(
			(value) => ({ ready: true as const, value }),
			(error: unknown) => ({ ready: false as const, error }),
		);
		if (outcome.ready) return outcome.value;
		// Not a "still preparing" answer: the caller's usual error handling applies.
		if (!(outcome.error instanceof FileNotReadyError)) throw outcome.error;
		const wait = nextFileWait(policy, attempt, waitedMs, outcome.error.retryAfterMs);
		if (wait === undefined) throw giveUp(new FileStillNotReadyError(waitedMs, attempt + 1, outcome.error));
		await pause(wait);
		waitedMs += wait;
	}
}
