/** Prometheus metrics, one registry per relay instance (tests run several in one process). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface QueueDepth {
	queue: 'delivery';
	state: string;
	count: number;
}

export class Metrics {
	readonly registry = new Registry();
	readonly received: Counter<'source'>;
	readonly rejected: Counter<'source' | 'reason'>;
	readonly duplicates: Counter<'source'>;
	readonly enqueued: Counter<'source'>;
	readonly deliveriesEnqueued: Counter;
	readonly fanoutRecovered: Counter;
	readonly fanoutFailed: Counter;
	readonly fanoutDeferred: Counter;
	readonly delivered: Counter;
	readonly retried: Counter<'reason'>;
	readonly deadLettered: Counter<'reason'>;
	readonly deliveryDuration: Histogram<'outcome'>;
	readonly endToEnd: Histogram;
	readonly reconcileRuns: Counter<'source' | 'outcome'>;
	readonly reconcileEvents: Counter<'source' | 'result'>;
	readonly alerts: Counter<'kind' | 'outcome'>;

	constructor(queueDepth: () => Promise<QueueDepth[]>, defaultMetrics = true) {
		const registers = [this.registry];
		if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'relay_process_' });
		this.received = new Counter({
			name: 'relay_events_received_total',
			help: 'Webhook requests received per source (before verification).',
			labelNames: ['source'],
			registers,
		});
		this.rejected = new Counter({
			name: 'relay_events_rejected_total',
			help: 'Webhook requests rejected, by reason (bad_signature, stale_timestamp, malformed_body, too_large, unknown_source, unavailable, ...).',
			labelNames: ['source', 'reason'],
			registers,
		});
		this.duplicates = new Counter({
			name: 'relay_events_duplicate_total',
			help: 'Events acknowledged but not enqueued again because their id was seen within the dedup window.',
			labelNames: ['source'],
			registers,
		});
		this.enqueued = new Counter({
			name: 'relay_events_enqueued_total',
			help: 'New events stored and queued for fan-out.',
			labelNames: ['source'],
			registers,
		});
		this.deliveriesEnqueued = new Counter({
			name: 'relay_deliveries_enqueued_total',
			help: 'Delivery jobs created (one per event and matching subscription).',
			registers,
		});
		this.fanoutRecovered = new Counter({
			name: 'relay_fanout_recovered_total',
			help: 'Events fanned out by the outbox sweeper because the process that acknowledged them did not finish (crash, Redis error).',
			registers,
		});
		this.fanoutFailed = new Counter({
			name: 'relay_fanout_failed_total',
			help: 'Fan-outs that failed (the event stays in its outbox and is fanned out again after the lease).',
			registers,
		});
		this.fanoutDeferred = new Counter({
			name: 'relay_fanout_deferred_total',
			help: 'Events left to the outbox sweeper because this process already had too many fan-outs waiting.',
			registers,
		});
		this.delivered = new Counter({
			name: 'relay_deliveries_delivered_total',
			help: 'Deliveries answered 2xx by their target.',
			registers,
		});
		this.retried = new Counter({
			name: 'relay_deliveries_retried_total',
			help: 'Failed delivery attempts scheduled for a retry.',
			labelNames: ['reason'],
			registers,
		});
		this.deadLettered = new Counter({
			name: 'relay_deliveries_dead_lettered_total',
			help: 'Deliveries moved to the dead-letter queue (last attempt failed, or the target answered 410).',
			labelNames: ['reason'],
			registers,
		});
		this.reconcileRuns = new Counter({
			name: 'relay_reconcile_runs_total',
			help: 'Reconciliation sweeps by outcome (swept, failed).',
			labelNames: ['source', 'outcome'],
			registers,
		});
		this.reconcileEvents = new Counter({
			name: 'relay_reconcile_events_total',
			help: 'State changes found by reconciliation sweeps: new (no webhook had reported them) or duplicate.',
			labelNames: ['source', 'result'],
			registers,
		});
		this.alerts = new Counter({
			name: 'relay_alerts_total',
			help: 'Operational alerts by kind and outcome (sent, deduplicated, rate_limited, failed).',
			labelNames: ['kind', 'outcome'],
			registers,
		});
		this.deliveryDuration = new Histogram({
			name: 'relay_delivery_attempt_duration_seconds',
			help: 'Duration of one delivery HTTP attempt.',
			labelNames: ['outcome'],
			buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
			registers,
		});
		this.endToEnd = new Histogram({
			name: 'relay_delivery_latency_seconds',
			help: 'From the ingest acknowledgement to the 2xx of the target (includes queueing and retries).',
			buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300, 3600, 86400],
			registers,
		});
		new Gauge({
			name: 'relay_queue_depth',
			help: 'Jobs waiting in Redis by queue and state (delivery = all subscriptions together).',
			labelNames: ['queue', 'state'],
			registers,
			async collect() {
				this.reset();
				for (const { queue, state, count } of await queueDepth()) this.set({ queue, state }, count);
			},
		});
	}
}
