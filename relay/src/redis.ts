/**
 * Redis connections and key names. Every key the relay writes starts with the configured
 * prefix, so several relays (or test runs) can share one Redis without touching each other.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

import type { RelayConfig } from './config';

export type RedisClient = Redis | Cluster;

/**
 * Per-source keys carry a hash tag of their own (`{src:<id>}`) so that a Redis Cluster
 * spreads sources over its masters, while the keys one ingest script touches for one event
 * (dedup, event, outbox of the same source) always share a slot. A prefix that has a hash
 * tag itself (`{relay}:`) wins over it, since Redis hashes the first tag of a key: then
 * everything lives in one slot, as before.
 */
export class Keys {
	/** Whether the keys of the previous, unscoped layout can share a slot with the new ones. */
	readonly legacyInSlot: boolean;

	constructor(
		readonly prefix: string,
		options: { cluster?: boolean } = {},
	) {
		// The old layout (dedup:<id> beside subscriptions:version in one script) only ran on a
		// Cluster with a hash-tagged prefix; without a tag no old keys can exist there.
		this.legacyInSlot = !options.cluster || /\{[^}]+\}/.test(prefix);
	}

	/** BullMQ's own prefix (it appends `:<queue>:…`). */
	get bull(): string {
		return `${this.prefix}bull`;
	}
	private source(source: string): string {
		return `${this.prefix}{src:${source}}`;
	}
	/** The dedup marker of one source's event (expires after the dedup window). */
	dedup(source: string, eventId: string): string {
		return `${this.source(source)}:dedup:${eventId}`;
	}
	/** One source's stored event (the delivery body), kept for the retention period. */
	event(source: string, eventId: string): string {
		return `${this.source(source)}:event:${eventId}`;
	}
	/** One source's events stored but not yet fanned out (sorted set: event id → lease deadline). */
	outbox(source: string): string {
		return `${this.source(source)}:outbox`;
	}
	/**
	 * The keys of the layout before sources were namespaced, read (never written) so that an
	 * upgrade takes what the old relay stored for a duplicate. Remove once every relay has run
	 * the scoped layout for one dedup window.
	 */
	legacyDedup(eventId: string): string {
		return `${this.prefix}dedup:${eventId}`;
	}
	legacyEvent(eventId: string): string {
		return `${this.prefix}event:${eventId}`;
	}
	get subscriptions(): string {
		return `${this.prefix}subscriptions`;
	}
	/** Incremented by every subscription change; read by the ingest script with the dedup key. */
	get subscriptionsVersion(): string {
		return `${this.prefix}subscriptions:version`;
	}
	get subscriptionsChannel(): string {
		return `${this.prefix}subscriptions:changed`;
	}
	circuit(target: string): string {
		return `${this.prefix}circuit:${target}`;
	}
	circuitProbe(target: string): string {
		return `${this.prefix}circuit-probe:${target}`;
	}
	get adminToken(): string {
		return `${this.prefix}admin-token`;
	}
	/** Subscriber tokens: hash of token id → record (name, cap, SHA-256 of the token). */
	get tokens(): string {
		return `${this.prefix}tokens`;
	}
	/** The ids of the subscriptions a subscriber token owns (its cap is this set's size). */
	tokenSubscriptions(tokenId: string): string {
		return `${this.prefix}token-subscriptions:${tokenId}`;
	}
}

function hostPorts(list: string): Array<{ host: string; port: number }> {
	return list.split(',').map((item) => {
		const [host, port] = item.trim().split(':');
		return { host, port: Number(port || 6379) };
	});
}

export type ConnectionRole = 'ingest' | 'command' | 'worker' | 'subscriber';

/**
 * `ingest` and `command` connections fail fast (no offline queue, one retry, command
 * timeout) so an ingest request answers 503 instead of waiting on a Redis that is down;
 * `worker` connections wait and retry forever, as BullMQ's blocking commands require.
 *
 * `ingest` (the ingest script and delivery job adds) pipelines automatically: the commands
 * of many concurrent requests leave in one write (+10-30 % ingest in bench/relay). The
 * delivery path keeps its own unpipelined `command` connection: ioredis holds the next
 * automatic pipeline until the previous one is answered, and with one shared connection
 * every delivery's preflight waited behind ingest traffic (ack → delivery p99 about doubled
 * at 500 events/s).
 */
export function createRedis(config: RelayConfig, role: ConnectionRole): RedisClient {
	const failFast = role === 'ingest' || role === 'command';
	const autoPipelining = role === 'ingest';
	const options: RedisOptions = {
		maxRetriesPerRequest: failFast ? 1 : null,
		enableOfflineQueue: !failFast,
		commandTimeout: failFast ? 5_000 : undefined,
		connectTimeout: 5_000,
		lazyConnect: true,
		enableAutoPipelining: autoPipelining,
		retryStrategy: (times) => Math.min(times * 200, 2_000),
	};
	if (config.redisClusterNodes) {
		return new Cluster(hostPorts(config.redisClusterNodes), {
			redisOptions: options,
			enableOfflineQueue: !failFast,
			enableAutoPipelining: autoPipelining,
			lazyConnect: true,
		});
	}
	const url = new URL(config.redisUrl);
	const common: RedisOptions = {
		...options,
		username: url.username ? decodeURIComponent(url.username) : undefined,
		password: url.password ? decodeURIComponent(url.password) : undefined,
		db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
		tls: url.protocol === 'rediss:' ? {} : undefined,
	};
	if (config.redisSentinels) {
		return new Redis({ ...common, sentinels: hostPorts(config.redisSentinels), name: config.redisSentinelName });
	}
	return new Redis({ ...common, host: url.hostname, port: Number(url.port || 6379) });
}

/** Someone else (BullMQ) already started connecting: wait for the outcome. */
function waitReady(client: RedisClient, timeoutMs = 10_000): Promise<void> {
	return new Promise((resolve, reject) => {
		const done = (error?: Error) => {
			clearTimeout(timer);
			client.off('ready', onReady);
			client.off('error', onError);
			if (error) reject(error);
			else resolve();
		};
		const onReady = () => done();
		const onError = (error: Error) => done(error);
		const timer = setTimeout(() => done(new Error(`not connected after ${timeoutMs} ms`)), timeoutMs);
		client.once('ready', onReady);
		client.once('error', onError);
	});
}

export async function connect(client: RedisClient, config: RelayConfig): Promise<void> {
	try {
		if (client.status === 'wait') await client.connect();
		else if (client.status !== 'ready') await waitReady(client);
		await client.ping();
	} catch (error) {
		const where = config.redisClusterNodes ?? config.redisSentinels ?? config.redisUrl.replace(/\/\/[^@]*@/, '//***@');
		throw new Error(
			`Cannot reach Redis at ${where}: ${(error as Error).message}. Start Redis there or set RELAY_REDIS_URL ` +
				'(or RELAY_REDIS_SENTINELS / RELAY_REDIS_CLUSTER_NODES).',
		);
	}
}

export interface DurabilityReport {
	appendonly?: string;
	maxmemoryPolicy?: string;
	problems: string[];
}

async function configGet(client: RedisClient, name: string): Promise<string | undefined> {
	const reply = (await client.call('CONFIG', 'GET', name)) as string[];
	return reply[1];
}

/**
 * An acknowledged event must survive a Redis restart (AOF) and must never be evicted to
 * make room (noeviction). Managed Redis services may forbid CONFIG; that is reported too.
 */
export async function checkDurability(client: RedisClient): Promise<DurabilityReport> {
	const report: DurabilityReport = { problems: [] };
	try {
		report.appendonly = await configGet(client, 'appendonly');
		report.maxmemoryPolicy = await configGet(client, 'maxmemory-policy');
	} catch (error) {
		report.problems.push(
			`cannot read Redis CONFIG (${(error as Error).message}); make sure appendonly is yes and maxmemory-policy is noeviction`,
		);
		return report;
	}
	if (report.appendonly !== 'yes') {
		report.problems.push(
			'Redis has appendonly=no: acknowledged events live only in memory until the next RDB snapshot and are lost if Redis restarts. Set "appendonly yes" (and appendfsync everysec or always).',
		);
	}
	if (report.maxmemoryPolicy !== 'noeviction') {
		report.problems.push(
			`Redis maxmemory-policy is ${report.maxmemoryPolicy}: under memory pressure Redis may evict queued events. Set "maxmemory-policy noeviction".`,
		);
	}
	return report;
}

export function logDurability(logger: Logger, report: DurabilityReport): void {
	for (const problem of report.problems) logger.warn({ redis: report }, `DURABILITY WARNING: ${problem}`);
}
