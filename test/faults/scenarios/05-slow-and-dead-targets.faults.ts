/**
 * 5. A slow target (answers after several seconds) and a dead one (connection refused)
 * subscribed beside a healthy one: the healthy one still gets every event promptly. The
 * bound asserted is structural, not a timer: had the healthy target waited behind the
 * slow one even once, that event's latency would exceed the slow target's delay.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { isAck, sendAll } from '../harness/load';
import { makeEvents } from '../harness/provider';
import { recordRow } from '../harness/results';
import { percentile } from '../harness/util';
import { World } from '../harness/world';

// Below the relay's 10 s delivery timeout, so the slow target's deliveries succeed (slowly).
const SLOW_MS = 8000;
let world: World;

beforeAll(async () => {
	world = await World.create({
		label: 'slow-dead',
		sinks: [
			{ name: 'healthy' },
			{ name: 'slow', behaviour: { kind: 'slow', delayMs: SLOW_MS } },
			{ name: 'dead' },
		],
	});
	await world.sinks[2].down();
});

afterAll(async () => {
	await world?.close();
});

test('a slow and a dead target do not hold up a healthy one', async () => {
	const run = randomBytes(3).toString('hex');
	const events = [...makeEvents(world.signnow, `s5-${run}-sn`, 150), ...makeEvents(world.standard, `s5-${run}-sw`, 150)];
	world.ledger.addSent(events);
	const results = await sendAll(events, { concurrency: 16, ratePerSecond: 60, target: () => world.relay.baseUrl });
	world.ledger.addResults(results);
	const resent = await world.resendStalled(results);
	const [healthy, slow, dead] = world.sinks;
	const { tally, drainedInMs } = await drainAndTally(world, { sinks: [healthy], timeoutMs: 60_000 });
	// How far the slow target had got when the healthy one had everything.
	const healthyDoneAt = Math.max(...healthy.executions().map((a) => a.receivedAt));
	const slowExecuted = slow.executions().filter((a) => a.receivedAt <= healthyDoneAt).length;

	const ackAt = new Map([...results, ...resent].filter(isAck).map((r) => [r.key, r.endedAt]));
	const latencies = healthy
		.executions()
		.map((a) => a.receivedAt - (ackAt.get(a.key ?? '') ?? a.receivedAt))
		.sort((a, b) => a - b);
	const p50 = percentile(latencies, 50);
	const p99 = percentile(latencies, 99);
	recordRow({
		scenario: '5 slow + dead target beside a healthy one',
		...tally,
		notes: `healthy target: ack→delivery p50 ${p50} ms, p99 ${p99} ms, max ${latencies[latencies.length - 1]} ms; slow target (${SLOW_MS} ms/answer) had executed ${slowExecuted}/${events.length} by then, dead target refused every connection (${dead.attempts.length} reached it); healthy drained ${Math.round(drainedInMs)} ms after the last send${world.stallNote(results)}`,
	});

	expect(world.unexplained([...results, ...resent])).toEqual([]);
	expect(latencies.length).toBe(events.length);
	expect(latencies[latencies.length - 1]).toBeLessThan(SLOW_MS);
	// Head-of-line blocking would pace the healthy target at the slow one's rate (4 in flight /
	// 8 s = 0.5/s); instead it had everything while the slow one had done a handful.
	expect(slowExecuted).toBeLessThan(events.length * 0.1);
	expectNoLossNoDuplicate(world, tally, false);
});
