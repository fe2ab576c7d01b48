/**
 * Where deliveries live in Redis, and the atomic steps that move them along.
 *
 * Per subscription, under one hash tag `{d:<subscription id>}` (so each script touches one
 * Cluster slot, and subscriptions spread over the masters):
 *   wait     LIST  delivery ids ready to go, oldest first
 *   delayed  ZSET  retries, scored by when they are due
 *   active   ZSET  in flight, scored by when the lease of the process sending it expires
 *   done     ZSET  delivered (kept for the API: RELAY_KEEP_DELIVERED, one day at most)
 *   dead     ZSET  the dead-letter queue, kept until replayed or the subscription is deleted
 *   pause    STR   slow-down (429/503 Retry-After, timeout): nothing is claimed while it lives
 *   rate     STR   deliveries claimed in the current one-second window (the rate limit)
 *   breaker  HASH  consecutive failures and `openUntil` (this subscription's circuit breaker)
 *   j:<id>   HASH  one delivery: the event, its body, attempts, last outcome
 *   a:<id>   LIST  its last attempts (when, status, outcome), for the console; own TTL
 *
 * And one key for the whole relay, `ready`: a sorted set of the subscriptions that have, or
 * will have, something to do, scored by when (see ready.ts). A subscription with nothing
 * queued is not in it, so idle subscriptions cost nothing.
 *
 * The in-flight cap and the rate limit are checked and taken in the claim script itself,
 * so they hold whichever process claims. Scripts only ever touch one subscription's keys
 * (job keys are derived from the tag, as BullMQ derives its job keys from the queue's).
 */
import type { RedisClient } from './redis';
import { Script } from './scripts';

export const DELIVERY_STATUSES = ['queued', 'retrying', 'in_flight', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Attempts kept per delivery: a full retry schedule (8) with room to spare after replays. */
const MAX_ATTEMPTS_KEPT = 20;

const SOURCE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const DELIVERY_ID = /^(sub_[0-9a-f]+)\.([A-Za-z0-9_-]{1,64})\.(.+)$/;

/** A delivery's id: one per (subscription, source, event), as event ids are unique per source only. */
export function deliveryId(subscriptionId: string, source: string, eventId: string): string {
	if (!SOURCE_ID.test(source)) throw new Error(`source id "${source}" does not match ${SOURCE_ID.source}`);
	return `${subscriptionId}.${source}.${eventId}`;
}

/**
 * The `webhook-id` a delivery is sent with: the source and the event id, the same at every
 * attempt, retry and replay of the delivery. The event id alone is unique within its source
 * only, and a receiver deduplicating on `webhook-id` (as Standard Webhooks tells it to) would
 * drop a second source's genuine event with a colliding id. The subscription is left out: a
 * receiver sees one subscription's deliveries (and two subscriptions to one workflow would be
 * the same event twice, which is what deduplication is for).
 */
export function webhookId(source: string, eventId: string): string {
	return `${source}:${eventId}`;
}

export function parseDeliveryId(id: string): { subscriptionId: string; source: string; eventId: string } | undefined {
	const match = DELIVERY_ID.exec(id);
	return match ? { subscriptionId: match[1], source: match[2], eventId: match[3] } : undefined;
}

/** The keys of one subscription's deliveries. */
export class SubscriptionKeys {
	readonly base: string;
	constructor(prefix: string, readonly subscriptionId: string) {
		this.base = `${prefix}{d:${subscriptionId}}:`;
	}
	get wait(): string {
		return `${this.base}wait`;
	}
	get delayed(): string {
		return `${this.base}delayed`;
	}
	get active(): string {
		return `${this.base}active`;
	}
	get done(): string {
		return `${this.base}done`;
	}
	get dead(): string {
		return `${this.base}dead`;
	}
	get pause(): string {
		return `${this.base}pause`;
	}
	get rate(): string {
		return `${this.base}rate`;
	}
	get breaker(): string {
		return `${this.base}breaker`;
	}
	job(id: string): string {
		return `${this.base}j:${id}`;
	}
	/** One delivery's attempts (list of JSON, newest last), for the console; expires on its own. */
	attempts(id: string): string {
		return `${this.base}a:${id}`;
	}
	/** Every key but the job hashes, in the order the scripts below take them. */
	get all(): string[] {
		return [this.wait, this.delayed, this.active, this.done, this.dead, this.pause, this.rate, this.breaker];
	}
}


/** One attempt as the console shows it: never the target's body or reason phrase (see docs/relay.md). */
export interface DeliveryAttempt {
	at: string;
	/** delivered, or the failure's reason (timeout, network, http_5xx, …). */
	outcome: string;
	status: number | null;
	/** `HTTP 502 Bad Gateway`, `ECONNREFUSED`, `timeout`…; null when delivered. */
	error: string | null;
	durationMs: number | null;
}

/** One delivery as stored (the job hash). */
export interface StoredDelivery {
	id: string;
	subscriptionId: string;
	eventId: string;
	source: string;
	receivedAtMs: number;
	createdAtMs: number;
	attempts: number;
	maxAttempts: number;
	status: DeliveryStatus;
	lastError: string | null;
	lastStatus: number | null;
	finishedAtMs: number | null;
}

/** A claimed delivery: what the sender needs, and the token proving this process holds it. */
export interface ClaimedDelivery {
	id: string;
	eventId: string;
	source: string;
	body: string;
	receivedAtMs: number;
	/** Attempts made before this one. */
	attempts: number;
	maxAttempts: number;
}

/**
 * When the subscription next needs attention: now if something waits, else the first retry
 * due, else the first lease to expire (a process may have died), else -1 (idle).
 * Shared by the scripts that change a subscription's queue; KEYS 1-3 = wait, delayed, active.
 */
const NEXT_DUE = `
local function nextDue(now)
  if redis.call('LLEN', KEYS[1]) > 0 then return now end
  local d = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
  local a = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  local best = -1
  if d[2] then best = tonumber(d[2]) end
  if a[2] and (best < 0 or tonumber(a[2]) < best) then best = tonumber(a[2]) end
  if best >= 0 and best < now then best = now end
  return best
end
`;

/** KEYS: wait, job. Creates the delivery once: a second enqueue of the same id is a no-op. */
const ENQUEUE = new Script(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[2], 'sub', ARGV[2], 'event', ARGV[3], 'source', ARGV[4], 'body', ARGV[5],
  'receivedAt', ARGV[6], 'createdAt', ARGV[7], 'attempts', 0, 'max', ARGV[8], 'state', 'queued')
redis.call('RPUSH', KEYS[1], ARGV[1])
return 1
`, 2);

/**
 * KEYS: wait, delayed, active, pause, rate, breaker.
 * ARGV: now, most to claim, in-flight cap, rate per second (0 = none), lease ms, token,
 *       probe lease ms, job key base.
 * Returns {next due, claimed...} with each claimed delivery as 7 fields.
 */
const CLAIM = new Script(`${NEXT_DUE}
local now = tonumber(ARGV[1])
local base = ARGV[8]
-- Leases that expired belong to a process that died: back to the head of the line.
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1000)
for i = #expired, 1, -1 do
  redis.call('ZREM', KEYS[3], expired[i])
  if redis.call('EXISTS', base .. expired[i]) == 1 then
    redis.call('HSET', base .. expired[i], 'state', 'queued', 'token', '')
    redis.call('LPUSH', KEYS[1], expired[i])
  end
end
-- Retries that are due join the line.
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HSET', base .. id, 'state', 'queued')
  redis.call('RPUSH', KEYS[1], id)
end
local pause = redis.call('PTTL', KEYS[4])
if pause > 0 then return {now + pause} end
local limit = tonumber(ARGV[2])
local openUntil = tonumber(redis.call('HGET', KEYS[6], 'openUntil') or '0')
if openUntil > now then return {openUntil} end
local active = redis.call('ZCARD', KEYS[3])
local room = tonumber(ARGV[3]) - active
if openUntil > 0 then
  -- Half-open: one probe at a time; the breaker stays shut to others until it answers.
  if active > 0 then
    local a = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
    return {tonumber(a[2])}
  end
  room = 1
end
local perSecond = tonumber(ARGV[4])
local used = 0
if perSecond > 0 then
  used = tonumber(redis.call('GET', KEYS[5]) or '0')
  if perSecond - used < room then room = perSecond - used end
end
if limit < room then room = limit end
local out = {0}
local claimed = 0
while claimed < room do
  local id = redis.call('LPOP', KEYS[1])
  if not id then break end
  local job = base .. id
  local f = redis.call('HMGET', job, 'event', 'source', 'body', 'receivedAt', 'attempts', 'max')
  if f[1] then
    redis.call('HSET', job, 'state', 'in_flight', 'token', ARGV[6])
    redis.call('ZADD', KEYS[3], now + tonumber(ARGV[5]), id)
    claimed = claimed + 1
    for _, v in ipairs({id, f[1], f[2], f[3], f[4], f[5], f[6]}) do out[#out + 1] = v end
  end
end
if claimed > 0 and openUntil > 0 then
  redis.call('HSET', KEYS[6], 'openUntil', now + tonumber(ARGV[7]))
end
if perSecond > 0 then
  if claimed > 0 and redis.call('INCRBY', KEYS[5], claimed) == claimed then redis.call('PEXPIRE', KEYS[5], 1000) end
  if used + claimed >= perSecond and redis.call('LLEN', KEYS[1]) > 0 then
    -- This second's allowance is spent: look again when the window ends, not before.
    local ttl = redis.call('PTTL', KEYS[5])
    if ttl < 1 then ttl = 1 end
    out[1] = now + ttl
    return out
  end
end
if active + claimed >= tonumber(ARGV[3]) and redis.call('LLEN', KEYS[1]) > 0 then
  -- At the cap: a completion wakes it; until then, only a lease expiring would.
  local a = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  out[1] = tonumber(a[2])
  return out
end
out[1] = nextDue(now)
return out
`, 6);

/**
 * Appends one attempt to a delivery's history (its own list, trimmed, with its own TTL) in the
 * same script as the outcome: no extra round trip or command per delivery.
 */
const RECORD_ATTEMPT = `
local function recordAttempt(key, entry, ttl)
  if entry == '' then return end
  redis.call('RPUSH', key, entry)
  redis.call('LTRIM', key, -${MAX_ATTEMPTS_KEPT}, -1)
  redis.call('PEXPIRE', key, ttl)
end
`;

/**
 * KEYS: wait, delayed, active, done, breaker, job, attempts. ARGV: id, token, now, HTTP status,
 * delivered kept (count), delivered kept (max age ms), job key base, the attempt's JSON for
 * the history ('' = none), the history's TTL ms.
 * Returns the next due time, or -2 when this process no longer held the delivery.
 */
const COMPLETE = new Script(`${NEXT_DUE}${RECORD_ATTEMPT}
local now = tonumber(ARGV[3])
if redis.call('HGET', KEYS[6], 'token') ~= ARGV[2] or not redis.call('ZSCORE', KEYS[3], ARGV[1]) then return -2 end
recordAttempt(KEYS[7], ARGV[8], ARGV[9])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('DEL', KEYS[5])
redis.call('HINCRBY', KEYS[6], 'attempts', 1)
redis.call('HSET', KEYS[6], 'state', 'delivered', 'lastStatus', ARGV[4], 'finishedAt', now, 'token', '')
local keep = tonumber(ARGV[5])
if keep == 0 then
  redis.call('DEL', KEYS[6])
else
  redis.call('ZADD', KEYS[4], now, ARGV[1])
  local old = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now - tonumber(ARGV[6]), 'LIMIT', 0, 100)
  local excess = redis.call('ZCARD', KEYS[4]) - keep
  if excess > 0 then
    for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, math.min(excess, 100) - 1)) do old[#old + 1] = id end
  end
  for _, id in ipairs(old) do
    redis.call('ZREM', KEYS[4], id)
    redis.call('DEL', ARGV[7] .. id)
  end
end
return nextDue(now)
`, 7);

/**
 * KEYS: wait, delayed, active, dead, breaker, pause, job, attempts.
 * ARGV: id, token, now, error, HTTP status ('' = none), retry at (-1 = give up),
 *       counts for the breaker (0/1), breaker threshold, breaker cool-down ms, pause ms,
 *       the attempt's JSON for the history ('' = none), the history's TTL ms.
 * Returns {state, next due, 1 when this failure (re)opened the breaker}; state is 'lost' when
 * this process no longer held it.
 */
const FAIL = new Script(`${NEXT_DUE}${RECORD_ATTEMPT}
local now = tonumber(ARGV[3])
if redis.call('HGET', KEYS[7], 'token') ~= ARGV[2] or not redis.call('ZSCORE', KEYS[3], ARGV[1]) then return {'lost', -2} end
recordAttempt(KEYS[8], ARGV[11], ARGV[12])
redis.call('ZREM', KEYS[3], ARGV[1])
local attempts = redis.call('HINCRBY', KEYS[7], 'attempts', 1)
redis.call('HSET', KEYS[7], 'lastError', ARGV[4], 'lastStatus', ARGV[5], 'token', '')
local opened = 0
if ARGV[7] == '1' then
  local failures = redis.call('HINCRBY', KEYS[5], 'failures', 1)
  redis.call('PEXPIRE', KEYS[5], 86400000)
  if failures >= tonumber(ARGV[8]) then
    redis.call('HSET', KEYS[5], 'openUntil', now + tonumber(ARGV[9]))
    opened = 1
  end
end
local pauseMs = tonumber(ARGV[10])
if pauseMs > 0 and redis.call('PTTL', KEYS[6]) < pauseMs then redis.call('SET', KEYS[6], '1', 'PX', pauseMs) end
local state = 'dead'
local retryAt = tonumber(ARGV[6])
if retryAt >= 0 and attempts < tonumber(redis.call('HGET', KEYS[7], 'max')) then
  state = 'retrying'
  redis.call('ZADD', KEYS[2], retryAt, ARGV[1])
else
  redis.call('ZADD', KEYS[4], now, ARGV[1])
  redis.call('HSET', KEYS[7], 'finishedAt', now)
end
redis.call('HSET', KEYS[7], 'state', state)
return {state, nextDue(now), opened}
`, 8);

/**
 * KEYS: wait, delayed, done, dead, job. ARGV: id. Sends one delivery again now: a dead
 * letter or a delivered one with fresh attempts, a pending retry at once. 0 = no such delivery.
 */
const RETRY = new Script(`
local state = redis.call('HGET', KEYS[5], 'state')
if not state then return 0 end
if state == 'dead' or state == 'delivered' then
  redis.call('ZREM', KEYS[4], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('HSET', KEYS[5], 'attempts', 0, 'state', 'queued', 'finishedAt', '')
  redis.call('RPUSH', KEYS[1], ARGV[1])
elseif state == 'retrying' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('HSET', KEYS[5], 'state', 'queued')
  redis.call('LPUSH', KEYS[1], ARGV[1])
end
return 1
`, 5);

/** KEYS: wait, dead. ARGV: how many, job key base. Dead letters back in line with fresh attempts. */
const REPLAY = new Script(`
local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HSET', ARGV[2] .. id, 'attempts', 0, 'state', 'queued', 'finishedAt', '')
  redis.call('RPUSH', KEYS[1], id)
end
return #ids
`, 2);

/**
 * KEYS: wait, delayed, active, done, dead, pause, rate, breaker. ARGV: how many, job key base,
 * error, now. Moves waiting and pending retries to the dead-letter queue (the subscription was disabled).
 */
const BURY = new Script(`
local ids = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
redis.call('LTRIM', KEYS[1], #ids, -1)
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[1]) - 1)) do
  redis.call('ZREM', KEYS[2], id)
  ids[#ids + 1] = id
end
local now = tonumber(ARGV[4])
for _, id in ipairs(ids) do
  if redis.call('EXISTS', ARGV[2] .. id) == 1 then
    redis.call('HSET', ARGV[2] .. id, 'state', 'dead', 'lastError', ARGV[3], 'lastStatus', '', 'finishedAt', now)
    redis.call('ZADD', KEYS[5], now, id)
  end
end
return #ids
`, 8);

/**
 * KEYS: the eight index keys. ARGV: how many, job key base. Deletes a batch of deliveries;
 * once none is left, the index keys themselves. Returns how many were deleted.
 */
const PURGE = new Script(`
local n = tonumber(ARGV[1])
local deleted = 0
for i = 1, 5 do
  local ids
  if i == 1 then ids = redis.call('LRANGE', KEYS[1], 0, n - 1) else ids = redis.call('ZRANGE', KEYS[i], 0, n - 1) end
  for _, id in ipairs(ids) do
    redis.call('DEL', ARGV[2] .. id)
    if i > 1 then redis.call('ZREM', KEYS[i], id) end
  end
  if i == 1 then redis.call('LTRIM', KEYS[1], #ids, -1) end
  deleted = deleted + #ids
  if deleted >= n then return deleted end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
return deleted
`, 8);

/** KEYS: wait, dead, job. ARGV: id, error, attempts, now. A just-added delivery straight to the dead-letter queue. */
const DEAD_LETTER = new Script(`
if redis.call('HGET', KEYS[3], 'state') ~= 'queued' then return 0 end
redis.call('LREM', KEYS[1], 0, ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('HSET', KEYS[3], 'state', 'dead', 'lastError', ARGV[2], 'attempts', ARGV[3], 'finishedAt', ARGV[4])
return 1
`, 3);

const BATCH = 500;

function numberOrNull(value: string | null | undefined): number | null {
	return value === null || value === undefined || value === '' ? null : Number(value);
}

export class DeliveryStore {
	constructor(
		private readonly prefix: string,
		/** Writes of the ingest path (automatically pipelined). */
		private readonly ingest: RedisClient,
		/** Everything else. */
		private readonly command: RedisClient,
	) {}

	keys(subscriptionId: string): SubscriptionKeys {
		return new SubscriptionKeys(this.prefix, subscriptionId);
	}

	/** True when the delivery was created, false when it already existed. */
	async add(
		subscriptionId: string,
		id: string,
		data: { eventId: string; source: string; body: string; receivedAtMs: number },
		maxAttempts: number,
	): Promise<boolean> {
		const keys = this.keys(subscriptionId);
		const created = await ENQUEUE.run(
			this.ingest,
			keys.wait,
			keys.job(id),
			id,
			subscriptionId,
			data.eventId,
			data.source,
			data.body,
			data.receivedAtMs,
			Date.now(),
			maxAttempts,
		);
		return created === 1;
	}

	async claim(
		subscriptionId: string,
		options: { now: number; most: number; maxInFlight: number; perSecond: number; leaseMs: number; token: string; probeLeaseMs: number },
	): Promise<{ next: number; claimed: ClaimedDelivery[] }> {
		const keys = this.keys(subscriptionId);
		const reply = (await CLAIM.run(
			this.command,
			keys.wait,
			keys.delayed,
			keys.active,
			keys.pause,
			keys.rate,
			keys.breaker,
			options.now,
			options.most,
			options.maxInFlight,
			options.perSecond,
			options.leaseMs,
			options.token,
			options.probeLeaseMs,
			keys.job(''),
		)) as Array<string | number>;
		const claimed: ClaimedDelivery[] = [];
		for (let i = 1; i + 6 < reply.length; i += 7) {
			claimed.push({
				id: String(reply[i]),
				eventId: String(reply[i + 1]),
				source: String(reply[i + 2]),
				body: String(reply[i + 3]),
				receivedAtMs: Number(reply[i + 4]),
				attempts: Number(reply[i + 5]),
				maxAttempts: Number(reply[i + 6]),
			});
		}
		return { next: Number(reply[0]), claimed };
	}

	/** The next due time, or -2 when another process had taken the delivery over. */
	async complete(
		subscriptionId: string,
		id: string,
		token: string,
		status: number,
		keep: number,
		keepMs: number,
		attempt?: { entry: DeliveryAttempt; ttlMs: number },
	): Promise<number> {
		const keys = this.keys(subscriptionId);
		return Number(
			await COMPLETE.run(
				this.command,
				keys.wait,
				keys.delayed,
				keys.active,
				keys.done,
				keys.breaker,
				keys.job(id),
				keys.attempts(id),
				id,
				token,
				Date.now(),
				status,
				keep,
				keepMs,
				keys.job(''),
				attempt ? JSON.stringify(attempt.entry) : '',
				attempt?.ttlMs ?? 0,
			),
		);
	}

	async fail(
		subscriptionId: string,
		id: string,
		token: string,
		outcome: { error: string; status?: number; retryAt: number; countsForBreaker: boolean; pauseMs: number },
		breaker: { threshold: number; cooldownMs: number },
		attempt?: { entry: DeliveryAttempt; ttlMs: number },
	): Promise<{ state: 'retrying' | 'dead' | 'lost'; next: number; opened: boolean }> {
		const keys = this.keys(subscriptionId);
		const [state, next, opened] = (await FAIL.run(
			this.command,
			keys.wait,
			keys.delayed,
			keys.active,
			keys.dead,
			keys.breaker,
			keys.pause,
			keys.job(id),
			keys.attempts(id),
			id,
			token,
			Date.now(),
			outcome.error,
			outcome.status ?? '',
			outcome.retryAt,
			outcome.countsForBreaker ? 1 : 0,
			breaker.threshold,
			breaker.cooldownMs,
			Math.max(0, Math.round(outcome.pauseMs)),
			attempt ? JSON.stringify(attempt.entry) : '',
			attempt?.ttlMs ?? 0,
		)) as [string, number, number];
		return { state: state as 'retrying' | 'dead' | 'lost', next: Number(next), opened: opened === 1 };
	}

	/** Holds (or, with 0, releases) a subscription's deliveries, as a slow-down does. */
	async pause(subscriptionId: string, ms: number): Promise<void> {
		const keys = this.keys(subscriptionId);
		if (ms > 0) await this.command.set(keys.pause, '1', 'PX', Math.round(ms));
		else await this.command.del(keys.pause);
	}

	async read(subscriptionId: string, id: string): Promise<StoredDelivery | undefined> {
		const [event, source, receivedAt, createdAt, attempts, max, state, lastError, lastStatus, finishedAt] =
			await this.command.hmget(
				this.keys(subscriptionId).job(id),
				'event',
				'source',
				'receivedAt',
				'createdAt',
				'attempts',
				'max',
				'state',
				'lastError',
				'lastStatus',
				'finishedAt',
			);
		if (!state || !event) return undefined;
		return {
			id,
			subscriptionId,
			eventId: event,
			source: source ?? '',
			receivedAtMs: Number(receivedAt),
			createdAtMs: Number(createdAt),
			attempts: Number(attempts ?? 0),
			maxAttempts: Number(max ?? 1),
			status: state as DeliveryStatus,
			lastError: lastError || null,
			lastStatus: numberOrNull(lastStatus),
			finishedAtMs: numberOrNull(finishedAt),
		};
	}

	/** Ids in one state, newest first for the finished ones, oldest first for the pending ones. */
	async ids(subscriptionId: string, status: DeliveryStatus, limit: number): Promise<string[]> {
		const keys = this.keys(subscriptionId);
		switch (status) {
			case 'queued':
				return this.command.lrange(keys.wait, 0, limit - 1);
			case 'retrying':
				return this.command.zrange(keys.delayed, 0, limit - 1);
			case 'in_flight':
				return this.command.zrange(keys.active, 0, limit - 1);
			case 'delivered':
				return this.command.zrevrange(keys.done, 0, limit - 1);
			case 'dead':
				return this.command.zrevrange(keys.dead, 0, limit - 1);
		}
	}

	async retry(subscriptionId: string, id: string): Promise<boolean> {
		const keys = this.keys(subscriptionId);
		return (await RETRY.run(this.command, keys.wait, keys.delayed, keys.done, keys.dead, keys.job(id), id)) === 1;
	}

	async replayDead(subscriptionId: string): Promise<number> {
		const keys = this.keys(subscriptionId);
		let total = 0;
		for (;;) {
			const moved = Number(await REPLAY.run(this.command, keys.wait, keys.dead, BATCH, keys.job('')));
			total += moved;
			if (moved < BATCH) return total;
		}
	}

	/** Moves a queued delivery to the dead-letter queue as it is (the upgrade from BullMQ queues). */
	async deadLetter(subscriptionId: string, id: string, error: string, attempts: number): Promise<void> {
		const keys = this.keys(subscriptionId);
		await DEAD_LETTER.run(this.command, keys.wait, keys.dead, keys.job(id), id, error, attempts, Date.now());
	}

	/** Dead-letters everything not yet sent; returns how many. */
	async bury(subscriptionId: string, error: string): Promise<number> {
		const keys = this.keys(subscriptionId);
		let total = 0;
		for (;;) {
			const moved = Number(await BURY.run(this.command, ...keys.all, BATCH, keys.job(''), error, Date.now()));
			total += moved;
			if (moved === 0) return total;
		}
	}

	/** Deletes every delivery of a subscription and its queue keys, in batches. */
	async purge(subscriptionId: string): Promise<void> {
		const keys = this.keys(subscriptionId);
		for (;;) {
			const deleted = Number(await PURGE.run(this.command, ...keys.all, BATCH, keys.job('')));
			// A batch smaller than asked for emptied the last index and deleted the index keys.
			if (deleted < BATCH) return;
		}
	}

	async attempts(subscriptionId: string, id: string): Promise<DeliveryAttempt[]> {
		const raws = await this.command.lrange(this.keys(subscriptionId).attempts(id), 0, -1);
		return raws.map((raw) => JSON.parse(raw) as DeliveryAttempt);
	}

	/** The breaker as the claim script sees it: open until a time, or closed with a failure count. */
	async breaker(subscriptionId: string): Promise<{ failures: number; openUntil: number | null }> {
		const fields = await this.command.hgetall(this.keys(subscriptionId).breaker);
		const openUntil = Number(fields.openUntil ?? 0);
		return { failures: Number(fields.failures ?? 0), openUntil: openUntil > 0 ? openUntil : null };
	}

	async counts(subscriptionId: string): Promise<{ waiting: number; delayed: number; active: number; failed: number }> {
		const keys = this.keys(subscriptionId);
		const [waiting, delayed, active, failed] = await Promise.all([
			this.command.llen(keys.wait),
			this.command.zcard(keys.delayed),
			this.command.zcard(keys.active),
			this.command.zcard(keys.dead),
		]);
		return { waiting, delayed, active, failed };
	}
}
