/**
 * From a verified event to delivery jobs: deduplicate, store, and fan out at ingest.
 *
 * Durability and deduplication without losing a retry: the dedup key holds a state, "p"
 * (pending) when the event is first stored and "q" (queued) once every delivery job exists.
 *   1. one Lua script: if the key exists, return its state; else set it to "p" (expiring
 *      after the dedup window) and store the event; it also returns the subscriptions'
 *      version counter, read atomically with the key (one round trip);
 *   2. unless the state was "q": add one delivery job per matching subscription, with
 *      jobId = subscription + event (BullMQ creates a job id only once, so concurrent copies
 *      of the same event converge on one job per subscription). The subscription list comes
 *      from memory when its version is unchanged, else from Redis, so a subscription created
 *      before the event was stored (by any process) is always included;
 *   3. answer 2xx, and mark the key "q".
 * If the process dies between 1 and 3, the key stays "p" and the provider's retry is not
 * taken for a duplicate: it re-adds the delivery jobs, and the ones that already exist are
 * no-ops. Only "q" short-circuits. Redis refusing any of it rejects, and ingest answers 503.
 *
 * Fanning out here rather than in a separate fan-out queue saves, per event, a job add, a
 * worker hop (fetch + complete) and a read of every subscription: about half the Redis work
 * and the queueing delay between ingest and delivery.
 */
import type { CanonicalEvent } from '../../nodes/providers/webhooks';
import type { RelayConfig } from './config';
import type { DeliveryManager } from './deliveries';
import { waitForReplicas, type Keys, type RedisClient } from './redis';
import { Script } from './scripts';
import { matches, type SubscriptionStore } from './subscriptions';

const INGEST = new Script(`
local state = redis.call('GET', KEYS[1])
local version = redis.call('GET', KEYS[3]) or '0'
if state then return {state, version} end
redis.call('SET', KEYS[1], 'p', 'PX', ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return {'new', version}
`, 3);

export type Accepted = 'new' | 'duplicate';

export class Pipeline {
	constructor(
		private readonly config: RelayConfig,
		private readonly keys: Keys,
		/** The ingest connection (automatically pipelined). */
		private readonly redis: RedisClient,
		private readonly subscriptions: SubscriptionStore,
		private readonly deliveries: DeliveryManager,
	) {}

	/** The delivery body: the canonical event plus where and when the relay received it. */
	static body(event: CanonicalEvent, source: string, receivedAtMs: number): string {
		return JSON.stringify({ ...event, source, receivedAt: new Date(receivedAtMs).toISOString() });
	}

	/** Resolves once the event is durably queued (or known to be); rejects when Redis cannot take it. */
	async accept(event: CanonicalEvent, source: string, receivedAtMs: number): Promise<Accepted> {
		const body = Pipeline.body(event, source, receivedAtMs);
		const dedupKey = this.keys.dedup(event.id);
		const [state, version] = (await INGEST.run(
			this.redis,
			dedupKey,
			this.keys.event(event.id),
			this.keys.subscriptionsVersion,
			this.config.dedupWindowMs,
			body,
			this.config.eventRetentionMs,
		)) as [string, string];
		if (state === 'q') return 'duplicate';
		const matching = (await this.subscriptions.current(Number(version))).filter((subscription) =>
			matches(subscription, event, source),
		);
		// Idempotent: a delivery job's id is subscription + event, created once by BullMQ.
		await Promise.all(
			matching.map((subscription) => this.deliveries.enqueue(subscription, { eventId: event.id, source, body, receivedAtMs })),
		);
		// The event and its delivery jobs on enough replicas before the 2xx (RELAY_ACK_REPLICAS).
		await waitForReplicas(this.redis, dedupKey, this.config.ackReplicas, this.config.ackReplicaTimeoutMs);
		// Not awaited: until it lands the key says "p", which only makes a retry re-add (no-ops).
		this.redis.call('SET', dedupKey, 'q', 'XX', 'KEEPTTL').catch(() => undefined);
		return state === 'new' ? 'new' : 'duplicate';
	}

	async getEvent(eventId: string): Promise<unknown> {
		const raw = await this.redis.get(this.keys.event(eventId));
		return raw ? (JSON.parse(raw) as unknown) : undefined;
	}

	/** Stores a synthetic event and queues it to one subscription, bypassing its filters. */
	async sendTest(subscriptionId: string, event: CanonicalEvent): Promise<string> {
		const subscription = await this.subscriptions.get(subscriptionId);
		if (!subscription) throw new Error('subscription not found');
		const receivedAtMs = Date.now();
		const body = Pipeline.body(event, 'relay-test', receivedAtMs);
		await this.redis.set(this.keys.event(event.id), body, 'PX', this.config.eventRetentionMs);
		return this.deliveries.enqueue(subscription, { eventId: event.id, source: 'relay-test', body, receivedAtMs });
	}
}
