/**
 * Where the relay's keys land on a Redis Cluster (no server needed: the slot is a function of
 * the key). Every script and MULTI must touch one slot (ioredis refuses cross-slot ones), and
 * without a tag in the prefix the writes that happen at every event must spread over slots.
 * cluster-spread.test.ts checks the same on a real 3-master Cluster.
 */
import { SubscriptionKeys } from '../src/delivery-store';
import { CLUSTER_SCHEDULE_SHARDS, Keys, hashTagOf, shardOf } from '../src/redis';
import { ReadySet, readyKey } from '../src/ready';

// ioredis's own slot function (CRC16 of the hash tag, as Redis Cluster computes it); it ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const calculateSlot = require('cluster-key-slot') as (key: string) => number;
const slots = (keys: string[]) => new Set(keys.map((key) => calculateSlot(key)));
/** The master of a slot on a 3-master Cluster created by `redis-cli --cluster create` (even split). */
const masterOf = (slot: number) => (slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);

const spread = new Keys('esign-relay:', { cluster: true });

it('follows Redis\'s hash-tag rule: first { to the next }, not empty', () => {
	expect(hashTagOf('{esign-relay}:')).toBe('esign-relay');
	expect(hashTagOf('esign-relay:')).toBeUndefined();
	expect(hashTagOf('a{}b{c}:')).toBeUndefined();
	expect(hashTagOf('a{b')).toBeUndefined();
});

it('keeps every registry script within one slot (subscriptions, version, tokens, ownership, outbox sources)', () => {
	const registry = [
		spread.subscriptions,
		spread.subscriptionsVersion,
		spread.tokens,
		spread.tokenSubscriptions('tok_0123'),
		spread.tokenSubscriptions('tok_4567'),
		spread.adminToken,
		spread.outboxSources,
	];
	expect(slots(registry).size).toBe(1);
	expect(spread.spread).toBe(true);
	expect(spread.pinned).toBe(false);
});

it('keeps one subscription\'s delivery keys in one slot, and spreads subscriptions over every master', () => {
	const ids = Array.from({ length: 60 }, (_, n) => `sub_${n.toString(16).padStart(24, '0')}`);
	for (const id of ids) {
		const keys = new SubscriptionKeys(spread.prefix, id);
		expect(slots([...keys.all, keys.job(`${id}.signnow.evt_1`)]).size).toBe(1);
	}
	const masters = new Set(ids.map((id) => masterOf(calculateSlot(new SubscriptionKeys(spread.prefix, id).wait))));
	expect(masters).toEqual(new Set([0, 1, 2]));
});

it('shards the scheduling index over slots on every master, a subscription always in the same shard', () => {
	expect(spread.readyShards).toHaveLength(CLUSTER_SCHEDULE_SHARDS);
	expect(slots(spread.readyShards).size).toBe(CLUSTER_SCHEDULE_SHARDS);
	expect(new Set(spread.readyShards.map((key) => masterOf(calculateSlot(key))))).toEqual(new Set([0, 1, 2]));
	// A subscription's ready entry and its dead-letter index entry are in one shard's slot.
	for (let n = 0; n < CLUSTER_SCHEDULE_SHARDS; n++) expect(calculateSlot(spread.readyShards[n])).toBe(calculateSlot(spread.deadShards[n]));
	const ready = new ReadySet(spread.readyShards, undefined as never);
	const used = new Set(Array.from({ length: 400 }, (_, n) => ready.keyOf(`sub_${n.toString(16).padStart(24, '0')}`)));
	expect(used.size).toBe(CLUSTER_SCHEDULE_SHARDS);
	expect(ready.keyOf('sub_abc')).toBe(ready.keyOf('sub_abc'));
	expect(shardOf('sub_abc', 1)).toBe(0);
});

it('keeps the previous layout\'s names on a single Redis, under Sentinel and with a hash-tagged prefix', () => {
	for (const keys of [new Keys('esign-relay:'), new Keys('{esign-relay}:', { cluster: true })]) {
		const p = keys.prefix;
		expect(keys.spread).toBe(false);
		expect([keys.subscriptions, keys.subscriptionsVersion, keys.tokens, keys.tokenSubscriptions('t'), keys.adminToken]).toEqual([
			`${p}subscriptions`,
			`${p}subscriptions:version`,
			`${p}tokens`,
			`${p}token-subscriptions:t`,
			`${p}admin-token`,
		]);
		expect(keys.readyShards).toEqual([readyKey(p)]);
		expect(keys.deadShards).toEqual([`${p}deliveries:dead`]);
	}
	const pinned = new Keys('{esign-relay}:', { cluster: true });
	expect(pinned.pinned).toBe(true);
	// Redis hashes a key's first tag: with one in the prefix, everything shares its slot.
	expect(slots([pinned.outbox('a'), pinned.outbox('b'), pinned.subscriptions, ...new SubscriptionKeys(pinned.prefix, 'sub_1').all]).size).toBe(1);
});
