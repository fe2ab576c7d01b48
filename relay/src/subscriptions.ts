/**
 * Subscriptions: where events go. Stored as JSON in one Redis hash (so every relay process
 * sees the same list) and announced on a pub/sub channel when they change, so the other
 * processes start or stop their delivery workers without waiting for their periodic check.
 */
import { randomBytes } from 'node:crypto';

import { z } from 'zod';

import { CANONICAL_EVENT_TYPES, type CanonicalEvent } from '../../nodes/providers/webhooks';
import { generateSecret } from '../../nodes/providers/standard-webhooks/signature';
import type { Keys, RedisClient } from './redis';

export const createSubscriptionSchema = z.strictObject({
	url: z.url({ error: 'url must be an absolute http(s) URL' }),
	sources: z.array(z.string().min(1)).optional(),
	providers: z.array(z.string().min(1)).optional(),
	eventTypes: z
		.array(z.enum(CANONICAL_EVENT_TYPES, { error: `eventTypes items must be one of ${CANONICAL_EVENT_TYPES.join(', ')}` }))
		.optional(),
	documentId: z.string().min(1).optional(),
	description: z.string().max(500).optional(),
	/** Overrides RELAY_MAX_IN_FLIGHT for this subscription. */
	maxInFlight: z.number().int().min(1).max(1000).optional(),
	/** Overrides RELAY_RATE_LIMIT_PER_SECOND for this subscription (0 = none). */
	rateLimitPerSecond: z.number().int().min(0).max(100_000).optional(),
});

export type CreateSubscription = z.infer<typeof createSubscriptionSchema>;

export interface Subscription {
	id: string;
	url: string;
	sources: string[];
	providers: string[];
	eventTypes: string[];
	documentId: string | null;
	description: string | null;
	status: 'active' | 'disabled';
	disabledReason?: string;
	createdAt: string;
	maxInFlight: number;
	rateLimitPerSecond: number;
	secret: string;
}

export type PublicSubscription = Omit<Subscription, 'secret'>;

export function publicView(subscription: Subscription): PublicSubscription {
	// Everything but the secret, which is shown once, when the subscription is created.
	const view: Partial<Subscription> = { ...subscription };
	delete view.secret;
	return view as PublicSubscription;
}

/** Empty filters match everything; each given filter must match. */
export function matches(
	subscription: Subscription,
	event: Pick<CanonicalEvent, 'provider' | 'type' | 'documentId'>,
	source: string,
): boolean {
	if (subscription.status !== 'active') return false;
	if (subscription.sources.length > 0 && !subscription.sources.includes(source)) return false;
	if (subscription.providers.length > 0 && !subscription.providers.includes(event.provider)) return false;
	if (subscription.eventTypes.length > 0 && !subscription.eventTypes.includes(event.type)) return false;
	if (subscription.documentId && subscription.documentId !== event.documentId) return false;
	return true;
}

const DISABLE_SCRIPT = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local sub = cjson.decode(raw)
sub.status = 'disabled'
sub.disabledReason = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(sub))
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
`;

export class SubscriptionStore {
	constructor(
		private readonly redis: RedisClient,
		private readonly keys: Keys,
		private readonly defaults: { maxInFlight: number; rateLimitPerSecond: number },
	) {}

	async create(input: CreateSubscription): Promise<Subscription> {
		const subscription: Subscription = {
			id: `sub_${randomBytes(12).toString('hex')}`,
			url: input.url,
			sources: input.sources ?? [],
			providers: input.providers ?? [],
			eventTypes: input.eventTypes ?? [],
			documentId: input.documentId ?? null,
			description: input.description ?? null,
			status: 'active',
			createdAt: new Date().toISOString(),
			maxInFlight: input.maxInFlight ?? this.defaults.maxInFlight,
			rateLimitPerSecond: input.rateLimitPerSecond ?? this.defaults.rateLimitPerSecond,
			secret: generateSecret(),
		};
		await this.redis
			.multi()
			.hset(this.keys.subscriptions, subscription.id, JSON.stringify(subscription))
			.publish(this.keys.subscriptionsChannel, subscription.id)
			.exec();
		return subscription;
	}

	async get(id: string): Promise<Subscription | undefined> {
		const raw = await this.redis.hget(this.keys.subscriptions, id);
		return raw ? (JSON.parse(raw) as Subscription) : undefined;
	}

	async list(): Promise<Subscription[]> {
		const all = await this.redis.hgetall(this.keys.subscriptions);
		return Object.values(all)
			.map((raw) => JSON.parse(raw) as Subscription)
			.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
	}

	async delete(id: string): Promise<boolean> {
		const results = await this.redis
			.multi()
			.hdel(this.keys.subscriptions, id)
			.publish(this.keys.subscriptionsChannel, id)
			.exec();
		return Number(results?.[0]?.[1] ?? 0) === 1;
	}

	/** Atomic read-modify-write, so a concurrent delete is not undone. */
	async disable(id: string, reason: string): Promise<void> {
		await this.redis.eval(DISABLE_SCRIPT, 2, this.keys.subscriptions, this.keys.subscriptionsChannel, id, reason);
	}
}
