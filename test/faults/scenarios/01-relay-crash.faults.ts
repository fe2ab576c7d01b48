/**
 * 1. `kill -9` of the relay in the middle of 1,000+ events/s, then a restart: every
 * acknowledged event is delivered at least once, and every redelivery carries the same
 * `webhook-id`. The provider then retries what was not acknowledged, as providers do.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { isAck, sendAll, type SendResult } from '../harness/load';
import { makeEvents, type GeneratedEvent } from '../harness/provider';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { sleep } from '../harness/util';
import { World } from '../harness/world';

let world: World;

beforeAll(async () => {
	world = await World.create({ label: 'relay-crash' });
});

afterAll(async () => {
	await world?.close();
});

test('kill -9 of the relay under load loses no acknowledged event', async () => {
	const run = randomBytes(3).toString('hex');
	const half = Math.floor(SCALE.crashEvents / 2);
	// Interleave both sources so both ingest paths are under the crash.
	const signnow = makeEvents(world.signnow, `s1-${run}-sn`, half);
	const standard = makeEvents(world.standard, `s1-${run}-sw`, SCALE.crashEvents - half);
	const events: GeneratedEvent[] = signnow.flatMap((event, i) => (standard[i] ? [event, standard[i]] : [event]));
	world.ledger.addSent(events);

	const relay = world.relay;
	const killAt = Math.floor(events.length * 0.4);
	let crash: Promise<void> | undefined;
	let killedAt = 0;
	const start = Date.now();
	const results = await sendAll(events, {
		ratePerSecond: SCALE.crashRate,
		concurrency: 64,
		target: () => relay.baseUrl,
		timeoutMs: 10_000,
		onResult: (_result, index) => {
			if (crash || index < killAt) return;
			crash = (async () => {
				killedAt = Date.now();
				await relay.kill9();
				await sleep(300);
				await relay.spawn();
			})();
		},
	});
	const sendMs = Date.now() - start;
	await crash;
	world.ledger.addResults(results);

	const ackedBeforeKill = results.filter((r) => isAck(r) && r.endedAt < killedAt).length;
	const failed = results.filter((r) => !isAck(r));
	// The provider retries every callback that was not acknowledged (SignNow resends the same bytes).
	const retries: SendResult[] = await sendAll(
		failed.map((r) => world.ledger.event(r.key)),
		{ concurrency: 16, target: () => relay.baseUrl },
	);
	world.ledger.addResults(retries);

	const { tally, drainedInMs } = await drainAndTally(world, { timeoutMs: 150_000 });
	const rate = Math.round((ackedBeforeKill * 1000) / Math.max(1, killedAt - start));
	recordRow({
		scenario: '1 kill -9 relay under load',
		...tally,
		notes: `${rate} acks/s before the kill; ${failed.length} requests unanswered during the restart, retried by the provider; drained ${Math.round(drainedInMs)} ms after; load ${sendMs} ms`,
	});

	expect(crash).toBeDefined();
	expect(ackedBeforeKill).toBeGreaterThan(0);
	expect(failed.length).toBeGreaterThan(0);
	expect(retries.filter(isAck).length).toBe(retries.length);
	expect(tally.acknowledged).toBe(events.length);
	expectNoLossNoDuplicate(world, tally, true);
});
