/**
 * The "ready" index: one sorted set of subscription ids, scored by when each next has work
 * (a queued delivery: now; a retry: when it is due; a paused or full subscription: when the
 * pause or the first lease ends). Dispatchers take the due ones in score order, which is
 * what makes service fair: a subscription served goes back to the end of the line, behind
 * every subscription that became ready meanwhile, however long its own backlog.
 *
 * A taken subscription is leased, not removed (its score moves to the end of a short lease),
 * so a process that dies between taking and settling loses nothing: the lease ends and any
 * process takes it again. Settling writes the score the claim computed, or removes an idle
 * subscription, unless someone offered an earlier time meanwhile (an event was queued): the
 * score is then no longer the lease, and the earlier time wins. Offers only ever lower a
 * score (ZADD LT), so no wake-up is lost.
 *
 * This index is the only thing shared by every subscription, so every enqueue and every outcome
 * writes it. On a Cluster it is split into shards (one key each, each under its own hash tag:
 * Keys.readyShards), a subscription always in the same shard: the writes spread over the
 * masters, and each script still touches one key (one slot). A take asks every shard for its
 * share in parallel; fairness holds within a shard and, as every shard is asked each time,
 * roughly across them. Elsewhere there is one shard, the previous layout's single key.
 */
import { shardOf, type RedisClient } from './redis';
import { Script } from './scripts';

/** KEYS: ready. ARGV: now, how many, lease ms. Returns {lease score, earliest other score or false, ids...}. */
const TAKE = new Script(`
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local lease = now + tonumber(ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], lease, id) end
local first = redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local out = {lease, first[2] or false}
for _, id in ipairs(ids) do out[#out + 1] = id end
return out
`, 1);

/** KEYS: ready. ARGV: id, lease score, next due (-1 = idle). */
const SETTLE = new Script(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then
  if tonumber(ARGV[3]) >= 0 then redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[1]) end
  return 0
end
if tonumber(score) == tonumber(ARGV[2]) then
  if tonumber(ARGV[3]) < 0 then redis.call('ZREM', KEYS[1], ARGV[1])
  else redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1]) end
  return 1
end
if tonumber(ARGV[3]) >= 0 then redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[1]) end
return 0
`, 1);

/** The ready set's key under a relay prefix, on a single Redis or Sentinel (one shard). */
export function readyKey(prefix: string): string {
	return `${prefix}deliveries:ready`;
}

export class ReadySet {
	readonly shards: readonly string[];

	constructor(
		/** One key, or the shards' keys (Keys.readyShards). */
		keys: string | readonly string[],
		private readonly client: RedisClient,
	) {
		this.shards = typeof keys === 'string' ? [keys] : keys;
		if (this.shards.length === 0) throw new Error('a ready set needs at least one key');
	}

	/** The shard key a subscription lives in. */
	keyOf(subscriptionId: string): string {
		return this.shards[shardOf(subscriptionId, this.shards.length)];
	}

	/** Lowers the subscription's score to `at` (adds it if absent). */
	async offer(subscriptionId: string, at: number, client: RedisClient = this.client): Promise<void> {
		if (at < 0) return;
		await client.zadd(this.keyOf(subscriptionId), 'LT', Math.round(at), subscriptionId);
	}

	async take(now: number, most: number, leaseMs: number): Promise<{ lease: number; earliest: number | undefined; ids: string[] }> {
		// Every shard is asked for its share at once: with the same `now` each computes the same lease.
		const share = Math.max(1, Math.ceil(most / this.shards.length));
		const replies = (await Promise.all(this.shards.map((key) => TAKE.run(this.client, key, now, share, leaseMs)))) as Array<
			Array<string | number | null>
		>;
		let earliest: number | undefined;
		const ids: string[] = [];
		for (const reply of replies) {
			if (reply[1] !== null && reply[1] !== undefined) earliest = Math.min(earliest ?? Infinity, Number(reply[1]));
			for (const id of reply.slice(2)) ids.push(String(id));
		}
		return { lease: Number(replies[0][0]), earliest, ids };
	}

	async settle(subscriptionId: string, lease: number, next: number): Promise<void> {
		await SETTLE.run(this.client, this.keyOf(subscriptionId), subscriptionId, lease, next < 0 ? -1 : Math.round(next));
	}

	async remove(subscriptionId: string): Promise<void> {
		await this.client.zrem(this.keyOf(subscriptionId), subscriptionId);
	}

	/** Subscriptions with work queued, for the queue-depth metric (up to `most` from each shard). */
	async members(most: number): Promise<string[]> {
		const lists = await Promise.all(this.shards.map((key) => this.client.zrange(key, 0, most - 1)));
		return lists.flat().slice(0, most);
	}
}
