/**
 * The origin-wide pause. Every n8n trigger's URL is on n8n's one origin, so nothing an origin
 * *answers* may pause it: a 5xx, a 429 or a timeout is one workflow's trouble, handled by
 * that subscription's own breaker and slow-down. Only an origin that cannot be reached at all
 * (connection refused, reset, unreachable host: no answer from anyone there) is paused for
 * every subscription, so the relay does not spend each subscription's attempts learning the
 * same thing. Kept per process, in memory: each process learns it from its own attempts
 * within a few failures, and it costs no Redis traffic.
 */
export class OriginGate {
	private readonly origins = new Map<string, { failures: number; openUntil: number; probing: boolean }>();

	constructor(
		private readonly threshold: number,
		private readonly cooldownMs: number,
	) {}

	/**
	 * 0 when deliveries to `origin` may go now, else when to look again. Past the pause, the
	 * first caller is admitted as the probe and the others wait for its outcome.
	 */
	admit(origin: string, now = Date.now()): number {
		const state = this.origins.get(origin);
		if (!state || state.openUntil === 0) return 0;
		if (state.openUntil > now) return state.openUntil;
		if (state.probing) return now + 1_000;
		state.probing = true;
		return 0;
	}

	/** The admitted caller had nothing to send: let the next one probe. */
	unused(origin: string): void {
		const state = this.origins.get(origin);
		if (state) state.probing = false;
	}

	/** The origin answered (anything, even a 5xx): it is reachable. */
	reached(origin: string): void {
		this.origins.delete(origin);
	}

	unreachable(origin: string, now = Date.now()): void {
		const state = this.origins.get(origin) ?? { failures: 0, openUntil: 0, probing: false };
		state.failures += 1;
		state.probing = false;
		if (state.failures >= this.threshold) state.openUntil = now + this.cooldownMs;
		this.origins.set(origin, state);
	}
}
