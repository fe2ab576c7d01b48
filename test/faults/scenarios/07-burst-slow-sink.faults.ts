/**
 * 7. A burst far above the target's pace (thousands of events in a few seconds into a sink
 * that executes 30 requests a second, as a stock n8n does here): everything acknowledged,
 * held, and executed exactly once at the sink's pace, with no timeout-driven retry storm.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { sendAll } from '../harness/load';
import { makeEvents } from '../harness/provider';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { World } from '../harness/world';

const MAX_IN_FLIGHT = 4;
let world: World;

beforeAll(async () => {
	world = await World.create({
		label: 'burst',
		sinks: [{ name: 'n8n-30rps', behaviour: { kind: 'paced', perSecond: SCALE.sinkPerSecond } }],
		// The production defaults that matter here, stated so the scenario does not drift with them.
		env: { RELAY_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT), RELAY_DELIVERY_TIMEOUT: '10s' },
	});
});

afterAll(async () => {
	await world?.close();
});

test('a burst into a 30 requests/s sink is held and delivered exactly once at its pace', async () => {
	const run = randomBytes(3).toString('hex');
	const events = makeEvents(world.signnow, `s7-${run}`, SCALE.burstEvents);
	world.ledger.addSent(events);
	const start = Date.now();
	const results = await sendAll(events, { concurrency: 64, target: () => world.relay.baseUrl });
	const burstMs = Date.now() - start;
	world.ledger.addResults(results);
	const resent = await world.resendStalled(results);

	const expectedMs = (SCALE.burstEvents / SCALE.sinkPerSecond) * 1000;
	const { tally, drainedInMs } = await drainAndTally(world, {
		timeoutMs: expectedMs * 2 + 60_000,
		quietMs: 3000,
	});
	const sink = world.sinks[0];
	const aborted = sink.attempts.filter((a) => a.clientAborted).length;
	const executions = sink.executions();
	const spanMs = executions.length > 1 ? executions[executions.length - 1].receivedAt - executions[0].receivedAt : 0;
	const pace = spanMs > 0 ? ((executions.length - 1) * 1000) / spanMs : NaN;
	recordRow({
		scenario: '7 burst into a 30/s sink',
		...tally,
		notes: `burst acknowledged in ${burstMs} ms (${Math.round((events.length * 1000) / burstMs)}/s); sink executed ${pace.toFixed(1)}/s; max ${sink.maxInFlight} in flight at the sink; ${aborted} timed-out requests; drained in ${Math.round(drainedInMs / 1000)} s${world.stallNote(results)}`,
	});

	expect(world.unexplained([...results, ...resent])).toEqual([]);
	expect(tally.acknowledged).toBe(events.length);
	// At the sink's pace: never more in flight than the relay's per-subscription cap.
	expect(sink.maxInFlight).toBeLessThanOrEqual(MAX_IN_FLIGHT);
	// No retry storm: the relay never gave up on a request the sink was still working on,
	// and nothing was sent twice.
	expect(aborted).toBe(0);
	expect(sink.attempts.length).toBe(executions.length);
	expectNoLossNoDuplicate(world, tally, false);
});
