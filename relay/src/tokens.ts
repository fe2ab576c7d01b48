/**
 * Subscriber tokens: credentials that may create, read and delete only their own
 * subscriptions (what the E-Signature Relay credential of one n8n holds), up to a cap.
 *
 * A token is `rst_<24 hex: its id>_<43 base64url: 256 random bits>`. Only its SHA-256 is
 * stored: 256 random bits need no slow, salted hash (nobody can guess through SHA-256 what
 * has 2^256 possibilities), and a leaked Redis dump then yields no usable token. The record
 * is found by the id inside the token, and the hashes compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { z } from 'zod';

import type { Keys, RedisClient } from './redis';

export interface TokenRecord {
	id: string;
	name: string;
	/** null: the relay's default (RELAY_TOKEN_MAX_SUBSCRIPTIONS). */
	maxSubscriptions: number | null;
	createdAt: string;
	/** Hex SHA-256 of the whole token. */
	hash: string;
}

export type PublicToken = Omit<TokenRecord, 'hash'> & { subscriptions: number };

export const createTokenSchema = z.strictObject({
	name: z.string().trim().min(1, 'name is required').max(200),
	maxSubscriptions: z.number().int().min(1).max(1_000_000).optional(),
});

const TOKEN_PATTERN = /^rst_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

function sha256(text: string): Buffer {
	return createHash('sha256').update(text).digest();
}

/** Both sides are SHA-256 digests (32 bytes), so the compare takes the same time whatever was offered. */
export function hashesMatch(storedHex: string, offered: string): boolean {
	const stored = Buffer.from(storedHex, 'hex');
	const digest = sha256(offered);
	return stored.length === digest.length && timingSafeEqual(stored, digest);
}

export class TokenStore {
	constructor(
		private readonly redis: RedisClient,
		private readonly keys: Keys,
	) {}

	/** Creates a token; the returned secret is shown once and never stored. */
	async create(input: z.infer<typeof createTokenSchema>): Promise<{ record: TokenRecord; token: string }> {
		const hexId = randomBytes(12).toString('hex');
		const token = `rst_${hexId}_${randomBytes(32).toString('base64url')}`;
		const record: TokenRecord = {
			id: `tok_${hexId}`,
			name: input.name,
			maxSubscriptions: input.maxSubscriptions ?? null,
			createdAt: new Date().toISOString(),
			hash: sha256(token).toString('hex'),
		};
		await this.redis.hset(this.keys.tokens, record.id, JSON.stringify(record));
		return { record, token };
	}

	/** The record the offered bearer token belongs to, or undefined (unknown, revoked, or wrong secret). */
	async verify(offered: string): Promise<TokenRecord | undefined> {
		const match = TOKEN_PATTERN.exec(offered);
		if (!match) return undefined;
		const record = await this.get(`tok_${match[1]}`);
		if (!record) return undefined;
		return hashesMatch(record.hash, offered) ? record : undefined;
	}

	async get(id: string): Promise<TokenRecord | undefined> {
		const raw = await this.redis.hget(this.keys.tokens, id);
		return raw ? (JSON.parse(raw) as TokenRecord) : undefined;
	}

	async list(): Promise<PublicToken[]> {
		const records = Object.values(await this.redis.hgetall(this.keys.tokens))
			.map((raw) => JSON.parse(raw) as TokenRecord)
			.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
		const counts = await Promise.all(records.map((record) => this.redis.scard(this.keys.tokenSubscriptions(record.id))));
		return records.map((record, index) => ({ ...publicToken(record), subscriptions: counts[index] }));
	}

	/**
	 * Revokes at once (every request looks the token up). Its subscriptions stay, so the
	 * workflows keep receiving events until an administrator deletes them.
	 */
	async revoke(id: string): Promise<boolean> {
		return (await this.redis.hdel(this.keys.tokens, id)) === 1;
	}
}

export function publicToken(record: TokenRecord): Omit<TokenRecord, 'hash'> {
	const view: Partial<TokenRecord> = { ...record };
	delete view.hash;
	return view as Omit<TokenRecord, 'hash'>;
}
