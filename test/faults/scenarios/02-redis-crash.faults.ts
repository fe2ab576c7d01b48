/**
 * 2. `kill -9` of Redis under load, then a restart from its AOF: while Redis is down the
 * relay answers 503 (never a 2xx) and /readyz fails; it recovers by itself (same process),
 * and no acknowledged event is lost.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { httpRequest, isAck, sendAll } from '../harness/load';
import { makeEvents, type GeneratedEvent } from '../harness/provider';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { sleep, waitFor } from '../harness/util';
import { World } from '../harness/world';

const DOWN_MS = 3000;
let world: World;

beforeAll(async () => {
	world = await World.create({ label: 'redis-crash' });
});

afterAll(async () => {
	await world?.close();
});

test('kill -9 of Redis: 503 while down, recovery without a restart, no acknowledged event lost', async () => {
	const run = randomBytes(3).toString('hex');
	const half = Math.floor(SCALE.redisCrashEvents / 2);
	const signnow = makeEvents(world.signnow, `s2-${run}-sn`, half);
	const standard = makeEvents(world.standard, `s2-${run}-sw`, SCALE.redisCrashEvents - half);
	const events: GeneratedEvent[] = signnow.flatMap((event, i) => (standard[i] ? [event, standard[i]] : [event]));
	world.ledger.addSent(events);
	const relay = world.relay;
	const relayPid = relay.pid;

	let killedAt = 0;
	let restartedAt = 0;
	const readyz: Array<{ at: number; status: number }> = [];
	let outage: Promise<void> | undefined;
	const killAt = Math.floor(events.length * 0.3);
	const results = await sendAll(events, {
		ratePerSecond: SCALE.redisCrashRate,
		concurrency: 64,
		target: () => relay.baseUrl,
		timeoutMs: 15_000,
		onResult: (_r, index) => {
			if (outage || index < killAt) return;
			outage = (async () => {
				await world.redis.kill9();
				killedAt = Date.now();
				while (Date.now() - killedAt < DOWN_MS) {
					const answer = await httpRequest(`${relay.baseUrl}/readyz`, { timeoutMs: 2000 }).catch(() => ({ status: 0 }));
					readyz.push({ at: Date.now(), status: answer.status });
					await sleep(100);
				}
				restartedAt = Date.now();
				await world.redis.spawn();
			})();
		},
	});
	await outage;
	const recoveredAt = await waitFor('/readyz to pass again after Redis came back', async () => ((await relay.ready()) ? Date.now() : undefined), 60_000);
	world.ledger.addResults(results);

	// Requests wholly inside the outage (started after the kill, answered before the restart).
	const during = results.filter((r) => r.startedAt > killedAt && r.endedAt < restartedAt);
	const duringStatuses = new Map<number, number>();
	for (const r of during) duringStatuses.set(r.status, (duringStatuses.get(r.status) ?? 0) + 1);
	// /readyz after the relay had a moment to notice.
	const readyDuring = readyz.filter((p) => p.at > killedAt + 1000);

	// The provider retries whatever was not acknowledged.
	const unacked = results.filter((r) => !isAck(r)).map((r) => world.ledger.event(r.key));
	const retries = await sendAll(unacked, { concurrency: 16, target: () => relay.baseUrl });
	world.ledger.addResults(retries);
	const { tally, drainedInMs } = await drainAndTally(world, { timeoutMs: 150_000 });

	recordRow({
		scenario: '2 kill -9 Redis under load (AOF restart)',
		...tally,
		notes: `${DOWN_MS} ms outage: ${during.length} requests inside it answered ${[...duringStatuses.entries()].map(([s, n]) => `${s}×${n}`).join(', ')}; /readyz ${readyDuring.map((p) => p.status).filter((s) => s !== 200).length}/${readyDuring.length} failing; ready again ${recoveredAt - restartedAt} ms after Redis restarted (same relay pid); ${unacked.length} retried by the provider; drained in ${Math.round(drainedInMs)} ms`,
	});

	expect(outage).toBeDefined();
	expect(relay.pid).toBe(relayPid);
	expect(during.length).toBeGreaterThan(0);
	expect([...duringStatuses.keys()]).toEqual([503]);
	expect(readyDuring.length).toBeGreaterThan(0);
	expect(readyDuring.filter((p) => p.status === 200)).toEqual([]);
	expect(retries.filter((r) => !isAck(r))).toEqual([]);
	expect(tally.acknowledged).toBe(events.length);
	expectNoLossNoDuplicate(world, tally, true);
});
