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
import { Script } from './scripts';

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
	/** The subscriber token that created it (absent: created with the admin token). */
	owner?: string;
}

/** Who creates a subscription with a subscriber token, and how many it may own. */
export interface Owner {
	tokenId: string;
	maxSubscriptions: number;
}

export type CreateOutcome = { subscription: Subscription } | { refused: 'cap' | 'revoked' };

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

function parseAll(all: Record<string, string>): Subscription[] {
	return Object.values(all)
		.map((raw) => JSON.parse(raw) as Subscription)
		.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

const DISABLE_SCRIPT = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local sub = cjson.decode(raw)
sub.status = 'disabled'
sub.disabledReason = ARGV[2]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(sub))
redis.call('INCR', KEYS[3])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
`;

/** Checks the token still exists and is under its cap, then adds, all at once (no race past the cap). */
const CREATE_OWNED = new Script(`
if redis.call('HEXISTS', KEYS[4], ARGV[3]) == 0 then return 'revoked' end
if redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[4]) then return 'cap' end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[5], ARGV[1])
return 'ok'
`, 4);

/** Deletes only when the owner is the expected one ("" = anyone: the admin). */
const DELETE_SCRIPT = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local owner = cjson.decode(raw).owner
if ARGV[2] ~= '' and owner ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if KEYS[3] then redis.call('SREM', KEYS[3], ARGV[1]) end
redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1
`;
const DELETE = new Script(DELETE_SCRIPT, 2);
const DELETE_OWNED = new Script(DELETE_SCRIPT, 3);

export class SubscriptionStore {
	/** The list as of `cachedVersion` (see `current`). */
	private cached: Subscription[] = [];
	private cachedVersion: number | undefined;
	private loading: Promise<Subscription[]> | undefined;

	constructor(
		private readonly redis: RedisClient,
		private readonly keys: Keys,
		private readonly defaults: { maxInFlight: number; rateLimitPerSecond: number },
	) {}

	async create(input: CreateSubscription): Promise<Subscription> {
		const subscription = this.build(input);
		await this.redis
			.multi()
			.hset(this.keys.subscriptions, subscription.id, JSON.stringify(subscription))
			.incr(this.keys.subscriptionsVersion)
			.publish(this.keys.subscriptionsChannel, subscription.id)
			.exec();
		return subscription;
	}

	/** Creates a subscription owned by a subscriber token, unless the token is at its cap (or revoked). */
	async createOwned(input: CreateSubscription, owner: Owner): Promise<CreateOutcome> {
		const subscription = { ...this.build(input), owner: owner.tokenId };
		const outcome = (await CREATE_OWNED.run(
			this.redis,
			this.keys.subscriptions,
			this.keys.subscriptionsVersion,
			this.keys.tokenSubscriptions(owner.tokenId),
			this.keys.tokens,
			subscription.id,
			JSON.stringify(subscription),
			owner.tokenId,
			owner.maxSubscriptions,
			this.keys.subscriptionsChannel,
		)) as 'ok' | 'cap' | 'revoked';
		return outcome === 'ok' ? { subscription } : { refused: outcome };
	}

	/** The subscriptions a subscriber token owns, oldest first. */
	async listOwned(tokenId: string): Promise<Subscription[]> {
		const ids = await this.redis.smembers(this.keys.tokenSubscriptions(tokenId));
		if (ids.length === 0) return [];
		const raws = await this.redis.hmget(this.keys.subscriptions, ...ids);
		const all: Record<string, string> = {};
		for (const [index, raw] of raws.entries()) if (raw) all[ids[index]] = raw;
		return parseAll(all).filter((subscription) => subscription.owner === tokenId);
	}

	private build(input: CreateSubscription): Subscription {
		return {
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
	}

	async get(id: string): Promise<Subscription | undefined> {
		const raw = await this.redis.hget(this.keys.subscriptions, id);
		return raw ? (JSON.parse(raw) as Subscription) : undefined;
	}

	async list(): Promise<Subscription[]> {
		return parseAll(await this.redis.hgetall(this.keys.subscriptions));
	}

	/** Deletes it (only if `onlyOwner` owns it, when given); false when there is none to delete. */
	async delete(id: string, onlyOwner?: string): Promise<boolean> {
		const existing = await this.get(id);
		if (!existing) return false;
		if (onlyOwner !== undefined && existing.owner !== onlyOwner) return false;
		const keys = [this.keys.subscriptions, this.keys.subscriptionsVersion];
		if (existing.owner) keys.push(this.keys.tokenSubscriptions(existing.owner));
		const deleted = await (existing.owner ? DELETE_OWNED : DELETE).run(
			this.redis,
			...keys,
			id,
			onlyOwner ?? '',
			this.keys.subscriptionsChannel,
		);
		return Number(deleted) === 1;
	}

	/** Atomic read-modify-write, so a concurrent delete is not undone. */
	async disable(id: string, reason: string): Promise<void> {
		await this.redis.eval(
			DISABLE_SCRIPT,
			3,
			this.keys.subscriptions,
			this.keys.subscriptionsChannel,
			this.keys.subscriptionsVersion,
			id,
			reason,
		);
	}

	/**
	 * The list as of `version` (the counter every change increments, read atomically with the
	 * event's dedup key by the ingest script), from memory when nothing changed since the last
	 * read. A change committed before the event was stored is therefore always seen, whichever
	 * process made it, without reading the whole hash for every event.
	 */
	async current(version: number): Promise<Subscription[]> {
		if (this.cachedVersion === version) return this.cached;
		// One reload shared by the events that arrive while it runs.
		this.loading ??= this.reload().finally(() => (this.loading = undefined));
		const list = await this.loading;
		// A change landed between the version read and the reload: read again, so the list is never older than `version`.
		if ((this.cachedVersion ?? -1) < version) return this.reload();
		return list;
	}

	private async reload(): Promise<Subscription[]> {
		const [[, rawVersion], [, all]] = (await this.redis
			.multi()
			.get(this.keys.subscriptionsVersion)
			.hgetall(this.keys.subscriptions)
			.exec()) as [[Error | null, string | null], [Error | null, Record<string, string>]];
		const version = Number(rawVersion ?? 0);
		const list = parseAll(all);
		if (this.cachedVersion === undefined || version >= this.cachedVersion) {
			this.cached = list;
			this.cachedVersion = version;
		}
		return list;
	}
}
