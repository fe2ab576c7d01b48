/**
 * Redis connections and key names. Every key the relay writes starts with the configured
 * prefix, so several relays (or test runs) can share one Redis without touching each other.
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

import type { RelayConfig } from './config';

export type RedisClient = Redis | Cluster;

export class Keys {
	constructor(readonly prefix: string) {}

	/** BullMQ's own prefix (it appends `:<queue>:…`). */
	get bull(): string {
		return `${this.prefix}bull`;
	}
	dedup(eventId: string): string {
		return `${this.prefix}dedup:${eventId}`;
	}
	event(eventId: string): string {
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
