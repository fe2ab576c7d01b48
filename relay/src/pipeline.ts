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
import { CompletionHold } from './completion-hold';
import type { RelayConfig } from './config';
import type { DeliveryManager } from './deliveries';
import type { Fanout } from './fanout';
import { waitForReplicas, type Keys, type RedisClient } from './redis';
import { Script } from './scripts';
import type { SubscriptionStore } from './subscriptions';

// ARGV[6] = '1' when the acknowledgement waits for replicas: a duplicate then rewrites its
// dedup key unchanged, so the WAIT that follows on this connection also covers the original
// write (made perhaps by another relay whose own WAIT failed and answered 503).
// ARGV[7] / ARGV[8]: the position in KEYS of the legacy dedup key / of the reconciliation state
// mark, or 0 when absent. ARGV[9] = '1' when the source reconciles: a state mark already set
// then means the state change was reported the other way (webhook or sweep) under another event
// id: a duplicate, whose own id is remembered too so its retries stop at the first check. A
// source that does not reconcile (yet) only sets marks, so turning reconciliation on later finds
// the changes its webhooks already delivered.
const INGEST_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[6] == '1' then redis.call('SET', KEYS[1], redis.call('GET', KEYS[1]), 'XX', 'KEEPTTL') end
  return 'duplicate'
end
local legacy = tonumber(ARGV[7])
if legacy > 0 and redis.call('GET', KEYS[legacy]) == 'q' then
  if ARGV[6] == '1' then redis.call('SET', KEYS[legacy], 'q', 'XX', 'KEEPTTL') end
  return 'duplicate'
end
local state = tonumber(ARGV[8])
if state > 0 and ARGV[9] == '1' and redis.call('EXISTS', KEYS[state]) == 1 then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
  return 'duplicate'
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[5])
if state > 0 then redis.call('SET', KEYS[state], ARGV[5], 'PX', ARGV[1]) end
return 'new'
`;
/** By key count: 3 (dedup, event, outbox), plus the legacy dedup key and/or the state mark. */
const INGEST = [3, 4, 5].map((count) => new Script(INGEST_SCRIPT, count));

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
		/** Opt-in per source: completions wait for their file-ready event (completion-hold.ts). */
		private readonly hold = new CompletionHold(keys, redis, config.sources),
	) {}

	/** The delivery body: the canonical event plus where and when the relay received it. */
	static body(event: CanonicalEvent, source: string, receivedAtMs: number): string {
		return JSON.stringify({ ...event, source, receivedAt: new Date(receivedAtMs).toISOString() });
	}

	/**
	 * Resolves once the event is durably stored with its fan-out pending (or known to be a
	 * duplicate); rejects when Redis cannot take it. Does not wait for the fan-out.
	 */
	async accept(
		event: CanonicalEvent,
		source: string,
		receivedAtMs: number,
		/** The (document, state) mark this event sets, for providers that can be reconciled. */
		documentState?: string,
		/** Whether a mark already set makes it a duplicate (the source reconciles). */
		checkState = false,
	): Promise<Accepted> {
		const body = Pipeline.body(event, source, receivedAtMs);
		const keys = [this.keys.dedup(source, event.id), this.keys.event(source, event.id), this.keys.outbox(source)];
		let legacyAt = 0;
		let stateAt = 0;
		if (this.keys.legacyInSlot) legacyAt = keys.push(this.keys.legacyDedup(event.id));
		// See nodes/providers/reconcile.ts: webhook and sweep mark the same (document, state).
		if (documentState) stateAt = keys.push(this.keys.reconcileState(source, documentState));
		const script = INGEST[keys.length - 3];
		// A held completion's lease is the hold's bound: the outbox sweep delivers it then at the latest.
		const heldUntil = await this.hold.leaseFor(event, source, receivedAtMs);
		const state = (await script.run(
			this.redis,
			...keys,
			this.config.dedupWindowMs,
			body,
			this.config.eventRetentionMs,
			// The lease: until then no other relay takes this fan-out over.
			heldUntil ?? receivedAtMs + this.config.fanoutLeaseMs,
			event.id,
			this.config.ackReplicas > 0 ? '1' : '0',
			legacyAt,
			stateAt,
			checkState ? '1' : '0',
		)) as Accepted;
		// The event and its pending fan-out on enough replicas before the 2xx (RELAY_ACK_REPLICAS).
		await waitForReplicas(this.redis, keys[0], this.config.ackReplicas, this.config.ackReplicaTimeoutMs);
		if (state === 'new' && heldUntil === undefined) {
			const released = await this.hold.release(event, source, receivedAtMs, this.config.fanoutLeaseMs);
			if (released) {
				// The completion goes out first, then the file-ready event that released it.
				const held = JSON.parse(released.body) as CanonicalEvent & { receivedAt: string };
				this.fanout.schedule({
					source,
					eventId: released.eventId,
					body: released.body,
					receivedAtMs: Date.parse(held.receivedAt),
					event: { provider: held.provider, type: held.type, documentId: held.documentId },
				});
			}
			this.fanout.schedule({
				source,
				eventId: event.id,
				body,
				receivedAtMs,
				event: { provider: event.provider, type: event.type, documentId: event.documentId },
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
