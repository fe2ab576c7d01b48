/**
 * Waits until every acknowledged event reached every sink (or a deadline passed), lets a
 * quiet period go by so late duplicates would show up, and returns the tally.
 */
import type { Tally } from './ledger';
import type { Sink } from './sink';
import { sleep } from './util';
import type { World } from './world';

export interface DrainResult {
	tally: Tally;
	/** Milliseconds from the call until everything acknowledged had been executed (NaN if never). */
	drainedInMs: number;
}

export async function drainAndTally(
	world: World,
	options: { sinks?: Sink[]; timeoutMs: number; quietMs?: number },
): Promise<DrainResult> {
	const sinks = options.sinks ?? world.sinks;
	const start = Date.now();
	let drainedInMs = NaN;
	while (Date.now() - start < options.timeoutMs) {
		if (world.ledger.deliveredEverywhere(sinks)) {
			drainedInMs = Date.now() - start;
			break;
		}
		await sleep(200);
	}
	await sleep(options.quietMs ?? 2000);
	return { tally: world.ledger.tally(sinks), drainedInMs };
}

/** Assertion message with what a human needs to start debugging. */
export function explain(world: World, tally: Tally): string {
	return `tally: ${JSON.stringify(tally)}\n${world.logs()}`;
}

/**
 * The invariants every scenario holds: nothing acknowledged lost, no duplicate a receiver
 * could not catch, every delivery signed and carrying the canonical id. `allowRedelivery`
 * only where a crash makes at-least-once redelivery (same webhook-id) legitimate.
 */
export function expectNoLossNoDuplicate(world: World, tally: Tally, allowRedelivery: boolean): void {
	const actual = {
		lost: tally.lost,
		duplicated: tally.duplicated,
		badSignatures: tally.badSignatures,
		wrongIds: tally.wrongIds,
		unknown: tally.unknown,
		redelivered: allowRedelivery ? 0 : tally.redelivered,
	};
	const clean = Object.values(actual).every((value) => value === 0);
	if (!clean) process.stderr.write(`\n${explain(world, tally)}\n`);
	expect(actual).toEqual({ lost: 0, duplicated: 0, badSignatures: 0, wrongIds: 0, unknown: 0, redelivered: 0 });
}
