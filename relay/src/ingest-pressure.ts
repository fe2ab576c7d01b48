/**
 * How many ingest requests this process is serving right now, so the work that runs after an
 * acknowledgement (fan-out job adds, deliveries) can make room for them.
 *
 * Ingest, fan-out and delivery share one event loop (and, on a small machine, the cores with
 * Redis). A fan-out to 1,000 subscriptions and the deliveries behind it keep the loop and
 * Redis busy with hundreds of commands at a time; an acknowledgement that arrives meanwhile
 * waits behind every reply already queued. While an ingest request is in flight the fan-out
 * and the dispatcher therefore keep fewer commands in flight (their "busy" budgets); they are
 * never stopped, so a steady stream of ingest slows them down without starving them, and
 * they return to their full budgets as soon as no request is in flight.
 */
export class IngestPressure {
	private inFlight = 0;
	private readonly calm: Array<() => void> = [];

	/** An ingest request arrived; call `end` once it is answered (or aborted). */
	begin(): void {
		this.inFlight += 1;
	}

	end(): void {
		this.inFlight -= 1;
		if (this.inFlight === 0 && this.calm.length > 0) for (const resolve of this.calm.splice(0)) resolve();
	}

	get busy(): boolean {
		return this.inFlight > 0;
	}

	/** Called once when no ingest request is in flight any more (at once if none is). */
	onCalm(callback: () => void): void {
		if (this.inFlight === 0) callback();
		else this.calm.push(callback);
	}
}
