/**
 * 8. Scale-out: two relay processes on the same Redis (same prefix), load spread across
 * both, then one killed with `kill -9`: every acknowledged event delivered, none twice
 * beyond redeliveries carrying the same `webhook-id`, and the survivor keeps ingesting and
 * delivering (including the jobs the dead one held).
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { isAck, sendAll } from '../harness/load';
import { makeEvents, type GeneratedEvent } from '../harness/provider';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { World } from '../harness/world';

let world: World;

beforeAll(async () => {
	world = await World.create({ label: 'scale-out', relays: 2, sinks: [{ name: 'n8n-a' }, { name: 'n8n-b' }] });
});

afterAll(async () => {
	await world?.close();
});

test('two relays on one Redis, one killed: no loss, no duplicate, the survivor carries on', async () => {
	const run = randomBytes(3).toString('hex');
	const half = Math.floor(SCALE.scaleOutEvents / 2);
	const signnow = makeEvents(world.signnow, `s8-${run}-sn`, half);
	const standard = makeEvents(world.standard, `s8-${run}-sw`, SCALE.scaleOutEvents - half);
	const events: GeneratedEvent[] = signnow.flatMap((event, i) => (standard[i] ? [event, standard[i]] : [event]));
	world.ledger.addSent(events);
	const [survivor, victim] = world.relays;

	let killed = false;
	let killedAt = Infinity;
	const killAt = Math.floor(events.length * 0.4);
	const results = await sendAll(events, {
		ratePerSecond: SCALE.scaleOutRate,
		concurrency: 64,
		// A load balancer: round robin, and the dead one taken out once its health check fails.
		target: (_event, index) => (index % 2 === 1 && !killed ? victim.baseUrl : survivor.baseUrl),
		onResult: (_r, index) => {
			if (killed || index < killAt) return;
			killed = true;
			killedAt = Date.now();
			void victim.kill9();
		},
	});
	world.ledger.addResults(results);
	const viaVictim = results.filter((r, i) => i % 2 === 1 && isAck(r) && r.endedAt < killedAt).length;
	const afterKill = results.filter((r) => r.startedAt > killedAt + 100);

	// The provider retries what was not acknowledged, through the load balancer (the survivor).
	const unacked = results.filter((r) => !isAck(r)).map((r) => world.ledger.event(r.key));
	const retries = await sendAll(unacked, { concurrency: 16, target: () => survivor.baseUrl });
	world.ledger.addResults(retries);
	const resent = await world.resendStalled(retries, () => survivor.baseUrl);
	const { tally, drainedInMs } = await drainAndTally(world, { timeoutMs: 150_000 });

	recordRow({
		scenario: '8 two relays, one killed',
		...tally,
		notes: `2 subscriptions; ${viaVictim} acknowledged by the killed relay before its death, ${afterKill.filter(isAck).length} by the survivor after it; ${unacked.length} unanswered, retried by the provider${world.stallNote([...afterKill, ...retries])}; drained in ${Math.round(drainedInMs)} ms`,
	});

	expect(killed).toBe(true);
	expect(viaVictim).toBeGreaterThan(0);
	expect(afterKill.length).toBeGreaterThan(0);
	expect(world.unexplained([...afterKill, ...retries, ...resent])).toEqual([]);
	expect(tally.acknowledged).toBe(events.length);
	expect(survivor.running).toBe(true);
	expectNoLossNoDuplicate(world, tally, true);
});
