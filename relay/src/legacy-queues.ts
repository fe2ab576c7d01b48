/**
 * Upgrade from the relay that kept deliveries in one BullMQ queue per subscription
 * (`<prefix>bull:delivery-<subscription id>`): at start-up, what those queues still hold is
 * moved into the delivery store, so an upgrade loses no acknowledged event. Pending jobs
 * (waiting, delayed, paused, prioritized, and active ones, whose process is gone) are queued
 * again; dead letters stay dead letters; delivered history is dropped. Then the old queue is
 * deleted. Idempotent (delivery ids are created once), so relays starting together, or a
 * start interrupted half-way, are harmless; a marker key makes later starts skip the check.
 */
import { Queue, type Job } from 'bullmq';
import type { Logger } from 'pino';

import { deliveryId, type DeliveryStore } from './delivery-store';
import type { Keys, RedisClient } from './redis';
import type { Subscription } from './subscriptions';

interface LegacyJobData {
	eventId: string;
	subscriptionId: string;
	body: string;
	receivedAtMs: number;
}

const PENDING = ['waiting', 'delayed', 'paused', 'prioritized', 'active'] as const;
const PAGE = 500;

function sourceOf(body: string): string {
	try {
		const source = (JSON.parse(body) as { source?: unknown }).source;
		if (typeof source === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(source)) return source;
	} catch {
		// An unreadable body still gets delivered; it just cannot name its source.
	}
	return 'unknown';
}

export async function migrateLegacyQueues(options: {
	keys: Keys;
	client: RedisClient;
	store: DeliveryStore;
	subscriptions: Subscription[];
	maxAttempts: number;
	/** Puts a subscription with work in line. */
	offer: (subscriptionId: string) => Promise<void>;
	logger: Logger;
}): Promise<number> {
	const { keys, client, store, logger } = options;
	// The BullMQ relay ran on a Cluster only with a hash-tagged prefix: with keys spread (no tag)
	// no old queue can exist, and its two-key EXISTS below would be refused as cross-slot.
	if (keys.spread) return 0;
	const marker = `${keys.prefix}deliveries:bullmq-migrated`;
	if ((await client.exists(marker)) === 1) return 0;
	const present = await Promise.all(
		options.subscriptions.map((s) => client.exists(`${keys.bull}:delivery-${s.id}:meta`, `${keys.bull}:delivery-${s.id}:id`)),
	);
	let moved = 0;
	for (const [index, subscription] of options.subscriptions.entries()) {
		if (present[index] === 0) continue;
		const queue = new Queue<LegacyJobData>(`delivery-${subscription.id}`, { connection: client, prefix: keys.bull });
		queue.on('error', (error) => logger.warn({ err: error, subscriptionId: subscription.id }, 'legacy delivery queue error'));
		try {
			const copy = async (job: Job<LegacyJobData>, dead: boolean) => {
				const source = sourceOf(job.data.body);
				const id = deliveryId(subscription.id, source, job.data.eventId);
				const data = { eventId: job.data.eventId, source, body: job.data.body, receivedAtMs: job.data.receivedAtMs };
				await store.add(subscription.id, id, data, options.maxAttempts);
				if (dead) await store.deadLetter(subscription.id, id, job.failedReason || 'dead letter from before the upgrade', job.attemptsMade);
				moved += 1;
			};
			for (let start = 0; ; start += PAGE) {
				const jobs = await queue.getJobs([...PENDING], start, start + PAGE - 1);
				for (const job of jobs) if (job) await copy(job, false);
				if (jobs.length < PAGE) break;
			}
			for (let start = 0; ; start += PAGE) {
				const jobs = await queue.getJobs(['failed'], start, start + PAGE - 1);
				for (const job of jobs) if (job) await copy(job, true);
				if (jobs.length < PAGE) break;
			}
			await options.offer(subscription.id);
			await queue.obliterate({ force: true });
		} finally {
			await queue.close();
		}
	}
	await client.set(marker, String(Date.now()));
	if (moved > 0) logger.info({ moved }, 'moved deliveries from the BullMQ queues of the previous relay version');
	return moved;
}
