/**
 * A failover under load, as the replicated-Redis scenarios run it: two relays behind a
 * round-robin "load balancer", signed events at a steady rate, the fault injected once a
 * share of them is sent, the provider retrying whatever was not acknowledged until it is,
 * and 20 % of the events sent again afterwards (a provider's late retries, which must meet
 * the dedup records the failover kept). Reports the window of non-2xx answers.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally } from './drain';
import type { Tally } from './ledger';
import { isAck, sendAll, type SendResult } from './load';
import { makeEvents, type GeneratedEvent } from './provider';
import { sleep } from './util';
import type { World } from './world';

export interface FailoverRun {
	tally: Tally;
	/** Requests answered non-2xx (or not at all) during the main load. */
	refused: number;
	/** From the fault to the last non-2xx answer of the main load (ms); 0 when there was none. */
	windowMs: number;
	/** The slowest non-2xx answer (ms): a refusal should come fast, not after a hang. */
	slowestRefusalMs: number;
	/** The median non-2xx answer (ms). */
	medianRefusalMs: number;
	statuses: string;
	retried: number;
	resent: number;
	drainedInMs: number;
}

export async function failoverUnderLoad(
	world: World,
	options: { label: string; events: number; ratePerSecond: number; fault: () => Promise<void> },
): Promise<FailoverRun> {
	const run = randomBytes(3).toString('hex');
	const half = Math.floor(options.events / 2);
	const signnow = makeEvents(world.signnow, `${options.label}-${run}-sn`, half);
	const standard = makeEvents(world.standard, `${options.label}-${run}-sw`, options.events - half);
	const events: GeneratedEvent[] = signnow.flatMap((event, i) => (standard[i] ? [event, standard[i]] : [event]));
	world.ledger.addSent(events);

	let faultAt = 0;
	let fault: Promise<void> | undefined;
	const faultIndex = Math.floor(events.length * 0.3);
	const relays = world.relays;
	const results = await sendAll(events, {
		ratePerSecond: options.ratePerSecond,
		concurrency: 32,
		timeoutMs: 15_000,
		target: (_event, index) => relays[index % relays.length].baseUrl,
		onResult: (_result, index) => {
			if (fault || index < faultIndex) return;
			faultAt = Date.now();
			fault = options.fault();
		},
	});
	await fault;
	world.ledger.addResults(results);

	const refusedResults = results.filter((r) => !isAck(r));
	const statuses = new Map<string, number>();
	for (const r of refusedResults) statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);

	// The provider retries until acknowledged (every 500 ms here; minutes in real life).
	let retried = 0;
	const deadline = Date.now() + 90_000;
	for (;;) {
		const pending = events.filter((event) => !world.ledger.ackedKeys.has(event.key));
		if (pending.length === 0 || Date.now() > deadline) break;
		retried += pending.length;
		const answers = await sendAll(pending, { concurrency: 16, target: (_event, i) => relays[i % relays.length].baseUrl });
		world.ledger.addResults(answers);
		if (answers.some((r) => !isAck(r))) await sleep(500);
	}

	// Late resends of a fifth of the events, acknowledged or not: the dedup records must hold.
	const again = events.filter((_event, i) => i % 5 === 0);
	const resends: SendResult[] = await sendAll(again, { concurrency: 16, target: (_event, i) => relays[i % relays.length].baseUrl });
	world.ledger.addResults(resends);

	const { tally, drainedInMs } = await drainAndTally(world, { timeoutMs: 150_000 });
	const refusedAfterFault = refusedResults.filter((r) => r.endedAt >= faultAt);
	return {
		tally,
		refused: refusedResults.length,
		windowMs: refusedAfterFault.length ? Math.max(...refusedAfterFault.map((r) => r.endedAt)) - faultAt : 0,
		slowestRefusalMs: refusedResults.length ? Math.max(...refusedResults.map((r) => r.endedAt - r.startedAt)) : 0,
		medianRefusalMs: median(refusedResults.map((r) => r.endedAt - r.startedAt)),
		statuses: [...statuses.entries()].map(([status, count]) => `${status}×${count}`).join(', ') || 'none',
		retried,
		resent: again.length,
		drainedInMs,
	};
}

function median(values: number[]): number {
	if (values.length === 0) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)];
}

export function failoverNotes(run: FailoverRun, extra: string): string {
	return `${extra}; non-2xx during load: ${run.statuses} (window ${run.windowMs} ms after the fault, refusals answered in ${run.medianRefusalMs} ms median, ${run.slowestRefusalMs} ms at most); ${run.retried} retried by the provider until acknowledged, ${run.resent} resent later; drained in ${Math.round(run.drainedInMs)} ms`;
}
