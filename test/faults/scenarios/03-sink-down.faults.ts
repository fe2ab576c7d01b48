/**
 * 3. The sink (n8n's stand-in) failing for a while, then healthy: everything arrives, each
 * event's attempts spaced by the growing delays of the schedule. Then the sink down
 * (connection refused) for longer than the whole schedule: exactly those deliveries reach
 * the dead-letter queue, nothing else does, and replaying it delivers them.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { isAck, sendAll } from '../harness/load';
import { makeEvents, type GeneratedEvent } from '../harness/provider';
import { FAST_RETRY_SCHEDULE } from '../harness/relay-process';
import { recordRow } from '../harness/results';
import { sleep, waitFor } from '../harness/util';
import { World } from '../harness/world';

const SCHEDULE = FAST_RETRY_SCHEDULE.split(',').map((d) => Number(d.replace('ms', '')));
const JITTER = 0.2;
let world: World;

beforeAll(async () => {
	world = await World.create({
		label: 'sink-down',
		sinks: [{ name: 'n8n', behaviour: { kind: 'fail', status: 500 } }],
		// The circuit breaker would hold attempts back (without spending them) and blur the
		// schedule being checked here; scenario 5 covers it.
		env: { RELAY_RETRY_JITTER: String(JITTER), RELAY_CIRCUIT_FAILURE_THRESHOLD: '100000' },
	});
});

afterAll(async () => {
	await world?.close();
});

interface DeliveryView {
	eventId: string;
	status: string;
	attempts: number;
}

async function deadLetters(): Promise<DeliveryView[]> {
	const answer = await world.relay.api('GET', `/v1/deliveries?status=dead&subscriptionId=${world.subscriptionIds[0]}&limit=1000`);
	if (answer.status !== 200) throw new Error(`GET /v1/deliveries answered ${answer.status}: ${answer.text}`);
	return (answer.json as { data: DeliveryView[] }).data;
}

test('retries follow the backoff schedule; only exhausted deliveries are dead-lettered; replay delivers them', async () => {
	const run = randomBytes(3).toString('hex');
	const sink = world.sinks[0];
	const target = () => world.relay.baseUrl;

	// Phase A: failing (500) for less than the whole schedule, then healthy.
	const phaseA = [...makeEvents(world.signnow, `s3a-${run}-sn`, 15), ...makeEvents(world.standard, `s3a-${run}-sw`, 15)];
	world.ledger.addSent(phaseA);
	world.ledger.addResults(await sendAll(phaseA, { concurrency: 8, target }));
	await sleep(SCHEDULE[0] + SCHEDULE[1] + SCHEDULE[2] * 0.9);
	sink.setBehaviour({ kind: 'ok' });
	await waitFor('phase A to be delivered', () => world.ledger.deliveredEverywhere([sink]), 60_000);

	// Backoff order: no retry earlier than the schedule's delay less the jitter. Later is
	// legitimate: a due retry waits its turn behind the subscription's in-flight cap.
	const orderViolations: string[] = [];
	let retriedEvents = 0;
	let maxLateMs = 0;
	for (const event of phaseA) {
		const times = sink.attempts.filter((a) => a.key === event.key).map((a) => a.receivedAt);
		if (times.length > 1) retriedEvents++;
		for (let i = 1; i < times.length; i++) {
			const gap = times[i] - times[i - 1];
			const floor = SCHEDULE[i - 1] * (1 - JITTER) - 25;
			maxLateMs = Math.max(maxLateMs, gap - SCHEDULE[i - 1] * (1 + JITTER));
			if (gap < floor) orderViolations.push(`${event.key}: gaps ${times.slice(1).map((t, j) => t - times[j]).join(',')} ms`);
		}
	}
	const deadAfterA = await deadLetters();

	// Phase B: down (connection refused) for longer than the whole schedule.
	await sink.down();
	const phaseB = makeEvents(world.signnow, `s3b-${run}`, 20);
	world.ledger.addSent(phaseB);
	world.ledger.addResults(await sendAll(phaseB, { concurrency: 8, target }));
	const totalSchedule = SCHEDULE.reduce((a, b) => a + b, 0);
	const dead = await waitFor(
		'phase B to be dead-lettered',
		async () => {
			const list = await deadLetters();
			return list.length >= phaseB.length ? list : undefined;
		},
		totalSchedule * (1 + JITTER) + 30_000,
	);
	await sink.up();
	await sleep(1500);
	const executedBeforeReplay = sink.executions().filter((a) => phaseB.some((e) => e.key === a.key)).length;

	const replay = await world.relay.api('POST', '/v1/dead-letter/replay', { subscriptionId: world.subscriptionIds[0] });
	const { tally, drainedInMs } = await drainAndTally(world, { timeoutMs: 60_000 });
	const deadAfterReplay = await deadLetters();
	const byId = new Map<string, GeneratedEvent>([...phaseA, ...phaseB].map((e) => [e.canonicalId, e]));

	recordRow({
		scenario: '3 sink failing, then down past the schedule',
		...tally,
		notes: `schedule ${FAST_RETRY_SCHEDULE} ±${JITTER * 100} %: ${retriedEvents}/${phaseA.length} events retried, ${orderViolations.length} retried early, latest retry ${Math.max(0, Math.round(maxLateMs))} ms after its window (queued behind the in-flight cap), ${deadAfterA.length} dead; down: ${dead.length} dead-lettered after ${SCHEDULE.length + 1} attempts, ${executedBeforeReplay} delivered before replay, replay ${replay.status} → all delivered in ${Math.round(drainedInMs)} ms`,
	});

	expect([...phaseA, ...phaseB].every((e) => world.ledger.ackedKeys.has(e.key))).toBe(true);
	expect(retriedEvents).toBe(phaseA.length);
	expect(orderViolations).toEqual([]);
	expect(deadAfterA).toEqual([]);
	expect(dead.map((d) => byId.get(d.eventId)?.key).sort()).toEqual(phaseB.map((e) => e.key).sort());
	expect(dead.every((d) => d.attempts === SCHEDULE.length + 1)).toBe(true);
	expect(executedBeforeReplay).toBe(0);
	expect(replay.status).toBe(202);
	expect((replay.json as { replayed: number }).replayed).toBe(phaseB.length);
	expect(deadAfterReplay).toEqual([]);
	expect(world.ledger.results.filter((r) => !isAck(r))).toEqual([]);
	expectNoLossNoDuplicate(world, tally, false);
});
