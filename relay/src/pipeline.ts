/**
 * From a verified event to a durable acknowledgement: deduplicate and store, per source.
 *
 * One Lua script, on keys that all carry the source's hash tag (one Cluster slot):
 *   - if the source's dedup key for the event id exists, it is a duplicate;
 *   - else set the dedup key (expiring after the dedup window), store the event (the
 *     delivery body) and add the event id to the source's outbox, leased to this process.
 * Then the provider is answered, and the fan-out to the matching subscriptions runs after
 * (see fanout.ts): the acknowledgement costs the same whether 1 or 10,000 subscriptions match.
 *
 * Event ids are unique per source only: two Standard Webhooks senders, or two accounts of
 * a provider that numbers its events 1, 2, 3, produce equal ids for different events. So the
 * dedup key, the stored event and the delivery job id all include the source.
 *
 * Upgrade from the unscoped layout (dedup:<id>, event:<id>): the script also reads the old
 * dedup key. "q" meant every delivery job had been added: a duplicate. "p" meant the old
 * relay stopped before it had added them all: taken as new and fanned out (at least once).
 */
import type { CanonicalEvent } from '../../nodes/providers/webhooks';
import type { RelayConfig } from './config';
import type { DeliveryManager } from './deliveries';
import type { Fanout } from './fanout';
import { waitForReplicas, type Keys, type RedisClient } from './redis';
import { Script } from './scripts';
import type { SubscriptionStore } from './subscriptions';
import type { RelaySpan, Tracing } from './tracing';

// ARGV[6] = '1' when the acknowledgement waits for replicas: a duplicate then rewrites its
// dedup key unchanged, so the WAIT that follows on this connection also covers the original
// write (made perhaps by another relay whose own WAIT failed and answered 503).
const INGEST_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[6] == '1' then redis.call('SET', KEYS[1], redis.call('GET', KEYS[1]), 'XX', 'KEEPTTL') end
  return 'duplicate'
end
if KEYS[4] and redis.call('GET', KEYS[4]) == 'q' then
  if ARGV[6] == '1' then redis.call('SET', KEYS[4], 'q', 'XX', 'KEEPTTL') end
  return 'duplicate'
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
return 'new'
`;
const INGEST = new Script(INGEST_SCRIPT, 3);
const INGEST_READING_LEGACY = new Script(INGEST_SCRIPT, 4);

export type Accepted = 'new' | 'duplicate';

/** The source the relay's own test events are stored under. */
export const TEST_SOURCE = 'relay-test';

export class Pipeline {
	constructor(
		private readonly config: RelayConfig,
		private readonly keys: Keys,
		/** The ingest connection (automatically pipelined). */
		private readonly redis: RedisClient,
		private readonly subscriptions: SubscriptionStore,
		private readonly deliveries: DeliveryManager,
		readonly fanout: Fanout,
		/** Undefined when tracing is off. */
		private readonly tracing?: Tracing,
	) {}

	/** The delivery body: the canonical event plus where and when the relay received it. */
	static body(event: CanonicalEvent, source: string, receivedAtMs: number): string {
		return JSON.stringify({ ...event, source, receivedAt: new Date(receivedAtMs).toISOString() });
	}

	/**
	 * Resolves once the event is durably stored with its fan-out pending (or known to be a
	 * duplicate); rejects when Redis cannot take it. Does not wait for the fan-out.
	 */
	async accept(event: CanonicalEvent, source: string, receivedAtMs: number, parent?: RelaySpan): Promise<Accepted> {
		const span = parent ? this.tracing?.startSpan('store', { parent, attributes: { 'relay.source': source, 'relay.event_id': event.id, 'db.system.name': 'redis' } }) : undefined;
		try {
			const state = await this.store(event, source, receivedAtMs, span);
			span?.setAttributes({ 'relay.duplicate': state === 'duplicate' });
			return state;
		} catch (error) {
			span?.fail('Redis could not store the event', (error as Error).name);
			throw error;
		} finally {
			span?.end();
		}
	}

	private async store(event: CanonicalEvent, source: string, receivedAtMs: number, span: RelaySpan | undefined): Promise<Accepted> {
		const body = Pipeline.body(event, source, receivedAtMs);
		const keys = [this.keys.dedup(source, event.id), this.keys.event(source, event.id), this.keys.outbox(source)];
		const script = this.keys.legacyInSlot ? INGEST_READING_LEGACY : INGEST;
		if (this.keys.legacyInSlot) keys.push(this.keys.legacyDedup(event.id));
		const state = (await script.run(
			this.redis,
			...keys,
			this.config.dedupWindowMs,
			body,
			this.config.eventRetentionMs,
			// The lease: until then no other relay takes this fan-out over.
			receivedAtMs + this.config.fanoutLeaseMs,
			event.id,
			this.config.ackReplicas > 0 ? '1' : '0',
		)) as Accepted;
		// The event and its pending fan-out on enough replicas before the 2xx (RELAY_ACK_REPLICAS).
		await waitForReplicas(this.redis, keys[0], this.config.ackReplicas, this.config.ackReplicaTimeoutMs);
		if (state === 'new') {
			this.fanout.schedule({
				source,
				eventId: event.id,
				body,
				receivedAtMs,
				event: { provider: event.provider, type: event.type, documentId: event.documentId },
				traceparent: span?.traceparent,
			});
		}
		return state;
	}

	/**
	 * The stored events with this id, by source: the given source's, or (without one) every
	 * configured source's. Events stored before the upgrade (unscoped keys) are found too.
	 */
	async findEvent(eventId: string, source: string | undefined, knownSources: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
		const candidates = source ? [source] : [...new Set([...knownSources, TEST_SOURCE])];
		const [legacyRaw, ...raws] = await Promise.all([
			this.redis.get(this.keys.legacyEvent(eventId)),
			...candidates.map((candidate) => this.redis.get(this.keys.event(candidate, eventId))),
		]);
		const found = new Map<string, Record<string, unknown>>();
		for (const [index, raw] of raws.entries()) if (raw) found.set(candidates[index], JSON.parse(raw) as Record<string, unknown>);
		if (legacyRaw) {
			const legacy = JSON.parse(legacyRaw) as Record<string, unknown>;
			const legacySource = typeof legacy.source === 'string' ? legacy.source : '';
			if ((!source || legacySource === source) && !found.has(legacySource)) found.set(legacySource, legacy);
		}
		return found;
	}

	/** Stores a synthetic event and queues it to one subscription, bypassing its filters. */
	async sendTest(subscriptionId: string, event: CanonicalEvent): Promise<string> {
		const subscription = await this.subscriptions.get(subscriptionId);
		if (!subscription) throw new Error('subscription not found');
		const receivedAtMs = Date.now();
		const body = Pipeline.body(event, TEST_SOURCE, receivedAtMs);
		await this.redis.set(this.keys.event(TEST_SOURCE, event.id), body, 'PX', this.config.eventRetentionMs);
		return this.deliveries.enqueue(subscription, { eventId: event.id, source: TEST_SOURCE, body, receivedAtMs });
	}
}
