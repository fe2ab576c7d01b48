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
 * This key is the only one shared by every subscription; its scripts touch nothing else (one
 * Cluster slot), and the per-subscription scripts never touch it.
 */
import type { RedisClient } from './redis';
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

/** The ready set's key under a relay prefix. */
export function readyKey(prefix: string): string {
	return `${prefix}deliveries:ready`;
}

export class ReadySet {
	constructor(
		readonly key: string,
		private readonly client: RedisClient,
	) {}

	/** Lowers the subscription's score to `at` (adds it if absent). */
	async offer(subscriptionId: string, at: number, client: RedisClient = this.client): Promise<void> {
		if (at < 0) return;
		await client.zadd(this.key, 'LT', Math.round(at), subscriptionId);
	}

	async take(now: number, most: number, leaseMs: number): Promise<{ lease: number; earliest: number | undefined; ids: string[] }> {
		const reply = (await TAKE.run(this.client, this.key, now, most, leaseMs)) as Array<string | number | null>;
		return {
			lease: Number(reply[0]),
			earliest: reply[1] === null || reply[1] === undefined ? undefined : Number(reply[1]),
			ids: reply.slice(2).map(String),
		};
	}

	async settle(subscriptionId: string, lease: number, next: number): Promise<void> {
		await SETTLE.run(this.client, this.key, subscriptionId, lease, next < 0 ? -1 : Math.round(next));
	}

	async remove(subscriptionId: string): Promise<void> {
		await this.client.zrem(this.key, subscriptionId);
	}

	/** Subscriptions with work queued, for the queue-depth metric. */
	async members(most: number): Promise<string[]> {
		return this.client.zrange(this.key, 0, most - 1);
	}
}
