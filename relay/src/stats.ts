/**
 * Per-minute counters in Redis, for the console's live figures and its last-hour chart.
 *
 * /metrics counts per process; the console must show the relay as a whole, and several
 * stateless relay processes share one Redis. So each process also adds its counts to one hash
 * per minute (`<prefix>stats:<minute>`, kept two hours). Counts are gathered in memory and
 * written every 5 seconds, one script per minute: nothing is added to the ingest or delivery path but a
 * map increment.
 *
 * The counts follow the Prometheus counters themselves (their `inc` is wrapped), so the two
 * can never disagree about what is counted.
 */
import type { Counter } from 'prom-client';

import type { Metrics } from './metrics';
import type { Keys, RedisClient } from './redis';
import { Script } from './scripts';

const MINUTE_MS = 60_000;
const KEEP_MS = 2 * 3_600_000;
/** Often enough for a console that refreshes every 5 s; rarely enough to add nearly nothing to Redis. */
const FLUSH_MS = 5_000;

/** KEYS: the minute's hash. ARGV: TTL ms, then field, count pairs. */
const ADD = new Script(`
for i = 2, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`, 1);

export const STAT_FIELDS = ['received', 'rejected', 'duplicate', 'delivered', 'retried', 'dead'] as const;
export type StatField = (typeof STAT_FIELDS)[number];

export interface MinuteStats {
	/** The minute's start, ISO 8601. */
	t: string;
	received: number;
	rejected: number;
	duplicate: number;
	delivered: number;
	retried: number;
	dead: number;
}

export interface HourStats {
	minutes: MinuteStats[];
	totals: Record<StatField, number>;
	/** Rejections of the last hour by reason (bad_signature, unknown_source, …). */
	rejectedByReason: Record<string, number>;
}

export class StatsRecorder {
	/** minute → field → count, not yet written. */
	private pending = new Map<number, Map<string, number>>();
	private timer?: NodeJS.Timeout;

	constructor(
		private readonly redis: RedisClient,
		private readonly keys: Keys,
		private readonly now: () => number = Date.now,
	) {}

	/** Mirrors the counters the console shows; call once. */
	attach(metrics: Metrics): void {
		this.tap(metrics.received, () => ['received']);
		this.tap(metrics.rejected, (labels) => ['rejected', `rejected:${String(labels?.reason ?? 'other')}`]);
		this.tap(metrics.duplicates, () => ['duplicate']);
		this.tap(metrics.delivered, () => ['delivered']);
		this.tap(metrics.retried, () => ['retried']);
		this.tap(metrics.deadLettered, () => ['dead']);
	}

	private tap<T extends string>(counter: Counter<T>, fields: (labels: Partial<Record<T, string | number>> | undefined) => string[]): void {
		const inc = counter.inc.bind(counter) as (...args: unknown[]) => void;
		(counter as { inc: unknown }).inc = (...args: unknown[]) => {
			inc(...args);
			const labels = typeof args[0] === 'object' && args[0] !== null ? (args[0] as Partial<Record<T, string | number>>) : undefined;
			const value = typeof args[0] === 'number' ? args[0] : typeof args[1] === 'number' ? args[1] : 1;
			for (const field of fields(labels)) this.add(field, value);
		};
	}

	add(field: string, value = 1): void {
		const minute = Math.floor(this.now() / MINUTE_MS);
		let fields = this.pending.get(minute);
		if (!fields) this.pending.set(minute, (fields = new Map()));
		fields.set(field, (fields.get(field) ?? 0) + value);
	}

	start(onError: (error: unknown) => void): void {
		this.timer = setInterval(() => void this.flush().catch(onError), FLUSH_MS);
		this.timer.unref();
	}

	async stop(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		await this.flush().catch(() => undefined);
	}

	/** Writes what was counted since the last flush; on failure it is counted again next time. */
	async flush(): Promise<void> {
		if (this.pending.size === 0) return;
		const batch = this.pending;
		this.pending = new Map();
		try {
			// One script per minute (usually one): a single command, whatever the number of fields.
			await Promise.all(
				[...batch].map(([minute, fields]) =>
					ADD.run(this.redis, this.keys.statsMinute(minute), KEEP_MS, ...[...fields].flatMap(([field, count]) => [field, count])),
				),
			);
		} catch (error) {
			// Possibly counted twice if one minute's script ran and another failed: these are display figures.
			for (const [minute, fields] of batch) for (const [field, count] of fields) {
				let pending = this.pending.get(minute);
				if (!pending) this.pending.set(minute, (pending = new Map()));
				pending.set(field, (pending.get(field) ?? 0) + count);
			}
			throw error;
		}
	}

	/** The last 60 minutes, oldest first, the current one included. */
	async lastHour(): Promise<HourStats> {
		const current = Math.floor(this.now() / MINUTE_MS);
		const minutes = Array.from({ length: 60 }, (_, index) => current - 59 + index);
		// One key per read: on a Cluster the minutes' keys are in different slots.
		const all = await Promise.all(minutes.map((minute) => this.redis.hgetall(this.keys.statsMinute(minute))));
		const totals = Object.fromEntries(STAT_FIELDS.map((field) => [field, 0])) as Record<StatField, number>;
		const rejectedByReason: Record<string, number> = {};
		const series = minutes.map((minute, index) => {
			const fields = all[index];
			const row: MinuteStats = { t: new Date(minute * MINUTE_MS).toISOString(), received: 0, rejected: 0, duplicate: 0, delivered: 0, retried: 0, dead: 0 };
			for (const field of STAT_FIELDS) {
				row[field] = Number(fields[field] ?? 0);
				totals[field] += row[field];
			}
			for (const [field, count] of Object.entries(fields)) {
				if (field.startsWith('rejected:')) rejectedByReason[field.slice(9)] = (rejectedByReason[field.slice(9)] ?? 0) + Number(count);
			}
			return row;
		});
		return { minutes: series, totals, rejectedByReason };
	}
}
