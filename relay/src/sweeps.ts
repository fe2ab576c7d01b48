/**
 * Reconciliation sweeps: per source with `reconcile` settings, every `interval` one relay
 * process (whichever takes the source's lease) asks the provider which documents reached a
 * final state since the source's cursor, and passes each as a canonical event through the
 * same ingest script as webhooks (dedup by event id *and* by the (document, state) mark, see
 * nodes/providers/reconcile.ts), so a change seen both ways is delivered once.
 *
 * - **Lease** `<prefix>{src:<id>}:reconcile:lease` (SET NX PX, released only by its holder):
 *   one process sweeps a source at a time.
 * - **Cursor** `<prefix>{src:<id>}:reconcile:cursor`: the start time of the last sweep whose
 *   events were all stored. A sweep looks from `cursor - overlap` to its own start, and moves
 *   the cursor only after every event is stored: a sweep that fails part-way is repeated whole
 *   (duplicates stop at the dedup script), never skipped. It is also what says a sweep is due,
 *   so processes whose timers tick at different moments still sweep once per interval.
 * - The first time a source is seen the cursor (and `…:reconcile:from`) is set to now:
 *   reconciliation starts from then, never earlier (a relay older than the state marks set none
 *   for what its webhooks delivered), and never further back than the marks live (the dedup
 *   window), whatever the cursor says after reconciliation was off for a while.
 */
import { randomBytes } from 'node:crypto';

import type { Logger } from 'pino';

import { reconcilers, type Reconciler } from '../../nodes/providers/reconcilers';
import type { RelayConfig, ReconcileConfig } from './config';
import type { Metrics } from './metrics';
import type { Pipeline } from './pipeline';
import { fetchProviderClient } from './provider-client';
import type { Keys, RedisClient } from './redis';
import { Script } from './scripts';

/** How often each process checks whether a sweep is due (the interval itself is ≥ minutes). */
const TICK_MS = 30_000;
const LEASE_MS = 10 * 60_000;

const RELEASE = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`, 1);
/** Moves the cursor forward only (a slow, stale sweep never moves it back). */
const ADVANCE = new Script(`
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
`, 1);

export interface SweepResult {
	outcome: 'swept' | 'not_due' | 'busy' | 'failed';
	listed?: number;
	delivered?: number;
	duplicates?: number;
	/** The window swept (ISO), for the operator. */
	from?: string;
	to?: string;
	error?: string;
}

interface SweptSource {
	id: string;
	reconciler: Reconciler;
	settings: ReconcileConfig;
}

export class ReconcileSweeper {
	private readonly sources: SweptSource[];
	private readonly token = randomBytes(8).toString('hex');
	private timer?: NodeJS.Timeout;
	private readonly running = new Map<string, Promise<SweepResult>>();
	private stopped = false;
	private readonly dedupWindowMs: number;

	constructor(
		config: RelayConfig,
		private readonly keys: Keys,
		private readonly redis: RedisClient,
		private readonly pipeline: Pipeline,
		private readonly metrics: Metrics,
		private readonly logger: Logger,
		/** Called with a sweep's failure (alerts). */
		private readonly onFailure: (source: string, error: string) => void = () => undefined,
	) {
		this.dedupWindowMs = config.dedupWindowMs;
		this.sources = config.sources
			.filter((source) => source.reconcile && reconcilers[source.type])
			.map((source) => ({ id: source.id, reconciler: reconcilers[source.type], settings: source.reconcile! }));
	}

	has(sourceId: string): boolean {
		return this.sources.some((source) => source.id === sourceId);
	}

	async start(): Promise<void> {
		if (this.sources.length === 0) return;
		const now = Date.now();
		for (const source of this.sources) {
			await this.redis.set(this.keys.reconcileCursor(source.id), String(now), 'NX');
			await this.redis.set(this.keys.reconcileFrom(source.id), String(now), 'NX');
		}
		this.timer = setInterval(() => void this.tick(), TICK_MS);
		this.timer.unref();
	}

	private async tick(): Promise<void> {
		for (const source of this.sources) {
			if (this.stopped) return;
			await this.sweep(source.id, false);
		}
	}

	/** Sweeps a source if due (or now, with `force`); one at a time per source in this process. */
	sweep(sourceId: string, force: boolean): Promise<SweepResult> {
		const source = this.sources.find((one) => one.id === sourceId);
		if (!source) return Promise.resolve({ outcome: 'failed', error: 'this source does not reconcile' });
		// Already sweeping it here: busy, as another process's lease would answer.
		if (this.running.has(sourceId)) return Promise.resolve({ outcome: 'busy' });
		const promise = this.sweepSource(source, force).finally(() => this.running.delete(sourceId));
		this.running.set(sourceId, promise);
		return promise;
	}

	private async sweepSource(source: SweptSource, force: boolean): Promise<SweepResult> {
		const leaseKey = this.keys.reconcileLease(source.id);
		let taken: string | null;
		try {
			taken = await this.redis.set(leaseKey, this.token, 'PX', LEASE_MS, 'NX');
		} catch (error) {
			this.logger.warn({ err: error, source: source.id }, 'reconciliation: could not take the lease; will try again');
			return { outcome: 'failed', error: 'redis' };
		}
		if (!taken) return { outcome: 'busy' };
		try {
			const startedAt = Date.now();
			const cursor = Number((await this.redis.get(this.keys.reconcileCursor(source.id))) ?? startedAt);
			if (!force && startedAt < cursor + source.settings.interval) return { outcome: 'not_due' };
			// Never before reconciliation first started (the webhooks before it may have set no
			// marks: an older relay), nor further back than the marks live (the dedup window).
			const from = Number((await this.redis.get(this.keys.reconcileFrom(source.id))) ?? 0);
			// (`from` less a second: providers' times are whole seconds, truncated.)
			const since = Math.max(cursor - source.settings.overlap, from - 1_000, startedAt - this.dedupWindowMs + 60_000);
			const client = fetchProviderClient(source.settings.baseUrl, source.reconciler.authHeaders(source.settings));
			let events;
			try {
				events = await source.reconciler.listChanges(client, source.settings, since, startedAt);
			} catch (error) {
				// The message names a status and a path, never the credential.
				const message = (error as Error).message;
				this.metrics.reconcileRuns.inc({ source: source.id, outcome: 'failed' });
				this.logger.warn({ source: source.id, error: message }, 'reconciliation: the provider could not be asked; the cursor stays, the next sweep covers this window');
				this.onFailure(source.id, message);
				return { outcome: 'failed', error: message };
			}
			let delivered = 0;
			for (const event of events) {
				const result = await this.pipeline.accept(event, source.id, Date.now(), source.reconciler.stateKey(event), true);
				if (result === 'new') delivered += 1;
			}
			// Every event stored (or known): only now may the next sweep start later.
			await ADVANCE.run(this.redis, this.keys.reconcileCursor(source.id), startedAt);
			this.metrics.reconcileRuns.inc({ source: source.id, outcome: 'swept' });
			this.metrics.reconcileEvents.inc({ source: source.id, result: 'new' }, delivered);
			this.metrics.reconcileEvents.inc({ source: source.id, result: 'duplicate' }, events.length - delivered);
			const result: SweepResult = {
				outcome: 'swept',
				listed: events.length,
				delivered,
				duplicates: events.length - delivered,
				from: new Date(since).toISOString(),
				to: new Date(startedAt).toISOString(),
			};
			(delivered > 0 ? this.logger.info : this.logger.debug).call(this.logger, { source: source.id, ...result }, 'reconciliation sweep done');
			return result;
		} catch (error) {
			this.metrics.reconcileRuns.inc({ source: source.id, outcome: 'failed' });
			this.logger.warn({ err: error, source: source.id }, 'reconciliation: could not store what the sweep found; the cursor stays');
			return { outcome: 'failed', error: 'redis' };
		} finally {
			await RELEASE.run(this.redis, leaseKey, this.token).catch(() => undefined);
		}
	}

	async stop(): Promise<void> {
		this.stopped = true;
		if (this.timer) clearInterval(this.timer);
		await Promise.allSettled([...this.running.values()]);
	}
}
