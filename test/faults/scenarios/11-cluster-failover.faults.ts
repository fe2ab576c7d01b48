/**
 * 11. Redis Cluster (3 masters, 3 replicas), two relays acknowledging only what reached a
 * replica (RELAY_ACK_REPLICAS=1): `kill -9` of the master owning the relay's keys (restarted
 * once its replica took over, so it rejoins as a replica), then a planned `CLUSTER FAILOVER`
 * back, each under load. Refusals during the failover are fast 503s, nothing acknowledged
 * is lost, nothing delivered twice beyond same-`webhook-id` redeliveries.
 */
import { expectNoLossNoDuplicate } from '../harness/drain';
import { failoverNotes, failoverUnderLoad } from '../harness/failover';
import { redisCli } from '../harness/redis-topology';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { waitFor } from '../harness/util';
import { World } from '../harness/world';

let world: World;

beforeAll(async () => {
	world = await World.create({
		label: 'cluster',
		topology: 'cluster',
		relays: 2,
		env: { RELAY_ACK_REPLICAS: '1', RELAY_ACK_TIMEOUT: '500ms' },
	});
});

afterAll(async () => {
	await world?.close();
});

/** The relay's keys share one slot (the prefix's hash tag, world.ts): its owner is the master to fail. */
async function owner(): Promise<number> {
	return await world.cluster!.ownerOf(`${world.prefix}dedup:x`);
}

test('kill -9 of the master owning the relay\'s keys under load: fast 503s, 0 acknowledged lost, 0 duplicates', async () => {
	const cluster = world.cluster!;
	const before = await owner();
	const run = await failoverUnderLoad(world, {
		label: 's11k',
		events: SCALE.failoverEvents,
		ratePerSecond: SCALE.failoverRate,
		fault: async () => {
			const victim = cluster.node(before);
			await victim.kill9();
			await waitFor('the replica to take over the slot', async () => (await owner()) !== before, 60_000, 200);
			// Back as the new master's replica, so RELAY_ACK_REPLICAS=1 can be met again.
			await victim.spawn();
		},
	});
	const after = await owner();
	recordRow({ scenario: '11a Cluster, kill -9 of the master', ...run.tally, notes: failoverNotes(run, `slot owner ${before} → ${after}, 2 relays, RELAY_ACK_REPLICAS=1`) });
	expect(after).not.toBe(before);
	expect(run.slowestRefusalMs).toBeLessThan(3_000);
	expect(run.tally.acknowledged).toBe(run.tally.sent);
	// Deliveries caught mid-flight resume within seconds, not when their 30 s lease ends.
	expect(run.drainedInMs).toBeLessThan(20_000);
	expectNoLossNoDuplicate(world, run.tally, true);
});

test('planned CLUSTER FAILOVER under load: 0 acknowledged lost, 0 duplicates', async () => {
	const cluster = world.cluster!;
	await cluster.waitHealthy();
	const before = await owner();
	// The replica of the current owner: the old master, rejoined in the previous test.
	const replica = await waitFor(
		'the owner to have a replica in sync',
		async () => {
			for (const node of cluster.nodes) {
				if (!node.running || node.port === before) continue;
				const info = await redisCli(node.port, 'INFO', 'replication');
				if (info.includes(`master_port:${before}`) && info.includes('master_link_status:up')) return node.port;
			}
			return undefined;
		},
		60_000,
		200,
	);
	const run = await failoverUnderLoad(world, {
		label: 's11p',
		events: SCALE.failoverEvents,
		ratePerSecond: SCALE.failoverRate,
		fault: async () => {
			await redisCli(replica, 'CLUSTER', 'FAILOVER');
		},
	});
	const after = await owner();
	recordRow({ scenario: '11b Cluster, planned failover', ...run.tally, notes: failoverNotes(run, `slot owner ${before} → ${after}, 2 relays, RELAY_ACK_REPLICAS=1`) });
	expect(after).toBe(replica);
	expect(run.slowestRefusalMs).toBeLessThan(3_000);
	expect(run.tally.acknowledged).toBe(run.tally.sent);
	// Deliveries caught mid-flight resume within seconds, not when their 30 s lease ends.
	expect(run.drainedInMs).toBeLessThan(20_000);
	expectNoLossNoDuplicate(world, run.tally, true);
});
