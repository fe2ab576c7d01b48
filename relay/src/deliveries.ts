/**
 * Delivery: one delivery per (event, subscription), queued per subscription in Redis and sent
 * by one dispatcher loop per relay process that serves every subscription.
 *
 * Why not BullMQ (which this relay used before): open-source BullMQ has no job groups, so a
 * per-subscription cap across processes meant a queue *and a Worker* per subscription, and
 * each Worker holds its own blocking Redis connection and polls: 1,000 subscriptions cost
 * 1,000 connections, ~2,000 idle Redis commands/s and 220 MB. Here the per-subscription
 * state is a few plain keys under one hash tag (delivery-store.ts), the subscriptions with
 * something to do sit in one "ready" sorted set (ready.ts), and a claim script takes a
 * subscription's deliveries only within its in-flight cap and rate limit, atomically, so the
 * limits hold whichever process claims. Connections per process stay constant, an idle
 * subscription costs nothing, and service is fair (the ready set is a line, not a priority).
 * See docs/relay.md ("Delivery: how it is built").
 *
 * Isolation: a subscription's breaker and slow-down are its own (keys under its tag). Only an
 * origin that cannot be reached at all pauses every subscription to it (origin-gate.ts).
 */
import type { Logger } from 'pino';

import type { Alerts } from './alerts';
import type { RelayConfig } from './config';
import { DELIVERY_STATUSES, DeliveryStore, deliveryId, parseDeliveryId, type DeliveryStatus, type StoredDelivery } from './delivery-store';
import { Dispatcher } from './dispatcher';
import { migrateLegacyQueues } from './legacy-queues';
import type { Metrics, QueueDepth } from './metrics';
import { OriginGate } from './origin-gate';
import { ReadySet } from './ready';
import { shardOf, type Keys, type RedisClient } from './redis';
import type { Sender } from './sender';
import type { Subscription, SubscriptionStore } from './subscriptions';

export { DELIVERY_STATUSES, deliveryId, parseDeliveryId, type DeliveryStatus } from './delivery-store';

/** What a delivery carries (the job data). */
export interface DeliveryJobData {
	eventId: string;
	/** The source the event came in on: part of the delivery id, as ids are unique per source. */
	source: string;
	/** The exact JSON body, signed anew at each attempt. */
	body: string;
	receivedAtMs: number;
}

export interface DeliveryView {
	id: string;
	eventId: string;
	subscriptionId: string;
	status: DeliveryStatus;
	attempts: number;
	maxAttempts: number;
	lastError: string | null;
	lastStatus: number | null;
	createdAt: string;
	finishedAt: string | null;
}

/** Subscriptions read per /metrics scrape at most (those with work or dead letters). */
const DEPTH_SUBSCRIPTIONS = 1_000;

function view(stored: StoredDelivery): DeliveryView {
	return {
		id: stored.id,
		eventId: stored.eventId,
		subscriptionId: stored.subscriptionId,
		status: stored.status,
		attempts: stored.attempts,
		maxAttempts: stored.maxAttempts,
		lastError: stored.lastError,
		lastStatus: stored.lastStatus,
		createdAt: new Date(stored.createdAtMs).toISOString(),
		finishedAt: stored.finishedAtMs ? new Date(stored.finishedAtMs).toISOString() : null,
	};
}

export class DeliveryManager {
	readonly store: DeliveryStore;
	private readonly ready: ReadySet;
	/** Subscriptions that have dead letters (sharded as the ready set): with it, all the queue-depth metric reads. */
	private readonly deadIndexKeys: readonly string[];
	private readonly dispatcher: Dispatcher;
	private starting: Promise<void> | undefined;

	constructor(
		config: RelayConfig,
		private readonly keys: Keys,
		/** Delivery adds (the automatically pipelined ingest connection). */
		private readonly queueConnection: RedisClient,
		/** The API's reads and writes. */
		private readonly command: RedisClient,
		/** The dispatcher's claims and outcomes. */
		dispatchConnection: RedisClient,
		private readonly subscriptions: SubscriptionStore,
		sender: Sender,
		private readonly metrics: Metrics,
		private readonly logger: Logger,
		alerts?: Alerts,
	) {
		this.store = new DeliveryStore(keys.prefix, queueConnection, command);
		const dispatchStore = new DeliveryStore(keys.prefix, queueConnection, dispatchConnection);
		this.ready = new ReadySet(keys.readyShards, dispatchConnection);
		this.deadIndexKeys = keys.deadShards;
		this.dispatcher = new Dispatcher({
			config,
			store: dispatchStore,
			ready: this.ready,
			subscriptions,
			sender,
			origins: new OriginGate(config.circuitFailureThreshold, config.circuitCooldownMs),
			metrics,
			logger,
			onDead: (subscriptionId) => this.markDead(subscriptionId),
			alerts,
		});
	}

	private deadIndexKey(subscriptionId: string): string {
		return this.deadIndexKeys[shardOf(subscriptionId, this.deadIndexKeys.length)];
	}

	private markDead(subscriptionId: string): void {
		this.command.sadd(this.deadIndexKey(subscriptionId), subscriptionId).catch((error: unknown) => {
			this.logger.warn({ err: error, subscriptionId }, 'could not index dead letters (queue-depth metric only)');
		});
	}

	/**
	 * Nothing to prepare: a subscription's cap and rate limit are read with it at each claim
	 * (kept so the admin API's create path reads the same before and after).
	 */
	async configure(subscription: Subscription): Promise<void> {
		void subscription;
	}

	/**
	 * Queues one delivery; resolves once it is stored and its subscription is in line.
	 * Idempotent: the id is subscription + source + event, created once, so repeating an
	 * enqueue (a provider's retry, a fan-out resumed after a crash) adds nothing.
	 */
	async enqueue(subscription: Subscription, data: DeliveryJobData): Promise<string> {
		const id = deliveryId(subscription.id, data.source, data.eventId);
		await this.store.add(subscription.id, id, data, this.dispatcher.maxAttempts);
		// After the add, never before: a dispatcher that found the queue empty in between would drop the offer.
		await this.ready.offer(subscription.id, Date.now(), this.queueConnection);
		this.metrics.deliveriesEnqueued.inc();
		this.dispatcher.wake();
		return id;
	}

	/**
	 * Starts this process's dispatcher, the first time after moving over what the BullMQ
	 * queues of a previous version still hold; afterwards a subscription change only needs a look.
	 */
	reconcile(): Promise<void> {
		this.starting ??= this.migrate().then(() => this.dispatcher.start());
		this.dispatcher.wake();
		return this.starting;
	}

	private async migrate(): Promise<void> {
		try {
			await migrateLegacyQueues({
				keys: this.keys,
				client: this.command,
				store: this.store,
				subscriptions: await this.subscriptions.list(),
				maxAttempts: this.dispatcher.maxAttempts,
				offer: (subscriptionId) => this.ready.offer(subscriptionId, Date.now(), this.command),
				logger: this.logger,
			});
		} catch (error) {
			// Left in the old queues, nothing is lost: the next start tries again.
			this.logger.error({ err: error }, 'could not move deliveries from the previous version\'s BullMQ queues; the next start tries again');
		}
	}

	parseId(id: string): { subscriptionId: string; source: string; eventId: string } | undefined {
		return parseDeliveryId(id);
	}

	/** Reads only: an unknown id creates and keeps nothing. */
	async get(id: string): Promise<DeliveryView | undefined> {
		const parsed = parseDeliveryId(id);
		if (!parsed) return undefined;
		const stored = await this.store.read(parsed.subscriptionId, id);
		return stored ? view(stored) : undefined;
	}

	async list(status: DeliveryStatus | undefined, subscriptionId: string | undefined, limit: number): Promise<DeliveryView[]> {
		const ids = subscriptionId ? [subscriptionId] : (await this.subscriptions.list()).map((s) => s.id);
		const statuses = status ? [status] : [...DELIVERY_STATUSES];
		const views: DeliveryView[] = [];
		for (const id of ids) {
			for (const wanted of statuses) {
				const deliveryIds = await this.store.ids(id, wanted, limit);
				const stored = await Promise.all(deliveryIds.map((deliveryId_) => this.store.read(id, deliveryId_)));
				for (const item of stored) if (item) views.push(view(item));
			}
		}
		return views.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
	}

	/** Retries one delivery now: from the dead-letter queue, a pending retry, or a delivered one (redelivery). */
	async retry(id: string): Promise<DeliveryView | undefined> {
		const parsed = parseDeliveryId(id);
		if (!parsed) return undefined;
		if (!(await this.store.retry(parsed.subscriptionId, id))) return undefined;
		await this.ready.offer(parsed.subscriptionId, Date.now(), this.command);
		this.dispatcher.wake();
		return this.get(id);
	}

	/** Moves dead letters (all, or one subscription's) back in line with fresh attempts. */
	async replayDeadLetters(subscriptionId?: string): Promise<number> {
		const ids = subscriptionId ? [subscriptionId] : (await this.subscriptions.list()).map((s) => s.id);
		let replayed = 0;
		for (const id of ids) {
			const moved = await this.store.replayDead(id);
			await this.command.srem(this.deadIndexKey(id), id);
			if (moved === 0) continue;
			replayed += moved;
			await this.ready.offer(id, Date.now(), this.command);
		}
		this.dispatcher.wake();
		return replayed;
	}

	/** Deletes a subscription's deliveries and queue keys (after the subscription itself). */
	async remove(subscriptionId: string): Promise<void> {
		await this.store.purge(subscriptionId);
		await Promise.all([this.ready.remove(subscriptionId), this.command.srem(this.deadIndexKey(subscriptionId), subscriptionId)]);
	}

	/** Reads only the subscriptions with work or dead letters: a scrape costs nothing per idle subscription. */
	async depth(): Promise<QueueDepth[]> {
		const totals: Record<string, number> = { waiting: 0, delayed: 0, active: 0, failed: 0 };
		const [busy, ...dead] = await Promise.all([
			this.ready.members(DEPTH_SUBSCRIPTIONS),
			...this.deadIndexKeys.map((key) => this.command.srandmember(key, DEPTH_SUBSCRIPTIONS)),
		]);
		for (const id of new Set([...busy, ...dead.flat().slice(0, DEPTH_SUBSCRIPTIONS)])) {
			const counts = await this.store.counts(id);
			for (const [state, count] of Object.entries(counts)) totals[state] += count;
		}
		return Object.entries(totals).map(([state, count]) => ({ queue: 'delivery' as const, state, count }));
	}

	/** Dispatcher loops in this process (one, whatever the number of subscriptions). */
	workerCount(): number {
		return this.dispatcher.running() ? 1 : 0;
	}

	running(): boolean {
		return this.dispatcher.running();
	}

	/** Stops at once; deliveries in flight are taken over by any relay when their lease ends. */
	async forceClose(): Promise<void> {
		await this.dispatcher.stop(false);
	}

	/** Waits for in-flight deliveries to finish, then stops. */
	async close(): Promise<void> {
		await this.dispatcher.stop(true);
	}
}
