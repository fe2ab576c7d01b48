/**
 * One loop per process that serves every subscription: take the subscriptions that are due
 * from the ready set (fairly, oldest first), claim what each may send now (its cap and rate
 * limit are enforced by the claim script, across processes), send, record the outcome, and
 * put the subscription back in line. No connection and no polling per subscription: the loop
 * asks Redis once per wake-up for *all* due subscriptions, sleeps until the earliest future
 * one (or one second at most, to see work queued by other processes), and is woken at once
 * by work queued or finished in this process.
 */
import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import type { RelayConfig } from './config';
import { webhookId, type ClaimedDelivery, type DeliveryStore } from './delivery-store';
import type { Alerts } from './alerts';
import type { Metrics } from './metrics';
import type { OriginGate } from './origin-gate';
import type { ReadySet } from './ready';
import { DeliveryFailure, retryDelay } from './retry';
import type { Sender, SendResult } from './sender';
import type { Subscription, SubscriptionStore } from './subscriptions';

/** Deliveries in flight per process: the HTTP agent's sockets per origin, so none waits for a socket. */
export const MAX_LOCAL_IN_FLIGHT = 256;
/** Longest sleep: how soon work queued by another process (whose own loop would take it) is seen here. */
const IDLE_POLL_MS = 1_000;
/** Subscriptions taken per round trip. */
const TAKE_BATCH = 64;
/** How long a taken subscription is ours before settling (only matters if this process dies). */
const READY_LEASE_MS = 10_000;
const BREAKER_REASONS = new Set(['timeout', 'network', 'http_5xx', 'http_503']);
const SLOW_DOWN_REASONS = new Set(['timeout', 'http_429', 'http_503']);

export interface DispatcherDependencies {
	config: RelayConfig;
	store: DeliveryStore;
	ready: ReadySet;
	subscriptions: SubscriptionStore;
	sender: Sender;
	origins: OriginGate;
	metrics: Metrics;
	logger: Logger;
	/** A subscription now has dead letters (for the queue-depth metric). */
	onDead: (subscriptionId: string) => void;
	/** Operational alerts (dead letters, breakers opening); never awaited. */
	alerts?: Alerts;
}

export class Dispatcher {
	private reserved = 0;
	private readonly sending = new Set<Promise<void>>();
	private stopped = false;
	private loop: Promise<void> | undefined;
	private woken = false;
	private wakeUp: (() => void) | undefined;
	private readonly processToken = randomBytes(6).toString('hex');
	private claims = 0;
	private readonly leaseMs: number;
	private readonly attempts: number;

	constructor(private readonly deps: DispatcherDependencies) {
		// A lease must outlive the slowest attempt, or another process would send it again.
		this.leaseMs = Math.max(30_000, deps.config.deliveryTimeoutMs * 2 + 5_000);
		this.attempts = deps.config.retrySchedule.length + 1;
	}

	get maxAttempts(): number {
		return this.attempts;
	}

	start(): void {
		if (this.loop || this.stopped) return;
		this.loop = this.run().catch((error: unknown) => {
			// run() catches everything; reaching here is a bug, and stopping silently would lose deliveries.
			this.deps.logger.fatal({ err: error }, 'delivery dispatcher stopped unexpectedly');
			this.loop = undefined;
		});
	}

	running(): boolean {
		return this.loop !== undefined && !this.stopped;
	}

	wake(): void {
		this.woken = true;
		this.wakeUp?.();
	}

	/** Stops taking work; with `drain`, waits for the deliveries in flight. */
	async stop(drain: boolean): Promise<void> {
		this.stopped = true;
		this.wake();
		await this.loop;
		if (drain) await Promise.all([...this.sending]);
	}

	private async run(): Promise<void> {
		while (!this.stopped) {
			let waitMs = IDLE_POLL_MS;
			const free = MAX_LOCAL_IN_FLIGHT - this.reserved;
			if (free > 0) {
				try {
					const now = Date.now();
					const { lease, earliest, ids } = await this.deps.ready.take(now, Math.min(free, TAKE_BATCH), READY_LEASE_MS);
					await Promise.all(ids.map((id) => this.serve(id, lease)));
					if (ids.length > 0) continue;
					if (earliest !== undefined) waitMs = Math.min(waitMs, Math.max(1, earliest - Date.now()));
				} catch (error) {
					this.deps.logger.error({ err: error }, 'delivery dispatcher could not read the ready set; trying again in 1 s');
				}
			}
			await this.sleep(waitMs);
		}
	}

	private sleep(ms: number): Promise<void> {
		if (this.woken || this.stopped) {
			this.woken = false;
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			const done = () => {
				clearTimeout(timer);
				this.wakeUp = undefined;
				this.woken = false;
				resolve();
			};
			const timer = setTimeout(done, ms);
			this.wakeUp = done;
		});
	}

	/** One subscription's turn: claim what it may send now, settle its place in line, send. */
	private async serve(subscriptionId: string, lease: number): Promise<void> {
		const { store, ready, logger } = this.deps;
		try {
			const subscription = await this.deps.subscriptions.get(subscriptionId);
			if (!subscription) {
				// Deleted (or queued to by an ingest that raced the delete): nothing may remain.
				await store.purge(subscriptionId);
				await ready.remove(subscriptionId);
				return;
			}
			if (subscription.status !== 'active') {
				const buried = await store.bury(subscriptionId, `the subscription is disabled (${subscription.disabledReason ?? 'by the relay'})`);
				if (buried > 0) {
					this.deps.metrics.deadLettered.inc({ reason: 'gone' }, buried);
					this.deps.onDead(subscriptionId);
				}
				// Claims nothing; moves expired leases back (buried next round) and says when to look again.
				const { next } = await store.claim(subscriptionId, this.claimOptions(subscription, 0));
				await ready.settle(subscriptionId, lease, next);
				return;
			}
			const origin = new URL(subscription.url).origin;
			const blockedUntil = this.deps.origins.admit(origin);
			if (blockedUntil > 0) {
				await ready.settle(subscriptionId, lease, blockedUntil);
				return;
			}
			const most = Math.max(0, Math.min(subscription.maxInFlight, MAX_LOCAL_IN_FLIGHT - this.reserved));
			this.reserved += most;
			const options = this.claimOptions(subscription, most);
			let claimed: ClaimedDelivery[] = [];
			let next = Date.now();
			try {
				({ claimed, next } = await store.claim(subscriptionId, options));
			} finally {
				this.reserved -= most - claimed.length;
			}
			if (claimed.length === 0) this.deps.origins.unused(origin);
			for (const delivery of claimed) this.track(this.deliver(subscription, origin, options.token, delivery));
			await ready.settle(subscriptionId, lease, next);
		} catch (error) {
			// The subscription keeps its leased place in line and is taken again when the lease ends.
			logger.error({ err: error, subscriptionId }, 'could not dispatch deliveries; will try again');
		}
	}

	private claimOptions(subscription: Subscription, most: number) {
		this.claims += 1;
		return {
			now: Date.now(),
			most,
			maxInFlight: subscription.maxInFlight,
			perSecond: subscription.rateLimitPerSecond,
			leaseMs: this.leaseMs,
			token: `${this.processToken}:${this.claims}`,
			probeLeaseMs: this.deps.config.deliveryTimeoutMs + 1_000,
		};
	}

	private track(promise: Promise<void>): void {
		this.sending.add(promise);
		void promise.finally(() => this.sending.delete(promise));
	}

	/** A delivery's attempts (the console's history) are kept as long as its event. */
	private get historyTtlMs(): number {
		return Math.max(this.deps.config.eventRetentionMs, 86_400_000);
	}

	private async deliver(subscription: Subscription, origin: string, token: string, delivery: ClaimedDelivery): Promise<void> {
		let result: SendResult | undefined;
		let failure: DeliveryFailure | undefined;
		try {
			result = await this.deps.sender.send(subscription.url, subscription.secret, webhookId(delivery.source, delivery.eventId), delivery.body);
		} catch (error) {
			failure = error instanceof DeliveryFailure ? error : new DeliveryFailure(`unexpected: ${(error as Error).message}`, 'network');
		}
		try {
			if (result) await this.delivered(subscription, origin, token, delivery, result);
			else if (failure) await this.failed(subscription, origin, token, delivery, failure);
		} catch (error) {
			this.deps.logger.error(
				{ err: error, deliveryId: delivery.id, subscriptionId: subscription.id },
				'could not record the outcome of a delivery; it is sent again when its lease ends',
			);
		} finally {
			this.reserved -= 1;
			this.wake();
		}
	}

	private async delivered(subscription: Subscription, origin: string, token: string, delivery: ClaimedDelivery, result: SendResult): Promise<void> {
		const { metrics, config } = this.deps;
		this.deps.origins.reached(origin);
		metrics.delivered.inc();
		metrics.deliveryDuration.observe({ outcome: 'delivered' }, result.durationMs / 1000);
		metrics.endToEnd.observe(Math.max(0, Date.now() - delivery.receivedAtMs) / 1000);
		const attempt = {
			entry: { at: new Date().toISOString(), outcome: 'delivered', status: result.status, error: null, durationMs: Math.round(result.durationMs) },
			ttlMs: this.historyTtlMs,
		};
		const next = await this.persist(() =>
			this.deps.store.complete(subscription.id, delivery.id, token, result.status, config.keepDelivered, 86_400_000, attempt),
		);
		await this.persist(() => this.deps.ready.offer(subscription.id, next));
	}

	/**
	 * Records an outcome through a short Redis outage (a failover, a restart) instead of giving
	 * up at the first error: an outcome not recorded means the delivery is sent again when its
	 * lease ends, 30 s or more later. Safe to repeat: the scripts check the claim's token, so
	 * once the lease has passed to another process a late record changes nothing.
	 */
	private async persist<T>(record: () => Promise<T>): Promise<T> {
		const deadline = Date.now() + this.leaseMs / 2;
		for (let attempt = 1; ; attempt++) {
			try {
				return await record();
			} catch (error) {
				if (Date.now() + 100 * attempt > deadline) throw error;
				await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 2_000)));
			}
		}
	}

	private async failed(subscription: Subscription, origin: string, token: string, delivery: ClaimedDelivery, failure: DeliveryFailure): Promise<void> {
		const { metrics, config, logger } = this.deps;
		metrics.deliveryDuration.observe({ outcome: failure.reason }, 0);
		// Only "nobody there" says anything about the origin; any HTTP answer proves it reachable.
		if (failure.reason === 'network') this.deps.origins.unreachable(origin);
		else if (failure.status !== undefined) this.deps.origins.reached(origin);
		let error = failure.message;
		let reason: string = failure.reason;
		let giveUp = false;
		if (failure.status === 410) {
			await this.deps.subscriptions.disable(subscription.id, `the target answered 410 Gone on ${new Date().toISOString()}`);
			logger.warn({ subscriptionId: subscription.id }, 'target answered 410 Gone: subscription disabled');
			error = `${failure.message} (410 Gone: subscription disabled)`;
			reason = 'gone';
			giveUp = true;
		} else if (failure.reason === 'refused') {
			error = `target refused: ${failure.message}`;
			giveUp = true;
		}
		const attemptsMade = delivery.attempts + 1;
		const retryAt = giveUp ? -1 : Date.now() + retryDelay(config.retrySchedule, config.retryJitter, attemptsMade, failure.retryAfterMs);
		const pauseMs = failure.retryAfterMs && SLOW_DOWN_REASONS.has(failure.reason) ? failure.retryAfterMs : 0;
		const { state, next, opened } = await this.persist(() =>
			this.deps.store.fail(
				subscription.id,
				delivery.id,
				token,
				{ error, status: failure.status, retryAt, countsForBreaker: BREAKER_REASONS.has(failure.reason), pauseMs },
				{ threshold: config.circuitFailureThreshold, cooldownMs: config.circuitCooldownMs },
				{
					entry: { at: new Date().toISOString(), outcome: reason, status: failure.status ?? null, error, durationMs: null },
					ttlMs: this.historyTtlMs,
				},
			),
		);
		const context = { deliveryId: delivery.id, eventId: delivery.eventId, subscriptionId: subscription.id, attempt: attemptsMade, error };
		if (pauseMs > 0) logger.info({ subscriptionId: subscription.id, pauseMs, reason: failure.reason }, 'target asked to slow down');
		if (opened) this.deps.alerts?.breakerOpened(subscription.id, error);
		if (state === 'dead') {
			metrics.deadLettered.inc({ reason });
			logger.warn(context, 'delivery dead-lettered');
			this.deps.onDead(subscription.id);
			this.deps.alerts?.deadLettered(subscription.id, delivery.id, attemptsMade, error);
		} else if (state === 'retrying') {
			metrics.retried.inc({ reason });
			logger.info(context, 'delivery failed; retry scheduled');
		}
		await this.persist(() => this.deps.ready.offer(subscription.id, next));
	}
}
