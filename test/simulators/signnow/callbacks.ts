/**
 * How the SignNow simulator sends event callbacks: as SignNow does, from a worker, not from the
 * API call that caused the event. An API call returns at once, whatever the callback URL does
 * (slow, stuck, refusing connections); a failed delivery (no answer within the timeout, a
 * network error, or a non-2xx status) is sent again after each delay of `retryDelaysMs`, with
 * the same body and signature. SignNow publishes no retry schedule, so by default the simulator
 * does not invent one (no retry); a test that needs retries passes its own delays.
 */
import type { SignNowState, SimDelivery } from './state';

export interface CallbackOptions {
	/** Delay before each retry of a failed delivery, in ms; empty: no retry. */
	retryDelaysMs?: number[];
	/** How long one delivery may take before it counts as failed. */
	timeoutMs?: number;
}

export type Callback = Omit<SimDelivery, 'status' | 'error' | 'attempt'>;

export class CallbackSender {
	private readonly inFlight = new Set<Promise<void>>();
	private readonly timers = new Set<NodeJS.Timeout>();
	private closed = false;

	constructor(
		private readonly state: SignNowState,
		private readonly options: Required<CallbackOptions>,
	) {}

	/** First attempt of each callback; the returned promise settles when they have been answered. */
	send(callbacks: Callback[]): Promise<void> {
		// One after another, in subscription order, so the delivery log reads the same every run.
		const attempts = (async () => {
			for (const callback of callbacks) await this.attempt(callback, 0);
		})();
		this.track(attempts);
		return attempts;
	}

	/** Every attempt started so far has been answered (scheduled retries not included). */
	async idle(): Promise<void> {
		while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
	}

	close(): void {
		this.closed = true;
		for (const timer of this.timers) clearTimeout(timer);
		this.timers.clear();
	}

	private track(promise: Promise<void>) {
		this.inFlight.add(promise);
		void promise.finally(() => this.inFlight.delete(promise));
	}

	private async attempt(callback: Callback, attempt: number): Promise<void> {
		let status = 0;
		let error: string | undefined;
		try {
			const answer = await fetch(callback.url, {
				method: 'POST',
				headers: callback.headers,
				body: callback.rawBody,
				signal: AbortSignal.timeout(this.options.timeoutMs),
			});
			status = answer.status;
			await answer.arrayBuffer();
		} catch (failure) {
			error = String(failure);
		}
		if (this.closed) return;
		this.state.deliveries.push({ ...callback, status, attempt, ...(error === undefined ? {} : { error }) });
		const delay = this.options.retryDelaysMs[attempt];
		if ((status >= 200 && status < 300) || delay === undefined) return;
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			this.track(this.attempt(callback, attempt + 1));
		}, delay);
		// A retry scheduled for later must not keep a finished test process alive.
		timer.unref();
		this.timers.add(timer);
	}
}
