/**
 * Redis connections and key names. Every key the relay writes starts with the configured
 * prefix, so several relays (or test runs) can share one Redis without touching each other.
 */
import { readFileSync } from 'node:fs';

import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

import type { RelayConfig } from './config';

export type RedisClient = Redis | Cluster;

/** Scheduling shards on a Cluster (see Keys.scheduleShards): 3, 8 and 5 of them on a 3-master Cluster's even slot split. */
export const CLUSTER_SCHEDULE_SHARDS = 16;

/**
 * Redis's hash-tag rule: a key's slot is computed from the text between its first `{` and the
 * next `}`, if that text is not empty; else from the whole key.
 */
export function hashTagOf(text: string): string | undefined {
	const open = text.indexOf('{');
	if (open < 0) return undefined;
	const close = text.indexOf('}', open + 1);
	return close > open + 1 ? text.slice(open + 1, close) : undefined;
}

/** Which of `count` shards a subscription's scheduling entries live in (FNV-1a of its id). */
export function shardOf(id: string, count: number): number {
	if (count <= 1) return 0;
	let hash = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) {
		hash ^= id.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0) % count;
}

/**
 * Key names, and through their hash tags, where each key lives on a Redis Cluster.
 *
 * - Per source, `{src:<id>}`: dedup keys, stored events, the outbox. The ingest script and the
 *   outbox claim touch only these: one slot per source.
 * - Per subscription, `{d:<id>}` (delivery-store.ts): its queue, deliveries, pause, rate window
 *   and breaker. Every delivery script touches only these: one slot per subscription.
 * - The registry: subscriptions, their version counter, tokens and token ownership, the admin
 *   token and the set of sources that ever had an outbox. Written on subscription and token
 *   changes only (rare), and updated together by scripts, so one slot: `{registry}`.
 * - The scheduling index (subscriptions with work, subscriptions with dead letters): written
 *   at every enqueue and every outcome, so on a Cluster it is split into CLUSTER_SCHEDULE_SHARDS
 *   shards, `{sched:<n>}`, a subscription always in the same one; no script touches two.
 *
 * A fan-out spans a source's slot and its subscriptions' slots: it is not atomic but
 * idempotent (the outbox entry stays until every delivery is added; a delivery is created
 * once per id), so a crash half-way is finished by the next sweep.
 *
 * Spread only applies on a Cluster whose prefix has no hash tag. With a tag in the prefix
 * (`{relay}:`, what the relay required before) Redis hashes that tag for every key and all of
 * them share one slot; on a single Redis or under Sentinel slots mean nothing. In both cases
 * the registry and the index keep the names of the previous layout, so an upgrade finds them.
 */
export class Keys {
	/** Whether the keys of the previous, unscoped layout can share a slot with the new ones. */
	readonly legacyInSlot: boolean;
	/** A Cluster whose prefix has no hash tag: keys spread over its slots (and masters). */
	readonly spread: boolean;
	/** A Cluster whose prefix has a hash tag: every key in one slot, on one master. */
	readonly pinned: boolean;
	/** How many shards the scheduling index has (1: the previous layout's single keys). */
	readonly scheduleShards: number;
	private readonly registryBase: string;

	constructor(
		readonly prefix: string,
		options: { cluster?: boolean } = {},
	) {
		const tagged = hashTagOf(prefix) !== undefined;
		// The old layout (dedup:<id> beside subscriptions:version in one script) only ran on a
		// Cluster with a hash-tagged prefix; without a tag no old keys can exist there.
		this.legacyInSlot = !options.cluster || tagged;
		this.spread = Boolean(options.cluster) && !tagged;
		this.pinned = Boolean(options.cluster) && tagged;
		this.scheduleShards = this.spread ? CLUSTER_SCHEDULE_SHARDS : 1;
		this.registryBase = this.spread ? `${prefix}{registry}:` : prefix;
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
	/** Any other key of one source (in its slot), e.g. the completion hold's markers. */
	sourceKey(source: string, name: string): string {
		return `${this.source(source)}:${name}`;
	}
	/** One source's events stored but not yet fanned out (sorted set: event id → lease deadline). */
	outbox(source: string): string {
		return `${this.source(source)}:outbox`;
	}
	/**
	 * Reconciliation: the mark that a document of this source reached a state (`<document
	 * id>:<state>`), set by whichever of webhook and sweep reports it first (expires after the
	 * dedup window); in the source's slot, so the ingest script reads it with the dedup key.
	 */
	reconcileState(source: string, state: string): string {
		return `${this.source(source)}:state:${state}`;
	}
	/** Reconciliation: where the next sweep of this source starts (epoch ms). */
	reconcileCursor(source: string): string {
		return `${this.source(source)}:reconcile:cursor`;
	}
	/** Reconciliation: when this source first reconciled (epoch ms); no sweep looks before it. */
	reconcileFrom(source: string): string {
		return `${this.source(source)}:reconcile:from`;
	}
		/** Reconciliation: held by the one process sweeping this source. */
	reconcileLease(source: string): string {
		return `${this.source(source)}:reconcile:lease`;
	}
	/** Alerts: one key per alert subject, set NX so one process sends it once per window. */
	alertSent(key: string): string {
		return `${this.prefix}alerts:sent:${key}`;
	}
	/** Alerts: this minute's count of alerts sent (the rate limit), or of a source's rejections. */
	alertCount(bucket: string): string {
		return `${this.prefix}alerts:count:${bucket}`;
	}
	/**
	 * The ids of every source that had an outbox (registered at start-up, before any ingest),
	 * so the sweep still finishes a source removed from RELAY_SOURCES with events pending.
	 */
	get outboxSources(): string {
		return `${this.registryBase}outbox-sources`;
	}
	/**
	 * The keys of the layout before sources were namespaced, read (never written) so that an
	 * upgrade takes what the old relay stored for a duplicate. Remove once every relay has run
	 * the scoped layout for one dedup window.
	 */
	/**
	 * One source's events of one document (sorted set: event id → received at), for the
	 * console's timeline; expires with the events (RELAY_EVENT_RETENTION).
	 */
	documentEvents(source: string, documentId: string): string {
		return `${this.source(source)}:doc:${documentId}`;
	}
	/** One source's documents by their latest event (sorted set: document id → received at), for the console's list. */
	documents(source: string): string {
		return `${this.source(source)}:docs`;
	}
	legacyDedup(eventId: string): string {
		return `${this.prefix}dedup:${eventId}`;
	}
	legacyEvent(eventId: string): string {
		return `${this.prefix}event:${eventId}`;
	}
	get subscriptions(): string {
		return `${this.registryBase}subscriptions`;
	}
	/** Incremented by every subscription change; read by the fan-out before it lists subscriptions. */
	get subscriptionsVersion(): string {
		return `${this.registryBase}subscriptions:version`;
	}
	/** A pub/sub channel, not a key: Cluster broadcasts it to every node whatever its name. */
	get subscriptionsChannel(): string {
		return `${this.prefix}subscriptions:changed`;
	}
	circuit(target: string): string {
		return `${this.prefix}circuit:${target}`;
	}
	circuitProbe(target: string): string {
		return `${this.prefix}circuit-probe:${target}`;
	}
	/** Sources added from the console (hash: id → record), beside the read-only RELAY_SOURCES. */
	get sources(): string {
		return `${this.prefix}sources`;
	}
	/** Incremented by every change of a stored source; every process checks it (and listens on the channel). */
	get sourcesVersion(): string {
		return `${this.prefix}sources:version`;
	}
	get sourcesChannel(): string {
		return `${this.prefix}sources:changed`;
	}
	/** Per-minute counters (hash: field → count) every relay process adds to, for the console's chart. */
	statsMinute(minute: number): string {
		return `${this.prefix}stats:${minute}`;
	}
	get adminToken(): string {
		return `${this.registryBase}admin-token`;
	}
	/** Subscriber tokens: hash of token id → record (name, cap, SHA-256 of the token). */
	get tokens(): string {
		return `${this.registryBase}tokens`;
	}
	/** The ids of the subscriptions a subscriber token owns (its cap is this set's size). */
	tokenSubscriptions(tokenId: string): string {
		return `${this.registryBase}token-subscriptions:${tokenId}`;
	}
	/** The ready index's shards (ready.ts), one key each. */
	get readyShards(): string[] {
		if (!this.spread) return [`${this.prefix}deliveries:ready`];
		return Array.from({ length: this.scheduleShards }, (_, n) => `${this.prefix}{sched:${n}}:ready`);
	}
	/** Sets of the subscriptions that have dead letters (for the queue-depth metric), sharded as the ready index. */
	get deadShards(): string[] {
		if (!this.spread) return [`${this.prefix}deliveries:dead`];
		return Array.from({ length: this.scheduleShards }, (_, n) => `${this.prefix}{sched:${n}}:dead`);
	}
}

function hostPorts(list: string): Array<{ host: string; port: number }> {
	return list.split(',').map((item) => {
		const [host, port] = item.trim().split(':');
		return { host, port: Number(port || 6379) };
	});
}

/** `job-adds`: the fan-out's delivery adds, pipelined like ingest but apart from it, so an acknowledgement never waits behind a large fan-out. */
export type ConnectionRole = 'ingest' | 'job-adds' | 'command' | 'worker' | 'subscriber';

/** TLS settings from the URL scheme and RELAY_REDIS_TLS_CA_FILE (read once, at start-up). */
function tlsOptions(config: RelayConfig): RedisOptions['tls'] {
	if (!config.redisUrl.startsWith('rediss:')) return undefined;
	return config.redisTlsCaFile ? { ca: readFileSync(config.redisTlsCaFile) } : {};
}

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
 *
 * Every connection reports its errors through the relay's logger: without a listener ioredis
 * prints "Unhandled error event" to stderr, outside the JSON log, once per reconnect attempt.
 */
export function createRedis(config: RelayConfig, role: ConnectionRole, logger?: Logger): RedisClient {
	const client = buildClient(config, role);
	if (logger) {
		const log = logger.child({ redis: role });
		let lastMessage = '';
		client.on('error', (error: Error) => {
			// One line per distinct error while Redis stays down, not one per retry.
			if (error.message === lastMessage) return;
			lastMessage = error.message;
			log.warn({ err: error }, 'Redis connection error');
		});
		client.on('ready', () => {
			if (lastMessage) log.info('Redis connection ready again');
			lastMessage = '';
		});
		if (client instanceof Cluster) {
			client.on('node error', (error: Error, address: string) => log.warn({ err: error, node: address }, 'Redis Cluster node error'));
			client.on('+failover', () => log.warn('Redis Cluster failover detected'));
		} else {
			client.on('+switch-master' as never, () => log.warn('Redis Sentinel switched master'));
		}
	}
	return client;
}

function buildClient(config: RelayConfig, role: ConnectionRole): RedisClient {
	const failFast = role === 'ingest' || role === 'job-adds' || role === 'command';
	const autoPipelining = role === 'ingest' || role === 'job-adds';
	const url = new URL(config.redisUrl);
	const options: RedisOptions = {
		maxRetriesPerRequest: failFast ? 1 : null,
		enableOfflineQueue: !failFast,
		commandTimeout: failFast ? 5_000 : undefined,
		connectTimeout: 5_000,
		lazyConnect: true,
		enableAutoPipelining: autoPipelining,
		retryStrategy: (times) => Math.min(times * 200, 2_000),
		username: url.username ? decodeURIComponent(url.username) : undefined,
		password: url.password ? decodeURIComponent(url.password) : undefined,
		tls: tlsOptions(config),
	};
	if (config.redisClusterNodes) {
		return new Cluster(hostPorts(config.redisClusterNodes), {
			redisOptions: options,
			enableOfflineQueue: !failFast,
			enableAutoPipelining: autoPipelining,
			lazyConnect: true,
			// While a slot's master is down (until its replica is promoted, a few seconds), a
			// fail-fast connection answers at once, so ingest says 503 within ~100 ms instead of
			// hanging through ioredis' default of 16 redirections 100 ms apart.
			maxRedirections: failFast ? 3 : 16,
			retryDelayOnFailover: failFast ? 20 : 100,
			retryDelayOnClusterDown: failFast ? 20 : 100,
			retryDelayOnTryAgain: failFast ? 20 : 100,
			slotsRefreshTimeout: 2_000,
			clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
		});
	}
	const common: RedisOptions = { ...options, db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0 };
	if (config.redisSentinels) {
		return new Redis({
			...common,
			sentinels: hostPorts(config.redisSentinels),
			name: config.redisSentinelName,
			sentinelUsername: config.redisSentinelUsername,
			sentinelPassword: config.redisSentinelPassword,
			enableTLSForSentinelMode: config.redisSentinelTls,
			sentinelTLS: config.redisSentinelTls ? (tlsOptions(config) ?? {}) : undefined,
			// Sentinel announces a switch on its pub/sub channel: reconnect to the new master at
			// once instead of writing to the old one until it is demoted (and drops those writes).
			failoverDetector: true,
		});
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

/** The write reached fewer replicas than RELAY_ACK_REPLICAS within RELAY_ACK_TIMEOUT: not acknowledged. */
export class ReplicationLag extends Error {
	constructor(
		readonly acknowledged: number,
		readonly wanted: number,
		readonly timeoutMs: number,
	) {
		super(`the write reached ${acknowledged} of ${wanted} Redis replicas within ${timeoutMs} ms`);
		this.name = 'ReplicationLag';
	}
}

/**
 * Waits until the writes made so far on the connection that owns `key` have reached
 * `replicas` replicas (Redis WAIT), or throws ReplicationLag. WAIT counts the writes of the
 * connection it is sent on, so on a Cluster it goes to the pool connection of the key's
 * master: the same connection the cluster used for the write.
 *
 * Why: a replica promoted during a failover has only what was replicated to it; a write the
 * old master acknowledged but never sent on is gone when the old master is demoted. With a
 * replica's acknowledgement before the 2xx, an acknowledged event survives the failover.
 */
export async function waitForReplicas(client: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<void> {
	if (replicas <= 0) return;
	let node: RedisClient = client;
	if (client instanceof Cluster) {
		const [address] = client.slots[calculateSlot(key)] ?? [];
		const owner = client.nodes('master').find((candidate) => `${candidate.options.host}:${candidate.options.port}` === address);
		if (!owner) throw new Error(`no connection to the Redis Cluster master of slot ${calculateSlot(key)}`);
		node = owner;
	}
	const acknowledged = Number(await node.call('WAIT', replicas, timeoutMs));
	if (acknowledged < replicas) throw new ReplicationLag(acknowledged, replicas, timeoutMs);
}

export interface DurabilityReport {
	appendonly?: string;
	maxmemoryPolicy?: string;
	problems: string[];
}

async function configGet(client: RedisClient | Redis, name: string): Promise<string | undefined> {
	const reply = (await client.call('CONFIG', 'GET', name)) as string[];
	return reply[1];
}

/** The servers that hold the relay's data: every master of a Cluster, or the one server. */
function dataNodes(client: RedisClient): Array<{ name: string; node: Redis }> {
	if (client instanceof Cluster) {
		return client.nodes('master').map((node) => ({ name: `${node.options.host}:${node.options.port}`, node }));
	}
	return [{ name: '', node: client }];
}

/**
 * An acknowledged event must survive a Redis restart (AOF) and must never be evicted to
 * make room (noeviction). Managed Redis services may forbid CONFIG; that is reported too.
 * On a Cluster every master is checked: each holds a share of the events.
 */
export async function checkDurability(client: RedisClient): Promise<DurabilityReport> {
	const report: DurabilityReport = { problems: [] };
	for (const { name, node } of dataNodes(client)) {
		const where = name ? ` (${name})` : '';
		let appendonly: string | undefined;
		let policy: string | undefined;
		try {
			appendonly = await configGet(node, 'appendonly');
			policy = await configGet(node, 'maxmemory-policy');
		} catch (error) {
			report.problems.push(
				`cannot read Redis CONFIG${where} (${(error as Error).message}); make sure appendonly is yes and maxmemory-policy is noeviction`,
			);
			continue;
		}
		report.appendonly ??= appendonly;
		report.maxmemoryPolicy ??= policy;
		if (appendonly !== 'yes') {
			report.appendonly = appendonly;
			report.problems.push(
				`Redis${where} has appendonly=no: acknowledged events live only in memory until the next RDB snapshot and are lost if Redis restarts. Set "appendonly yes" (and appendfsync everysec or always).`,
			);
		}
		if (policy !== 'noeviction') {
			report.maxmemoryPolicy = policy;
			report.problems.push(
				`Redis${where} maxmemory-policy is ${policy}: under memory pressure Redis may evict queued events. Set "maxmemory-policy noeviction".`,
			);
		}
	}
	return report;
}

export interface Readiness {
	ok: boolean;
	/** What is wrong, for /readyz and the operator. */
	problem?: string;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise<T>((_resolve, reject) => {
			timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
		}),
	]);
}

/**
 * Every slot's master, as the cluster itself reports it (CLUSTER SLOTS), must answer: until a
 * dead master's replica is promoted (the node timeout, then the election) the cluster still
 * names the dead master, and the keys in its slots cannot be written.
 */
async function clusterReadiness(client: Cluster, timeoutMs: number): Promise<Readiness> {
	let ranges: Array<[number, number, [string, number, ...unknown[]]]> | undefined;
	let lastError: unknown;
	for (const node of client.nodes('master')) {
		try {
			ranges = (await within(node.call('CLUSTER', 'SLOTS'), timeoutMs, 'CLUSTER SLOTS')) as typeof ranges;
			break;
		} catch (error) {
			lastError = error;
		}
	}
	if (!ranges) return { ok: false, problem: `no Redis Cluster master answers (${(lastError as Error | undefined)?.message ?? 'none known'})` };
	let covered = 0;
	const owners = new Map<string, [string, number]>();
	for (const [from, to, [host, port]] of ranges) {
		covered += to - from + 1;
		owners.set(`${host}:${port}`, [host, port]);
	}
	if (covered < 16_384) return { ok: false, problem: `${16_384 - covered} Redis Cluster slots have no master` };
	const pool = client.nodes('all');
	for (const [address, [host, port]] of owners) {
		const node = pool.find((candidate) => candidate.options.port === port && (candidate.options.host === host || address.startsWith(`${candidate.options.host}:`)));
		if (!node) {
			// A master promoted since the client last read the slot map: read it again now, so
			// the next check (and the next write) reaches it without waiting for a MOVED.
			client.refreshSlotsCache();
			return { ok: false, problem: `the relay has no connection to Redis Cluster master ${address} yet` };
		}
		try {
			await within(node.ping(), timeoutMs, `Redis Cluster master ${address}`);
		} catch (error) {
			return { ok: false, problem: `Redis Cluster master ${address} does not answer: ${(error as Error).message}` };
		}
	}
	return { ok: true };
}

/**
 * Whether the servers that own the relay's keys take writes now. A PING to any node is not
 * enough: on a Cluster the master owning a slot can be down while others answer, and under
 * Sentinel the connection can still point at a master that has been demoted to a replica.
 */
export async function readiness(client: RedisClient, timeoutMs = 1_000): Promise<Readiness> {
	try {
		if (client instanceof Cluster) return await clusterReadiness(client, timeoutMs);
		const role = (await within(client.call('ROLE'), timeoutMs, 'Redis')) as [string, ...unknown[]];
		if (role[0] !== 'master') return { ok: false, problem: `the Redis the relay is connected to is a ${role[0]}, not the master` };
		return { ok: true };
	} catch (error) {
		return { ok: false, problem: (error as Error).message };
	}
}

export function logDurability(logger: Logger, report: DurabilityReport): void {
	for (const problem of report.problems) logger.warn({ redis: report }, `DURABILITY WARNING: ${problem}`);
}
