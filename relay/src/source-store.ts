/**
 * The sources a relay accepts webhooks for: those of RELAY_SOURCES (read-only, from the
 * environment) and those added from the console, stored in Redis so that every relay process
 * on the same prefix serves them.
 *
 * A stored source is validated exactly as RELAY_SOURCES is (the same zod schema and the same
 * replay-window check, config.ts). Changes are announced on a pub/sub channel and counted in a
 * version key; each process reloads on the message and, in case it missed one while its
 * subscriber connection was down, when that connection is back and the version has moved. So
 * a source added on one process takes events on every process at once, without a restart and
 * without any polling. A rotated-out secret's grace period is checked at each verification.
 *
 * Rotation keeps the previous secrets valid for a grace period: the provider may still be
 * retrying callbacks signed with the old secret, and the person rotating may not switch the
 * provider over at the same instant. The handlers already accept a list of secrets.
 */
import { z } from 'zod';

import { reconcilers } from '../../nodes/providers/reconcilers';
import { webhookHandlers, type CanonicalEvent, type WebhookHandler } from '../../nodes/providers/webhooks';
import { ConfigError, checkSource, sourceSchema, type SourceConfig } from './config';
import type { Keys, RedisClient } from './redis';

/** What the ingest route needs of a source. */
export interface Source {
	id: string;
	type: string;
	handler: WebhookHandler<unknown>;
	/** The secrets valid now (a rotated-out secret until its grace period ends). */
	secrets(now: number): readonly string[];
	options: unknown;
	ackType: string;
	ackBody: string | undefined;
	/** For a provider that can be reconciled: the (document, state) mark an event sets. */
	stateOf: ((event: CanonicalEvent) => string | undefined) | undefined;
	/** The source reconciles: a mark already set makes an event a duplicate. */
	reconciles: boolean;
}

export interface StoredSecret {
	value: string;
	addedAt: string;
	/** When a rotated-out secret stops being accepted (ms since epoch); null = current. */
	expiresAt: number | null;
}

export interface StoredSource {
	id: string;
	type: string;
	options?: unknown;
	secrets: StoredSecret[];
	createdAt: string;
	updatedAt: string;
}

/** What the admin API shows of a source: never a secret, only enough of it to recognise it. */
export interface SourceView {
	id: string;
	type: string;
	/** env: RELAY_SOURCES (read-only here); console: stored in Redis. */
	origin: 'env' | 'console';
	ingestPath: string;
	secrets: Array<{ hint: string; expiresAt: string | null }>;
	createdAt: string | null;
	updatedAt: string | null;
}

const DEFAULT_GRACE_SECONDS = 24 * 3600;
const MAX_GRACE_SECONDS = 30 * 24 * 3600;

export const createSourceSchema = z.strictObject({
	type: sourceSchema.shape.type,
	secret: z.string().min(1, 'a secret cannot be empty').max(4096),
	options: z.unknown().optional(),
});

export const rotateSourceSchema = z.strictObject({
	secret: z.string().min(1, 'a secret cannot be empty').max(4096),
	/** How long the previous secrets stay valid; 0 = refuse them at once. */
	graceSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(DEFAULT_GRACE_SECONDS),
});

/** The last four characters, and only for a secret long enough that they give nothing away. */
export function secretHint(secret: string): string {
	return secret.length >= 16 ? `…${secret.slice(-4)} (${secret.length} characters)` : `(${secret.length} characters)`;
}

function build(
	config: { id: string; type: string; options?: unknown; reconcile?: unknown },
	secrets: (now: number) => readonly string[],
): Source {
	const handler = webhookHandlers[config.type];
	const reconciler = reconcilers[config.type];
	return {
		id: config.id,
		type: config.type,
		handler,
		secrets,
		options: handler.parseOptions(config.options),
		ackType: handler.acknowledgement?.contentType ?? 'application/json',
		ackBody: handler.acknowledgement?.body,
		stateOf: reconciler ? (event) => reconciler.stateKey(event) : undefined,
		reconciles: config.reconcile !== undefined,
	};
}

function activeSecrets(stored: StoredSource): (now: number) => readonly string[] {
	return (now) => stored.secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now).map((secret) => secret.value);
}

export type SourceChange = { ok: StoredSource } | { refused: 'exists' | 'read_only' | 'not_found' | 'invalid'; message: string };

export class SourceRegistry {
	private readonly fromEnv = new Map<string, Source>();
	private stored = new Map<string, { record: StoredSource; source: Source }>();
	private version = -1;
	private loading?: Promise<void>;

	constructor(
		private readonly env: readonly SourceConfig[],
		private readonly redis: RedisClient,
		private readonly keys: Keys,
		private readonly dedupWindowMs: number,
		private readonly onError: (error: unknown) => void = () => undefined,
	) {
		for (const config of env) this.fromEnv.set(config.id, build(config, () => config.secrets));
	}

	get(id: string): Source | undefined {
		return this.fromEnv.get(id) ?? this.stored.get(id)?.source;
	}

	/** Every source id, configured first (the outboxes swept, where events are looked up). */
	ids(): string[] {
		return [...this.fromEnv.keys(), ...[...this.stored.keys()].filter((id) => !this.fromEnv.has(id))];
	}

	views(): SourceView[] {
		const views: SourceView[] = this.env.map((config) => ({
			id: config.id,
			type: config.type,
			origin: 'env',
			ingestPath: `/ingest/${config.id}`,
			secrets: config.secrets.map((secret) => ({ hint: secretHint(secret), expiresAt: null })),
			createdAt: null,
			updatedAt: null,
		}));
		const now = Date.now();
		for (const { record } of this.stored.values()) {
			if (this.fromEnv.has(record.id)) continue;
			views.push({
				id: record.id,
				type: record.type,
				origin: 'console',
				ingestPath: `/ingest/${record.id}`,
				secrets: record.secrets
					.filter((secret) => secret.expiresAt === null || secret.expiresAt > now)
					.map((secret) => ({
						hint: secretHint(secret.value),
						expiresAt: secret.expiresAt === null ? null : new Date(secret.expiresAt).toISOString(),
					})),
				createdAt: record.createdAt,
				updatedAt: record.updatedAt,
			});
		}
		return views;
	}

	/**
	 * Loads the stored sources, then follows changes: the change message on `subscriber`, and a
	 * version check whenever that connection comes back (messages published while it was down
	 * are lost). No polling: an idle relay sends nothing for this.
	 */
	async start(subscriber: RedisClient): Promise<void> {
		await this.reload();
		await subscriber.subscribe(this.keys.sourcesChannel);
		subscriber.on('message', (channel: string) => {
			if (channel === this.keys.sourcesChannel) void this.refresh(true);
		});
		subscriber.on('ready', () => void this.refresh(false));
	}

	/** Reloads when the version moved (or always, on a change message). Never rejects. */
	async refresh(force: boolean): Promise<void> {
		try {
			if (!force && Number((await this.redis.get(this.keys.sourcesVersion)) ?? 0) === this.version) return;
			await this.reload();
		} catch (error) {
			this.onError(error);
		}
	}

	private reload(): Promise<void> {
		this.loading ??= this.doReload().finally(() => (this.loading = undefined));
		return this.loading;
	}

	private async doReload(): Promise<void> {
		// Two commands, not a MULTI: the keys need not share a Cluster slot. The version is read
		// first, so a change landing in between makes the next check reload once more, never less.
		const rawVersion = await this.redis.get(this.keys.sourcesVersion);
		const all = await this.redis.hgetall(this.keys.sources);
		const next = new Map<string, { record: StoredSource; source: Source }>();
		for (const raw of Object.values(all)) {
			try {
				const record = JSON.parse(raw) as StoredSource;
				// A record that stopped being valid (a provider's options changed in an upgrade) is
				// left out rather than taking the relay down; the API still refuses to write one.
				next.set(record.id, { record, source: build(record, activeSecrets(record)) });
			} catch (error) {
				this.onError(error);
			}
		}
		this.stored = next;
		this.version = Number(rawVersion ?? 0);
	}

	private validate(config: SourceConfig): string | undefined {
		const parsed = sourceSchema.safeParse(config);
		if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'source'}: ${issue.message}`).join('; ');
		try {
			checkSource(parsed.data, this.dedupWindowMs);
		} catch (error) {
			if (error instanceof ConfigError) return error.message.replace(/^Invalid relay configuration:\n- /, '');
			throw error;
		}
		return undefined;
	}

	/** Adds a source; refuses an id RELAY_SOURCES or the console already has. */
	async create(id: string, input: z.infer<typeof createSourceSchema>): Promise<SourceChange> {
		if (this.fromEnv.has(id)) return { refused: 'read_only', message: `Source "${id}" is configured in RELAY_SOURCES; change it there.` };
		const problem = this.validate({ id, type: input.type, secrets: [input.secret], options: input.options });
		if (problem) return { refused: 'invalid', message: problem };
		const now = new Date().toISOString();
		const record: StoredSource = {
			id,
			type: input.type,
			...(input.options === undefined ? {} : { options: input.options }),
			secrets: [{ value: input.secret, addedAt: now, expiresAt: null }],
			createdAt: now,
			updatedAt: now,
		};
		const created = await this.redis.hsetnx(this.keys.sources, id, JSON.stringify(record));
		if (created === 0) return { refused: 'exists', message: `Source "${id}" exists already; rotate its secret with PUT /v1/sources/${id}.` };
		await this.announce(id);
		return { ok: record };
	}

	/** A new current secret; the previous ones stay valid for `graceSeconds`. */
	async rotate(id: string, input: z.infer<typeof rotateSourceSchema>): Promise<SourceChange> {
		if (this.fromEnv.has(id)) return { refused: 'read_only', message: `Source "${id}" is configured in RELAY_SOURCES; rotate it there (list both secrets while the provider switches).` };
		const raw = await this.redis.hget(this.keys.sources, id);
		if (!raw) return { refused: 'not_found', message: `source ${id} not found` };
		const record = JSON.parse(raw) as StoredSource;
		const now = Date.now();
		const until = now + input.graceSeconds * 1000;
		const kept = record.secrets
			.filter((secret) => secret.value !== input.secret && (secret.expiresAt === null || secret.expiresAt > now))
			.map((secret) => ({ ...secret, expiresAt: secret.expiresAt === null ? until : Math.min(secret.expiresAt, until) }))
			.filter((secret) => secret.expiresAt > now);
		const next: StoredSource = {
			...record,
			secrets: [{ value: input.secret, addedAt: new Date(now).toISOString(), expiresAt: null }, ...kept],
			updatedAt: new Date(now).toISOString(),
		};
		const problem = this.validate({ id, type: next.type, secrets: next.secrets.map((secret) => secret.value), options: next.options });
		if (problem) return { refused: 'invalid', message: problem };
		// Last writer wins between two rotations at once; both secrets were typed by an admin.
		await this.redis.hset(this.keys.sources, id, JSON.stringify(next));
		await this.announce(id);
		return { ok: next };
	}

	private async announce(id: string): Promise<void> {
		await this.redis.incr(this.keys.sourcesVersion);
		await this.redis.publish(this.keys.sourcesChannel, id);
		// Not the shared reload: one already running may have read before this write.
		await this.doReload();
	}
}
