/**
 * Background callback delivery for the provider simulators, as the providers run it: the API call
 * that causes an event answers at once and the event is posted by a worker afterwards, so a callback
 * URL that is down or slow never fails or delays the API call. A failed attempt is retried on the
 * provider's own schedule (each simulator passes its delays); `retryDelayScale` shrinks that
 * schedule for tests that want to watch the retries happen (1 = the real delays).
 *
 * Deliveries run one after another in the order the events happened (one worker), so tests read a
 * deterministic log. `settled()` waits until the worker is idle (retries still scheduled for later
 * are not waited for); every simulator exposes it under that name. `close()` drops the scheduled
 * retries. Each simulator keeps its own record of the attempts, in its provider's terms.
 */

export interface AttemptResult {
	/** The HTTP status, or 0 when the receiver could not be reached or did not answer in time. */
	status: number;
	body: string;
}

/** One POST to a callback URL; never throws (a refused connection or a timeout is status 0). */
export async function attemptDelivery(
	url: string,
	body: Buffer | string,
	headers: Record<string, string>,
	timeoutMs: number,
): Promise<AttemptResult> {
	try {
		const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
		return { status: response.status, body: await response.text() };
	} catch (error) {
		return { status: 0, body: error instanceof Error ? error.message : String(error) };
	}
}

export interface SettleOptions {
	/** Also wait for the retries scheduled meanwhile to come due and run. */
	retries?: boolean;
}

export interface ScheduledRetry {
	/** Runs the retry now instead of at its time (the simulators' `retry-failed` control route). */
	runNow(): void;
	cancel(): void;
}

export class CallbackWorker {
	private tail: Promise<void> = Promise.resolve();
	/** Retries waiting for their time, each with a promise that settles when it fires or is dropped. */
	private readonly timers = new Map<NodeJS.Timeout, { passed: Promise<void>; pass: () => void }>();
	private closed = false;

	/** @param delaysMs the delay before retry 1, 2, …; no more retries after the last one. */
	constructor(
		readonly delaysMs: readonly number[],
		private readonly scale = 1,
	) {}

	/**
	 * Queues a job behind the ones before it; its errors are its own (never the API call's). The
	 * promise resolves once this job (and so every one before it) has finished: a control route
	 * awaits the deliveries it caused, an API call drops it and answers at once.
	 */
	run(job: () => Promise<void>): Promise<void> {
		if (this.closed) return Promise.resolve();
		const done = this.tail.then(job).catch(() => undefined);
		this.tail = done;
		return done;
	}

	/** The delay before retry `n` (1-based) on the provider's schedule, or null when it gives up. */
	retryDelay(n: number): number | null {
		return n >= 1 && n <= this.delaysMs.length ? this.delaysMs[n - 1] : null;
	}

	/** Queues `job` after `delayMs` (scaled); the handle runs it early or cancels it. */
	schedule(delayMs: number, job: () => Promise<void>): ScheduledRetry {
		if (this.closed) return { runNow: () => undefined, cancel: () => undefined };
		let done = false;
		const drop = () => {
			if (done) return false;
			done = true;
			clearTimeout(timer);
			this.timers.get(timer)?.pass();
			this.timers.delete(timer);
			return true;
		};
		const fire = () => {
			// Queued before the waiters are told, so `settled({ retries: true })` sees the job.
			if (!done) void this.run(job);
			drop();
		};
		const timer = setTimeout(fire, Math.max(0, Math.round(delayMs * this.scale)));
		// A retry hours away must not keep a finished test process alive.
		timer.unref();
		let pass!: () => void;
		const passed = new Promise<void>((resolve) => {
			pass = resolve;
		});
		this.timers.set(timer, { passed, pass });
		return { runNow: fire, cancel: () => void drop() };
	}

	/**
	 * Resolves once every queued delivery (including ones queued meanwhile) has finished. With
	 * `retries`, also waits for the scheduled retries to come due and run: only for a schedule a
	 * test has shrunk, the real ones last hours.
	 */
	async settled(options: SettleOptions = {}): Promise<void> {
		for (;;) {
			const seen = this.tail;
			await seen;
			if (options.retries && this.timers.size > 0) {
				await Promise.all([...this.timers.values()].map((timer) => timer.passed));
				continue;
			}
			if (seen === this.tail) return;
		}
	}

	close(): void {
		this.closed = true;
		for (const [timer, waiting] of this.timers) {
			clearTimeout(timer);
			waiting.pass();
		}
		this.timers.clear();
	}
}
