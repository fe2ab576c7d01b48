/**
 * Fan-out after the acknowledgement: from an event stored in a source's outbox to one delivery
 * job per matching subscription.
 *
 * The ingest script stores the event and adds its id to the source's outbox (a sorted set
 * scored by a lease deadline) in one atomic step; the provider is answered at once, and the
 * process that answered fans out right after, then removes the id from the outbox. If that
 * process dies (or Redis refuses a job add), the id stays in the outbox: once its lease has
 * passed, any relay's sweeper claims it (moves the deadline forward, atomically, so one
 * process takes it at a time) and fans it out again. Delivery job ids are deterministic, so a
 * fan-out repeated after a partial one adds only the jobs that were missing.
 *
 * Why a sorted set and not a stream with a consumer group: the event is already in the
 * outbox when the ack leaves, but a stream entry only gets an owner (and a lease that
 * XAUTOCLAIM can expire) when some consumer reads it, which the acknowledging process would
 * have to do in a second round trip. A score that *is* the lease makes the write that stores
 * the event also the claim, and the sweep one range query per source.
 */
import type { Logger } from 'pino';

import type { CanonicalEvent } from '../../nodes/providers/webhooks';
import type { RelayConfig } from './config';
import type { DeliveryManager } from './deliveries';
import type { Metrics } from './metrics';
import type { Keys, RedisClient } from './redis';
import { Script } from './scripts';
import { matches, type SubscriptionStore } from './subscriptions';

export interface FanoutItem {
	source: string;
	eventId: string;
	/** The delivery body (the canonical event plus source and receivedAt). */
	body: string;
	receivedAtMs: number;
	/** What the subscriptions' filters look at. */
	event: Pick<CanonicalEvent, 'provider' | 'type' | 'documentId'>;
}

/** Takes the ids whose lease has passed and extends their lease for the caller. */
const CLAIM = new Script(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id) end
return due
`, 1);

/** Events fanned out at once by one process (one-subscription events are mostly round trips). */
const CONCURRENCY = 64;
/**
 * Job adds in flight at once, over all events: what keeps a large fan-out from filling Redis's
 * queue (and the event loop) ahead of the next acknowledgement, while many small fan-outs still
 * run side by side.
 */
const ADD_BUDGET = 50;
/** Beyond this many waiting in memory, new ones are left to the sweeper (memory stays bounded). */
const MAX_WAITING = 10_000;
const CLAIM_BATCH = 200;
/** Job adds one event issues together at most; see fanOut. */
const SLICE = 25;

export class Fanout {
	private readonly waiting: FanoutItem[] = [];
	private active = 0;
	/** `source \0 eventId` of what this process holds (waiting or running): its sweep renews their lease instead of fanning them out twice. */
	private readonly held = new Set<string>();
	private addsInFlight = 0;
	private readonly budgetWaiters: Array<() => void> = [];
	private readonly idle: Array<() => void> = [];
	private timer?: NodeJS.Timeout;
	private sweeping?: Promise<void>;
	private stopped = false;
	/**
	 * Test seam: while true, this process neither fans out nor sweeps, as if it had died right
	 * after the acknowledgement (the sweeper of another relay must finish its events).
	 */
	holdForTests = false;

	constructor(
		private readonly config: RelayConfig,
		private readonly keys: Keys,
		/** Version reads, outbox claims and removals (unpipelined, fail fast). */
		private readonly redis: RedisClient,
		private readonly subscriptions: SubscriptionStore,
		private readonly deliveries: DeliveryManager,
		private readonly metrics: Metrics,
		private readonly logger: Logger,
		/** The source ids whose outboxes this process sweeps (a function: sources added from the console join). */
		private readonly sources: readonly string[] | (() => readonly string[]),
	) {}

	get sweepIntervalMs(): number {
		return Math.min(5_000, Math.max(100, Math.round(this.config.fanoutLeaseMs / 3)));
	}

	/** Queues an item for this process; never throws, never waits. */
	schedule(item: FanoutItem): void {
		if (this.holdForTests) return;
		if (this.waiting.length >= MAX_WAITING) {
			// Still in the outbox: the sweeper (here or elsewhere) takes it once its lease passes.
			this.metrics.fanoutDeferred.inc();
			return;
		}
		const key = `${item.source}\0${item.eventId}`;
		if (this.held.has(key)) return;
		this.held.add(key);
		this.waiting.push(item);
		this.pump();
	}

	private pump(): void {
		while (this.active < CONCURRENCY && this.waiting.length > 0) {
			const item = this.waiting.shift()!;
			this.active += 1;
			void this.run(item).finally(() => {
				this.held.delete(`${item.source}\0${item.eventId}`);
				this.active -= 1;
				this.pump();
				if (this.active === 0 && this.waiting.length === 0) for (const resolve of this.idle.splice(0)) resolve();
			});
		}
	}

	private async run(item: FanoutItem): Promise<void> {
		try {
			await this.fanOut(item);
		} catch (error) {
			this.metrics.fanoutFailed.inc();
			this.logger.warn(
				{ err: error, source: item.source, eventId: item.eventId, retryInMs: this.config.fanoutLeaseMs },
				'fan-out failed; the event stays in the outbox and is fanned out again when its lease passes',
			);
		}
	}

	private async fanOut(item: FanoutItem): Promise<void> {
		// Read after the event was stored: every subscription created before it is in this version.
		const version = Number((await this.redis.get(this.keys.subscriptionsVersion)) ?? 0);
		const matching = (await this.subscriptions.current(version)).filter((subscription) =>
			matches(subscription, item.event, item.source),
		);
		// In slices: issuing a thousand job adds in one tick would hold the event loop (and
		// every waiting acknowledgement) for tens of milliseconds; between slices the process
		// answers the requests that arrived meanwhile.
		for (let start = 0; start < matching.length; ) {
			const slice = await this.takeBudget(Math.min(SLICE, matching.length - start));
			try {
				await Promise.all(
					matching.slice(start, start + slice).map((subscription) =>
						this.deliveries.enqueue(subscription, {
							eventId: item.eventId,
							source: item.source,
							body: item.body,
							receivedAtMs: item.receivedAtMs,
						}),
					),
				);
			} finally {
				this.giveBudget(slice);
			}
			start += slice;
		}
		// The document's timeline (the console): before the outbox entry goes, so a fan-out cut
		// short is indexed by the sweep that finishes it.
		if (item.event.documentId) {
			const key = this.keys.documentEvents(item.source, item.event.documentId);
			const documents = this.keys.documents(item.source);
			const retention = this.config.eventRetentionMs;
			await this.redis
				.multi()
				.zadd(key, item.receivedAtMs, item.eventId)
				.pexpire(key, retention)
				// GT: a fan-out repeated by the sweep does not move a document back in time.
				.zadd(documents, 'GT', item.receivedAtMs, item.event.documentId)
				.zremrangebyscore(documents, '-inf', Date.now() - retention)
				.pexpire(documents, retention)
				.exec();
		}
		await this.redis.zrem(this.keys.outbox(item.source), item.eventId);
	}

	/** Waits until at least one job add may start; takes up to `wanted`. */
	private async takeBudget(wanted: number): Promise<number> {
		while (this.addsInFlight >= ADD_BUDGET) await new Promise<void>((resolve) => this.budgetWaiters.push(resolve));
		const taken = Math.min(wanted, ADD_BUDGET - this.addsInFlight);
		this.addsInFlight += taken;
		return taken;
	}

	private giveBudget(count: number): void {
		this.addsInFlight -= count;
		for (const resolve of this.budgetWaiters.splice(0)) resolve();
	}

	/**
	 * Records the configured sources in the registry set of outbox sources, before this process
	 * accepts any event: every source that ever had an outbox entry is then in it, and the sweep
	 * reads it, so events acknowledged for a source later removed from RELAY_SOURCES are still
	 * fanned out. Entries are never removed (a source's id costs one range query per sweep while
	 * its outbox is empty): removing one could race a relay that still has the source configured.
	 */
	async registerSources(): Promise<void> {
		const current = this.currentSources();
		if (current.length > 0) await this.redis.sadd(this.keys.outboxSources, ...current);
	}

	/** RELAY_SOURCES and the sources added from the console, as they are now. */
	private currentSources(): readonly string[] {
		return typeof this.sources === 'function' ? this.sources() : this.sources;
	}

	/**
	 * The current sources, then any other source that ever had an outbox. A source added from
	 * the console after start-up is registered here, at the first sweep after it appeared.
	 */
	private async sweptSources(): Promise<string[]> {
		const current = this.currentSources();
		try {
			const registered = await this.redis.smembers(this.keys.outboxSources);
			const known = new Set(registered);
			const added = current.filter((source) => !known.has(source));
			if (added.length > 0) await this.redis.sadd(this.keys.outboxSources, ...added);
			return [...new Set([...current, ...registered.sort()])];
		} catch (error) {
			this.logger.warn({ err: error }, 'could not read the registry of outbox sources; sweeping the current ones');
			return [...current];
		}
	}

	/** Starts the periodic sweep (and runs one now, for what a previous process left). */
	start(): void {
		this.timer = setInterval(() => void this.sweep(), this.sweepIntervalMs);
		this.timer.unref();
		void this.sweep();
	}

	/** Claims and fans out the outbox entries whose lease has passed; never rejects. */
	sweep(): Promise<void> {
		if (this.holdForTests) return Promise.resolve();
		this.sweeping ??= this.doSweep().finally(() => (this.sweeping = undefined));
		return this.sweeping;
	}

	private async doSweep(): Promise<void> {
		for (const source of await this.sweptSources()) {
			if (this.stopped) return;
			try {
				for (;;) {
					const now = Date.now();
					const due = (await CLAIM.run(this.redis, this.keys.outbox(source), now, now + this.config.fanoutLeaseMs, CLAIM_BATCH)) as string[];
					if (due.length === 0) break;
					await this.recover(source, due);
					if (due.length < CLAIM_BATCH || this.waiting.length > MAX_WAITING / 2) break;
				}
			} catch (error) {
				this.logger.warn({ err: error, source }, 'could not sweep the outbox; will try again');
			}
		}
	}

	private async recover(source: string, claimed: string[]): Promise<void> {
		// Still being fanned out here: the claim just renewed their lease, nothing else to do.
		const ids = claimed.filter((eventId) => !this.held.has(`${source}\0${eventId}`));
		const bodies = await Promise.all(ids.map((id) => this.redis.get(this.keys.event(source, id))));
		for (const [index, eventId] of ids.entries()) {
			const body = bodies[index];
			if (!body) {
				// Only possible if the event expired (retention shorter than an outage) or was deleted by hand.
				await this.redis.zrem(this.keys.outbox(source), eventId);
				this.logger.error({ source, eventId }, 'outbox entry without its stored event: cannot fan it out');
				continue;
			}
			const parsed = JSON.parse(body) as CanonicalEvent & { receivedAt: string };
			this.metrics.fanoutRecovered.inc();
			this.logger.info({ source, eventId }, 'fanning out an event another process acknowledged but did not fan out');
			this.schedule({
				source,
				eventId,
				body,
				receivedAtMs: Date.parse(parsed.receivedAt) || Date.now(),
				event: { provider: parsed.provider, type: parsed.type, documentId: parsed.documentId },
			});
		}
	}

	/** Resolves when nothing is waiting or running in this process. */
	drain(): Promise<void> {
		if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.idle.push(resolve));
	}

	/** Stops sweeping and finishes what this process already took. */
	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearInterval(this.timer);
		await this.sweeping;
		await this.drain();
	}
}
