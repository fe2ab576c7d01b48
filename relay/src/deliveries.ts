/**
 * Delivery: one BullMQ queue per subscription, one job per (event, subscription).
 *
 * Why a queue per subscription: open-source BullMQ has no job groups, and the in-flight cap
 * must hold across every relay process. A queue's *global concurrency* (kept in the queue's
 * meta key and checked inside BullMQ's moveToActive script) is exactly that cap, enforced
 * atomically in Redis whichever process picks the job. The alternative, one shared queue and
 * a Redis semaphore per subscription with jobs pushed back to "delayed" when it is full,
 * makes every process spin through a slow target's backlog again and again (Redis traffic
 * proportional to the backlog) and delays other targets behind it. With a queue each, a
 * slow or failing target only ever holds up its own queue; its backlog simply waits in Redis.
 *
 * Slowing down reuses BullMQ's rate-limit key of the queue: a 429/503 (for Retry-After, or a
 * default) or a timeout extends it, and every process stops taking that subscription's jobs
 * until it expires. A circuit breaker per target origin (shared by all subscriptions to that
 * origin) opens after consecutive failures; while open, jobs go back to waiting without
 * spending an attempt; after the cool-down one probe is let through.
 */
import { Queue, UnrecoverableError, Worker, type Job, type JobState } from 'bullmq';
import type { Logger } from 'pino';

import type { RelayConfig } from './config';
import type { Metrics, QueueDepth } from './metrics';
import type { Keys, RedisClient } from './redis';
import { DeliveryFailure, retryDelay } from './retry';
import { Script } from './scripts';
import type { Sender } from './sender';
import type { Subscription, SubscriptionStore } from './subscriptions';

export interface DeliveryJobData {
	eventId: string;
	/** The source the event came in on (event ids are unique per source only). */
	source: string;
	subscriptionId: string;
	/** The exact JSON body, signed anew at each attempt. */
	body: string;
	/** Origin of the target, for the circuit breaker. */
	target: string;
	receivedAtMs: number;
}

export const DELIVERY_STATUSES = ['queued', 'retrying', 'in_flight', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

const STATES_BY_STATUS: Record<DeliveryStatus, JobState[]> = {
	queued: ['waiting', 'prioritized', 'paused'] as JobState[],
	retrying: ['delayed'],
	in_flight: ['active'],
	delivered: ['completed'],
	dead: ['failed'],
};

function statusOf(state: string): DeliveryStatus {
	if (state === 'delayed') return 'retrying';
	if (state === 'active') return 'in_flight';
	if (state === 'completed') return 'delivered';
	if (state === 'failed') return 'dead';
	return 'queued';
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

const PREFLIGHT = new Script(`
local sub = redis.call('HGET', KEYS[1], ARGV[1])
local c = redis.call('HMGET', KEYS[2], 'failures', 'openUntil')
local failures = tonumber(c[1] or '0')
local openUntil = tonumber(c[2] or '0')
local now = tonumber(ARGV[2])
local wait = 0
if openUntil > now then
  wait = openUntil - now
elseif openUntil > 0 then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[3]) then
    wait = redis.call('PTTL', KEYS[3])
    if wait < 1 then wait = 100 end
    if wait > 1000 then wait = 1000 end
  end
end
return {sub or false, wait, failures}
`, 3);

const CIRCUIT_FAILURE = new Script(`
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('DEL', KEYS[2])
if failures >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'openUntil', tonumber(ARGV[1]) + tonumber(ARGV[3]))
  return 1
end
return 0
`, 2);

/** Extends (never shortens) the pause of a queue: BullMQ's limiter key at its maximum count. */
const SLOW_DOWN = new Script(`
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '9007199254740991', 'PX', ARGV[1])
  return 1
end
return 0
`, 1);

/** BullMQ checks the limiter key only when a limit is set; "no limit" is a limit nobody reaches. */
const UNLIMITED_PER_SECOND = 1_000_000;

/** The BullMQ queue holding a subscription's deliveries (under the prefix `Keys.bull`). */
export function deliveryQueueName(subscriptionId: string): string {
	return `delivery-${subscriptionId}`;
}

/** Deterministic, so a repeated fan-out of one event converges on one job per subscription. */
export function deliveryId(subscriptionId: string, source: string, eventId: string): string {
	return `${subscriptionId}.${source}.${eventId}`;
}

export class DeliveryManager {
	private readonly queues = new Map<string, Queue<DeliveryJobData>>();
	private readonly workers = new Map<string, Worker<DeliveryJobData>>();
	private readonly attempts: number;
	private reconciling: Promise<void> = Promise.resolve();
	private closed = false;

	constructor(
		private readonly config: RelayConfig,
		private readonly keys: Keys,
		/** Job adds and the API's reads: the automatically pipelined ingest connection. */
		private readonly queueConnection: RedisClient,
		/** Each delivery's own commands (preflight, circuit, slow-down): never queued behind ingest. */
		private readonly command: RedisClient,
		private readonly workerConnection: RedisClient,
		private readonly subscriptions: SubscriptionStore,
		private readonly sender: Sender,
		private readonly metrics: Metrics,
		private readonly logger: Logger,
	) {
		this.attempts = config.retrySchedule.length + 1;
	}

	queueFor(subscriptionId: string): Queue<DeliveryJobData> {
		let queue = this.queues.get(subscriptionId);
		if (!queue) {
			queue = new Queue<DeliveryJobData>(deliveryQueueName(subscriptionId), {
				connection: this.queueConnection,
				prefix: this.keys.bull,
			});
			queue.on('error', (error) => this.logger.error({ err: error, subscriptionId }, 'delivery queue error'));
			this.queues.set(subscriptionId, queue);
		}
		return queue;
	}

	/** Applies the subscription's cap where every process sees it: the queue's meta key. */
	async configure(subscription: Subscription): Promise<void> {
		await this.queueFor(subscription.id).setGlobalConcurrency(subscription.maxInFlight);
	}

	async enqueue(subscription: Subscription, data: Omit<DeliveryJobData, 'subscriptionId' | 'target'>): Promise<string> {
		const id = deliveryId(subscription.id, data.source, data.eventId);
		await this.queueFor(subscription.id).add(
			'deliver',
			{ ...data, subscriptionId: subscription.id, target: new URL(subscription.url).origin },
			{
				// Deterministic: re-enqueueing the same (event, subscription) is a no-op while the job exists.
				jobId: id,
				attempts: this.attempts,
				backoff: { type: 'relay' },
				removeOnComplete:
					this.config.keepDelivered === 0 ? true : { count: this.config.keepDelivered, age: 86_400 },
				// The dead-letter queue is the failed set: kept until replayed or the subscription is deleted.
				removeOnFail: false,
			},
		);
		this.metrics.deliveriesEnqueued.inc();
		return id;
	}

	/** Starts or stops this process's workers to match the subscriptions in Redis. */
	reconcile(): Promise<void> {
		this.reconciling = this.reconciling.then(() => this.doReconcile()).catch((error) => {
			this.logger.error({ err: error }, 'could not reconcile delivery workers; will try again');
		});
		return this.reconciling;
	}

	private async doReconcile(): Promise<void> {
		if (this.closed) return;
		const subscriptions = await this.subscriptions.list();
		const present = new Set(subscriptions.map((subscription) => subscription.id));
		for (const subscription of subscriptions) {
			if (!this.workers.has(subscription.id)) await this.startWorker(subscription);
		}
		for (const [id, worker] of this.workers) {
			if (present.has(id)) continue;
			this.workers.delete(id);
			await worker.close();
			await this.queues.get(id)?.close();
			this.queues.delete(id);
		}
	}

	private async startWorker(subscription: Subscription): Promise<void> {
		await this.configure(subscription);
		const queue = this.queueFor(subscription.id);
		const worker = new Worker<DeliveryJobData>(
			deliveryQueueName(subscription.id),
			(job) => this.process(queue, job),
			{
				connection: this.workerConnection,
				prefix: this.keys.bull,
				concurrency: subscription.maxInFlight,
				limiter: { max: subscription.rateLimitPerSecond || UNLIMITED_PER_SECOND, duration: 1000 },
				// The lock must outlive the slowest attempt, or a stalled check would run it twice.
				lockDuration: Math.max(30_000, this.config.deliveryTimeoutMs * 2 + 5_000),
				settings: {
					backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) =>
						retryDelay(
							this.config.retrySchedule,
							this.config.retryJitter,
							attemptsMade,
							error instanceof DeliveryFailure ? error.retryAfterMs : undefined,
						),
				},
			},
		);
		worker.on('failed', (job, error) => this.onFailed(job, error));
		worker.on('error', (error) => this.logger.error({ err: error, subscriptionId: subscription.id }, 'delivery worker error'));
		this.workers.set(subscription.id, worker);
	}

	private onFailed(job: Job<DeliveryJobData> | undefined, error: Error): void {
		if (!job) return;
		const reason = error instanceof DeliveryFailure ? error.reason : error.name === 'UnrecoverableError' ? 'gone' : 'error';
		const context = { deliveryId: job.id, eventId: job.data.eventId, subscriptionId: job.data.subscriptionId, attempt: job.attemptsMade };
		if (error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1)) {
			this.metrics.deadLettered.inc({ reason });
			this.logger.warn({ ...context, error: error.message }, 'delivery dead-lettered');
		} else {
			this.metrics.retried.inc({ reason });
			this.logger.info({ ...context, error: error.message }, 'delivery failed; retry scheduled');
		}
	}

	private async slowDown(queue: Queue, ms: number): Promise<void> {
		await SLOW_DOWN.run(this.command, queue.keys.limiter, Math.max(1, Math.round(ms)));
	}

	private async process(
		queue: Queue<DeliveryJobData>,
		job: Job<DeliveryJobData>,
	): Promise<{ status: number; durationMs: number }> {
		const { eventId, subscriptionId, body, target, receivedAtMs } = job.data;
		const [raw, waitMs, failures] = (await PREFLIGHT.run(
			this.command,
			this.keys.subscriptions,
			this.keys.circuit(target),
			this.keys.circuitProbe(target),
			subscriptionId,
			Date.now(),
			this.config.deliveryTimeoutMs + 1_000,
		)) as [string | null, number, number];
		if (!raw) throw new UnrecoverableError('the subscription was deleted');
		const subscription = JSON.parse(raw) as Subscription;
		if (subscription.status !== 'active') {
			throw new UnrecoverableError(`the subscription is disabled (${subscription.disabledReason ?? 'by the relay'})`);
		}
		if (waitMs > 0) {
			// Circuit open: back to waiting without spending an attempt, and the whole queue pauses.
			await this.slowDown(queue, waitMs);
			throw Worker.RateLimitError();
		}
		try {
			const result = await this.sender.send(subscription.url, subscription.secret, eventId, body);
			if (failures > 0) await this.command.del(this.keys.circuit(target), this.keys.circuitProbe(target));
			this.metrics.delivered.inc();
			this.metrics.deliveryDuration.observe({ outcome: 'delivered' }, result.durationMs / 1000);
			this.metrics.endToEnd.observe(Math.max(0, Date.now() - receivedAtMs) / 1000);
			return result;
		} catch (error) {
			if (!(error instanceof DeliveryFailure)) throw error;
			this.metrics.deliveryDuration.observe({ outcome: error.reason }, 0);
			if (error.status === 410) {
				await this.subscriptions.disable(subscriptionId, `the target answered 410 Gone on ${new Date().toISOString()}`);
				this.logger.warn({ subscriptionId }, 'target answered 410 Gone: subscription disabled');
				throw new UnrecoverableError(`${error.message} (410 Gone: subscription disabled)`);
			}
			if (error.reason === 'refused') throw new UnrecoverableError(`target refused: ${error.message}`);
			if (['timeout', 'network', 'http_5xx', 'http_503'].includes(error.reason)) {
				await CIRCUIT_FAILURE.run(
					this.command,
					this.keys.circuit(target),
					this.keys.circuitProbe(target),
					Date.now(),
					this.config.circuitFailureThreshold,
					this.config.circuitCooldownMs,
				);
			}
			if (error.retryAfterMs && ['timeout', 'http_429', 'http_503'].includes(error.reason)) {
				await this.slowDown(queue, error.retryAfterMs);
				this.logger.info({ subscriptionId, pauseMs: error.retryAfterMs, reason: error.reason }, 'target asked to slow down');
			}
			throw error;
		}
	}

	// ---- API support -------------------------------------------------------------------

	/**
	 * `<subscription>.<source>.<event>`; jobs queued before sources were namespaced have
	 * `<subscription>.<event>` and are still found (by subscription, the part that matters).
	 */
	parseId(id: string): { subscriptionId: string; source?: string; eventId: string } | undefined {
		const match = /^(sub_[0-9a-f]+)\.([A-Za-z0-9_-]{1,64})\.(.+)$/.exec(id);
		if (match) return { subscriptionId: match[1], source: match[2], eventId: match[3] };
		const legacy = /^(sub_[0-9a-f]+)\.(.+)$/.exec(id);
		return legacy ? { subscriptionId: legacy[1], eventId: legacy[2] } : undefined;
	}

	private async view(job: Job<DeliveryJobData>, state?: string): Promise<DeliveryView> {
		const status = statusOf(state ?? (await job.getState()));
		const statusMatch = /^HTTP (\d{3})/.exec(job.failedReason ?? '');
		return {
			id: job.id ?? '',
			eventId: job.data.eventId,
			subscriptionId: job.data.subscriptionId,
			status,
			attempts: job.attemptsMade,
			maxAttempts: job.opts.attempts ?? 1,
			lastError: job.failedReason || null,
			lastStatus:
				status === 'delivered'
					? ((job.returnvalue as { status?: number } | null)?.status ?? null)
					: statusMatch
						? Number(statusMatch[1])
						: null,
			createdAt: new Date(job.timestamp).toISOString(),
			finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
		};
	}

	async get(id: string): Promise<DeliveryView | undefined> {
		const parsed = this.parseId(id);
		if (!parsed) return undefined;
		// State first, then the job: a job read before its state can be a whole attempt older
		// than the state ("delivered" with the previous attempt's count and no status).
		const queue = this.queueFor(parsed.subscriptionId);
		const state = await queue.getJobState(id);
		const job = await queue.getJob(id);
		return job ? this.view(job, state === 'unknown' ? undefined : state) : undefined;
	}

	async list(status: DeliveryStatus | undefined, subscriptionId: string | undefined, limit: number): Promise<DeliveryView[]> {
		const ids = subscriptionId ? [subscriptionId] : (await this.subscriptions.list()).map((s) => s.id);
		const statuses = status ? [status] : [...DELIVERY_STATUSES];
		const views: DeliveryView[] = [];
		for (const id of ids) {
			const queue = this.queueFor(id);
			for (const wanted of statuses) {
				const jobs = await queue.getJobs(STATES_BY_STATUS[wanted], 0, limit - 1);
				for (const job of jobs) if (job) views.push(await this.view(job, STATES_BY_STATUS[wanted][0]));
			}
		}
		return views.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
	}

	/** Retries one delivery now: from the dead-letter queue, a pending retry, or a delivered one (redelivery). */
	async retry(id: string): Promise<DeliveryView | undefined> {
		const parsed = this.parseId(id);
		if (!parsed) return undefined;
		const job = await this.queueFor(parsed.subscriptionId).getJob(id);
		if (!job) return undefined;
		const state = await job.getState();
		if (state === 'failed') await job.retry('failed', { resetAttemptsMade: true });
		else if (state === 'completed') await job.retry('completed', { resetAttemptsMade: true });
		else if (state === 'delayed') await job.promote();
		return this.view(job);
	}

	/** Moves dead letters (all, or one subscription's) back to waiting with fresh attempts. */
	async replayDeadLetters(subscriptionId?: string): Promise<number> {
		const ids = subscriptionId ? [subscriptionId] : (await this.subscriptions.list()).map((s) => s.id);
		let replayed = 0;
		for (const id of ids) {
			const queue = this.queueFor(id);
			for (;;) {
				const jobs = await queue.getFailed(0, 499);
				if (jobs.length === 0) break;
				for (const job of jobs) {
					if (!job) continue;
					await job.retry('failed', { resetAttemptsMade: true });
					replayed += 1;
				}
			}
		}
		return replayed;
	}

	/** Deletes a subscription's queue and everything in it (after the subscription itself). */
	async remove(subscriptionId: string): Promise<void> {
		const worker = this.workers.get(subscriptionId);
		this.workers.delete(subscriptionId);
		await worker?.close();
		const queue = this.queueFor(subscriptionId);
		await queue.obliterate({ force: true });
		await queue.close();
		this.queues.delete(subscriptionId);
	}

	async depth(): Promise<QueueDepth[]> {
		const totals: Record<string, number> = { waiting: 0, delayed: 0, active: 0, failed: 0, prioritized: 0, paused: 0 };
		for (const [, queue] of this.queues) {
			const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized', 'paused');
			for (const [state, count] of Object.entries(counts)) totals[state] = (totals[state] ?? 0) + count;
		}
		return Object.entries(totals).map(([state, count]) => ({ queue: 'delivery' as const, state, count }));
	}

	workerCount(): number {
		return this.workers.size;
	}

	running(): boolean {
		for (const worker of this.workers.values()) if (!worker.isRunning()) return false;
		return true;
	}

	async forceClose(): Promise<void> {
		this.closed = true;
		await Promise.all([...this.workers.values()].map((worker) => worker.close(true).catch(() => undefined)));
	}

	/** Waits for in-flight deliveries to finish, then stops. */
	async close(): Promise<void> {
		this.closed = true;
		await this.reconciling;
		await Promise.all([...this.workers.values()].map((worker) => worker.close()));
		await Promise.all([...this.queues.values()].map((queue) => queue.close()));
		this.workers.clear();
		this.queues.clear();
	}
}
