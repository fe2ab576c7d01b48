/**
 * 10. Redis Sentinel (1 master, 1 replica, 3 sentinels), two relays acknowledging only what
 * reached the replica (RELAY_ACK_REPLICAS=1): a planned `SENTINEL FAILOVER`, then `kill -9`
 * of the master, each under load. Nothing acknowledged is lost, nothing delivered twice
 * beyond same-`webhook-id` redeliveries, and the dedup records survive both failovers.
 */
import { expectNoLossNoDuplicate } from '../harness/drain';
import { failoverNotes, failoverUnderLoad } from '../harness/failover';
import { redisCli } from '../harness/redis-topology';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { sleep, waitFor } from '../harness/util';
import { World } from '../harness/world';

let world: World;

beforeAll(async () => {
	world = await World.create({
		label: 'sentinel',
		topology: 'sentinel',
		relays: 2,
		env: { RELAY_ACK_REPLICAS: '1', RELAY_ACK_TIMEOUT: '500ms' },
	});
});

afterAll(async () => {
	await world?.close();
});

async function replicaInSync(): Promise<void> {
	const sentinel = world.sentinel!;
	await waitFor(
		'the master to have its replica in sync again',
		async () => /connected_slaves:1/.test(await redisCli(await sentinel.currentMaster(), 'INFO', 'replication')),
		60_000,
		200,
	);
}

test('planned SENTINEL FAILOVER under load: 0 acknowledged lost, 0 duplicates', async () => {
	const sentinel = world.sentinel!;
	const before = await sentinel.currentMaster();
	const run = await failoverUnderLoad(world, {
		label: 's10p',
		events: SCALE.failoverEvents,
		ratePerSecond: SCALE.failoverRate,
		fault: async () => {
			await redisCli(sentinel.sentinelPorts[0], 'SENTINEL', 'FAILOVER', sentinel.name);
		},
	});
	const after = await sentinel.currentMaster();
	recordRow({ scenario: '10a Sentinel, planned failover', ...run.tally, notes: failoverNotes(run, `master ${before} → ${after}, 2 relays, RELAY_ACK_REPLICAS=1`) });
	expect(after).not.toBe(before);
	expect(run.tally.acknowledged).toBe(run.tally.sent);
	// Deliveries caught mid-flight resume within seconds, not when their 30 s lease ends.
	expect(run.drainedInMs).toBeLessThan(20_000);
	expectNoLossNoDuplicate(world, run.tally, true);
});

test('kill -9 of the Sentinel master under load (restarted 3 s later as a replica): 0 acknowledged lost, 0 duplicates', async () => {
	await replicaInSync();
	const sentinel = world.sentinel!;
	const before = await sentinel.currentMaster();
	const run = await failoverUnderLoad(world, {
		label: 's10k',
		events: SCALE.failoverEvents,
		ratePerSecond: SCALE.failoverRate,
		fault: async () => {
			const victim = sentinel.server(before);
			await victim.kill9();
			// With one replica and RELAY_ACK_REPLICAS=1 nothing can be acknowledged until a
			// replica is back: the operator (here, 3 s later) restarts the old master.
			await sleep(3_000);
			await victim.spawn();
		},
	});
	const after = await sentinel.currentMaster();
	recordRow({ scenario: '10b Sentinel, kill -9 of the master', ...run.tally, notes: failoverNotes(run, `master ${before} → ${after}, 2 relays, RELAY_ACK_REPLICAS=1`) });
	expect(after).not.toBe(before);
	expect(run.tally.acknowledged).toBe(run.tally.sent);
	// Deliveries caught mid-flight resume within seconds, not when their 30 s lease ends.
	expect(run.drainedInMs).toBeLessThan(20_000);
	expectNoLossNoDuplicate(world, run.tally, true);
});
