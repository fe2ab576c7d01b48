/**
 * Holds a relay's deliveries while a benchmark queues events, then releases them, so the
 * drain alone is timed (ingest and delivery would otherwise share the two cores). Works on a
 * relay in another process: the hold is the subscription's slow-down key, the release puts it
 * back in the ready set and announces a subscription change, which wakes every relay's
 * dispatcher at once instead of at its next look.
 */
import type { Redis } from 'ioredis';

import { DeliveryStore } from '../relay/src/delivery-store';
import { ReadySet, readyKey } from '../relay/src/ready';
import { Keys } from '../relay/src/redis';

const HOLD_MS = 3_600_000;

export class DeliveryHold {
	private readonly store: DeliveryStore;
	private readonly ready: ReadySet;

	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
	) {
		this.store = new DeliveryStore(prefix, redis, redis);
		this.ready = new ReadySet(readyKey(prefix), redis);
	}

	async hold(subscriptionIds: string[]): Promise<void> {
		await Promise.all(subscriptionIds.map((id) => this.store.pause(id, HOLD_MS)));
	}

	/** Deliveries queued and not yet sent. */
	async waiting(subscriptionIds: string[]): Promise<number> {
		const counts = await Promise.all(subscriptionIds.map((id) => this.store.counts(id)));
		return counts.reduce((sum, c) => sum + c.waiting + c.delayed, 0);
	}

	async release(subscriptionIds: string[]): Promise<void> {
		await Promise.all(subscriptionIds.map((id) => this.store.pause(id, 0)));
		await Promise.all(subscriptionIds.map((id) => this.ready.offer(id, Date.now())));
		await this.redis.publish(new Keys(this.prefix).subscriptionsChannel, 'released');
	}
}
