/**
 * The relay's configuration: environment variables (RELAY_*) over an optional JSON file
 * (RELAY_CONFIG_FILE), validated with zod. Every default is chosen so that a relay started
 * with no configuration at all runs safely on loopback against Redis on 127.0.0.1:6379.
 */
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import { reconcilers } from '../../nodes/providers/reconcilers';
import { webhookHandlers } from '../../nodes/providers/webhooks';
import { parseTargetRules, type TargetRule } from './targets';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "5s", "30m", "2h", "1500ms" or a bare number of milliseconds. */
export function parseDuration(text: string): number {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
	if (!match) throw new Error(`"${text}" is not a duration such as 500ms, 5s, 30m, 2h or 1d.`);
	return Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
}

/** "1mb", "512kb", "100000" (bytes). */
export function parseByteSize(text: string): number {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb)?\s*$/i.exec(text);
	if (!match) throw new Error(`"${text}" is not a size such as 1mb, 512kb or 100000.`);
	const unit = (match[2] ?? 'b').toLowerCase();
	return Math.round(Number(match[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1));
}


const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const duration = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
	if (typeof value === 'number') return value;
	try {
		return parseDuration(value);
	} catch (error) {
		ctx.addIssue({ code: 'custom', message: (error as Error).message });
		return z.NEVER;
	}
});
const boolean = z
	.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no', ''])])
	.transform((value) => value === true || value === 'true' || value === '1' || value === 'yes');

/**
 * A source's reconciliation sweep. The credential stays in the configuration (never logged:
 * the relay logs source ids and types only, and a ConfigError names fields, not values).
 */
const reconcileSchema = z
	.object({
		/** How often to sweep; at least the provider's published polling limit. */
		interval: duration,
		/** How far before the last sweep's start the next one looks again (late-listed changes). */
		overlap: duration.default(5 * 60_000),
		baseUrl: z.string().url('reconcile.baseUrl must be an http(s) URL such as https://demo.docusign.net').refine((url) => /^https?:\/\//.test(url), {
			message: 'reconcile.baseUrl must start with http:// or https://',
		}),
		accessToken: z.string().min(1).optional(),
		apiKey: z.string().min(1).optional(),
		accountId: z.string().min(1).optional(),
	})
	.strict();

export type ReconcileConfig = z.output<typeof reconcileSchema>;

export const sourceSchema = z.object({
	id: z
		.string()
		.regex(/^[A-Za-z0-9_-]{1,64}$/, 'a source id is 1-64 letters, digits, "_" or "-" (it is the URL path)'),
	type: z.string().refine((type) => type in webhookHandlers, {
		message: `unknown provider type; known types: ${Object.keys(webhookHandlers).join(', ')}`,
	}),
	secrets: z
		.array(z.string().min(1, 'a secret cannot be empty'))
		.min(1, 'give at least one secret (several during a rotation)'),
	options: z.unknown().optional(),
	/** Periodic reconciliation through the provider's API (docs/relay.md, "Reconciliation"); off when absent. */
	reconcile: reconcileSchema.optional(),
	/**
	 * Deliver the completion only once its signed file can be downloaded (providers with a
	 * file-ready event: Dropbox Sign), or after `maxWait` at the latest. See completion-hold.ts.
	 */
	holdCompletion: z
		.object({ maxWait: duration.default(10 * 60_000) })
		.strict()
		.transform(({ maxWait }) => ({ maxWaitMs: maxWait }))
		.refine(({ maxWaitMs }) => maxWaitMs >= 1000 && maxWaitMs <= 24 * 3_600_000, { message: 'holdCompletion.maxWait is 1s to 24h' })
		.optional(),
});

export type SourceConfig = z.infer<typeof sourceSchema>;

const configSchema = z.object({
	host: z.string().min(1).default('127.0.0.1'),
	port: z.coerce.number().int().min(0).max(65535).default(8787),
	/** Admin API bearer token; generated and shared through Redis when unset. */
	apiToken: z.string().min(16, 'RELAY_API_TOKEN must be at least 16 characters').optional(),
	redisUrl: z.string().regex(/^rediss?:\/\//, 'RELAY_REDIS_URL must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
	/** "host:port,host:port" of Sentinels; with redisSentinelName, replaces redisUrl's host. */
	redisSentinels: z.string().optional(),
	redisSentinelName: z.string().default('mymaster'),
	/** Credentials of the Sentinels themselves (`requirepass` in sentinel.conf), when they have one. */
	redisSentinelUsername: z.string().min(1).optional(),
	redisSentinelPassword: z.string().min(1).optional(),
	/** TLS to the Sentinels too (the data connections use TLS when RELAY_REDIS_URL is rediss://). */
	redisSentinelTls: boolean.default(false),
	/** PEM file of the CA that signed Redis's (and the Sentinels') TLS certificates; the system CAs otherwise. */
	redisTlsCaFile: z.string().min(1).optional(),
	/** "host:port,host:port" of Cluster nodes; a prefix without a {hash tag} spreads the keys over the masters. */
	redisClusterNodes: z.string().optional(),
	redisPrefix: z
		.string()
		.min(1)
		.regex(/^[^\s]+$/, 'RELAY_REDIS_PREFIX cannot contain spaces')
		.default('esign-relay:'),
	strictDurability: boolean.default(false),
	/**
	 * Replicas that must have an event before it is acknowledged (Redis WAIT); 0 = the
	 * master's write alone. See docs/relay.md, "Replicated Redis".
	 */
	ackReplicas: nonNegativeInt.max(16).default(0),
	/** How long an ingest waits for those replicas before answering 503 (the provider retries). */
	ackReplicaTimeoutMs: duration.default(1_000),
	sources: z.array(sourceSchema).default([]),
	bodyLimitBytes: z
		.union([z.number().int().positive(), z.string()])
		.transform((value, ctx) => {
			if (typeof value === 'number') return value;
			try {
				return parseByteSize(value);
			} catch (error) {
				ctx.addIssue({ code: 'custom', message: (error as Error).message });
				return z.NEVER;
			}
		})
		.default(1024 * 1024),
	dedupWindowMs: duration.default(72 * 3_600_000),
	eventRetentionMs: duration.default(7 * 86_400_000),
	/**
	 * How long the process that acknowledged an event has to fan it out before any other
	 * relay takes the job over (it is normally done within milliseconds).
	 */
	fanoutLeaseMs: duration.default(10_000),
	/** How many subscriptions a subscriber token may own unless its own cap says otherwise. */
	tokenMaxSubscriptions: positiveInt.default(1000),
	/** Delays before each retry; attempts = schedule length + 1. */
	retrySchedule: z
		.union([z.array(z.union([z.number(), z.string()])), z.string()])
		.transform((value, ctx) => {
			const items = typeof value === 'string' ? value.split(',').filter((item) => item.trim() !== '') : value;
			try {
				return items.map((item) => (typeof item === 'number' ? item : parseDuration(item)));
			} catch (error) {
				ctx.addIssue({ code: 'custom', message: (error as Error).message });
				return z.NEVER;
			}
		})
		.default([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]),
	/** Each retry delay is multiplied by a random factor in [1 - jitter, 1 + jitter]. */
	retryJitter: z.coerce.number().min(0).max(1).default(0.2),
	deliveryTimeoutMs: duration.default(10_000),
	maxInFlight: positiveInt.max(1000).default(4),
	/** Deliveries per second per subscription; 0 = no limit beyond maxInFlight. */
	rateLimitPerSecond: nonNegativeInt.default(0),
	/** How long a subscription's queue pauses after a 429/503 without Retry-After, or a timeout. */
	slowDownMs: duration.default(5_000),
	circuitFailureThreshold: positiveInt.default(5),
	circuitCooldownMs: duration.default(30_000),
	allowedTargets: z
		.union([z.array(z.string()), z.string()])
		.transform((value, ctx) => {
			const items = typeof value === 'string' ? value.split(',') : value;
			try {
				return parseTargetRules(items.map((item) => item.trim()).filter((item) => item !== ''));
			} catch (error) {
				ctx.addIssue({ code: 'custom', message: (error as Error).message });
				return z.NEVER;
			}
		})
		.default(parseTargetRules(['loopback', 'private'])),
	/** Delivered jobs kept per subscription for the API (the dead letters are always kept). */
	keepDelivered: nonNegativeInt.default(1000),
	shutdownTimeoutMs: duration.default(30_000),
	/**
	 * Slow clients: the time a client has to send its request headers, and the whole request,
	 * before the socket is closed (a slow-loris holds sockets open otherwise: Node's defaults are
	 * 60 s and 300 s), and how many connections the server holds at once.
	 */
	headersTimeoutMs: duration.default(10_000),
	requestTimeoutMs: duration.default(30_000),
	maxConnections: positiveInt.default(1024),
	/** Slack-compatible webhook (POST {"text"}) for operational alerts; off when unset. */
	alertWebhookUrl: z.string().url('RELAY_ALERT_WEBHOOK_URL must be an http(s) URL').optional(),
	/** A source's rejections in one minute (all processes) beyond which an alert is sent. */
	alertRejectionsPerMinute: positiveInt.default(50),
	/** The same alert (same kind and subject) is sent at most once per this window, across processes. */
	alertDedupWindowMs: duration.default(15 * 60_000),
	/** Alerts sent per minute at most, across processes; the rest are dropped (and counted). */
	alertMaxPerMinute: positiveInt.default(10),
	logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RelayConfig = z.output<typeof configSchema> & { allowedTargets: TargetRule[] };
export type RelayConfigInput = z.input<typeof configSchema>;

/** Environment variable for each setting; the JSON file uses the setting names themselves. */
export const ENV_NAMES: Record<keyof z.input<typeof configSchema>, string> = {
	host: 'RELAY_HOST',
	port: 'RELAY_PORT',
	apiToken: 'RELAY_API_TOKEN',
	redisUrl: 'RELAY_REDIS_URL',
	redisSentinels: 'RELAY_REDIS_SENTINELS',
	redisSentinelName: 'RELAY_REDIS_SENTINEL_NAME',
	redisSentinelUsername: 'RELAY_REDIS_SENTINEL_USERNAME',
	redisSentinelPassword: 'RELAY_REDIS_SENTINEL_PASSWORD',
	redisSentinelTls: 'RELAY_REDIS_SENTINEL_TLS',
	redisTlsCaFile: 'RELAY_REDIS_TLS_CA_FILE',
	redisClusterNodes: 'RELAY_REDIS_CLUSTER_NODES',
	redisPrefix: 'RELAY_REDIS_PREFIX',
	strictDurability: 'RELAY_STRICT_DURABILITY',
	ackReplicas: 'RELAY_ACK_REPLICAS',
	ackReplicaTimeoutMs: 'RELAY_ACK_TIMEOUT',
	sources: 'RELAY_SOURCES',
	bodyLimitBytes: 'RELAY_BODY_LIMIT',
	dedupWindowMs: 'RELAY_DEDUP_WINDOW',
	eventRetentionMs: 'RELAY_EVENT_RETENTION',
	fanoutLeaseMs: 'RELAY_FANOUT_LEASE',
	tokenMaxSubscriptions: 'RELAY_TOKEN_MAX_SUBSCRIPTIONS',
	retrySchedule: 'RELAY_RETRY_SCHEDULE',
	retryJitter: 'RELAY_RETRY_JITTER',
	deliveryTimeoutMs: 'RELAY_DELIVERY_TIMEOUT',
	maxInFlight: 'RELAY_MAX_IN_FLIGHT',
	rateLimitPerSecond: 'RELAY_RATE_LIMIT_PER_SECOND',
	slowDownMs: 'RELAY_SLOW_DOWN',
	circuitFailureThreshold: 'RELAY_CIRCUIT_FAILURE_THRESHOLD',
	circuitCooldownMs: 'RELAY_CIRCUIT_COOLDOWN',
	allowedTargets: 'RELAY_ALLOWED_TARGETS',
	keepDelivered: 'RELAY_KEEP_DELIVERED',
	shutdownTimeoutMs: 'RELAY_SHUTDOWN_TIMEOUT',
	headersTimeoutMs: 'RELAY_HEADERS_TIMEOUT',
	requestTimeoutMs: 'RELAY_REQUEST_TIMEOUT',
	maxConnections: 'RELAY_MAX_CONNECTIONS',
	alertWebhookUrl: 'RELAY_ALERT_WEBHOOK_URL',
	alertRejectionsPerMinute: 'RELAY_ALERT_REJECTIONS_PER_MINUTE',
	alertDedupWindowMs: 'RELAY_ALERT_DEDUP_WINDOW',
	alertMaxPerMinute: 'RELAY_ALERT_MAX_PER_MINUTE',
	logLevel: 'RELAY_LOG_LEVEL',
};

export class ConfigError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ConfigError';
	}
}

function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
	const result: Record<string, unknown> = {};
	for (const [key, name] of Object.entries(ENV_NAMES)) {
		const value = env[name];
		if (value === undefined || value === '') continue;
		if (key === 'sources') {
			try {
				result[key] = JSON.parse(value);
			} catch {
				throw new ConfigError(
					`RELAY_SOURCES is not valid JSON. Example: RELAY_SOURCES='[{"id":"signnow","type":"signnow","secrets":["<secret key>"]}]'`,
				);
			}
			continue;
		}
		result[key] = value;
	}
	return result;
}

function readFile(path: string): Record<string, unknown> {
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		throw new ConfigError(`Cannot read RELAY_CONFIG_FILE ${path}: ${(error as Error).message}`);
	}
	try {
		const parsed = JSON.parse(text) as unknown;
		if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
		return parsed as Record<string, unknown>;
	} catch (error) {
		throw new ConfigError(`RELAY_CONFIG_FILE ${path} must hold a JSON object: ${(error as Error).message}`);
	}
}

function describeIssue(issue: z.core.$ZodIssue): string {
	const [key, ...rest] = issue.path.map(String);
	const env = ENV_NAMES[key as keyof typeof ENV_NAMES];
	const where = env ? `${env}${rest.length ? ` (${[key, ...rest].join('.')})` : ''}` : issue.path.join('.') || 'config';
	return `- ${where}: ${issue.message}`;
}

/** The option that sets each provider's replay window, for a message a person can act on. */
const WINDOW_OPTION: Record<string, string> = {
	documenso: 'options.toleranceSeconds',
	'standard-webhooks': 'options.toleranceSeconds',
	'generic-hmac': 'options.timestampHeader (+ toleranceSeconds) or options.maxAgePath (+ maxAgeSeconds)',
};

/**
 * A signed message is accepted for `windowSeconds` after it is first accepted; its id is
 * remembered for the dedup window. A copy replayed after the id is forgotten but while the
 * message is still accepted would be delivered again as a new event, so the relay refuses to
 * start with such a source.
 */
function checkReplayWindow(source: SourceConfig, windowSeconds: number, dedupWindowMs: number): void {
	if (windowSeconds * 1000 < dedupWindowMs) return;
	const setting =
		source.type === 'docuseal'
			? 'options.toleranceSeconds (HMAC mode) or options.maxAgeSeconds (header mode)'
			: (WINDOW_OPTION[source.type] ?? 'options.maxAgeSeconds');
	const accepted = Number.isFinite(windowSeconds)
		? `up to ${windowSeconds}s after it was first accepted`
		: 'for ever (nothing signed in it is checked for age)';
	throw new ConfigError(
		`Invalid relay configuration:\n- RELAY_SOURCES (source "${source.id}", ${setting}): a signed ${source.type} message is accepted ${accepted}, ` +
			`which is not shorter than RELAY_DEDUP_WINDOW (${dedupWindowMs / 1000}s): a captured copy could be replayed once its id is forgotten. ` +
			`Lower ${setting.split(' ')[0]} or raise RELAY_DEDUP_WINDOW.`,
	);
}

/**
 * What RELAY_SOURCES checks beyond the schema, for one source: the reserved id, the provider's
 * options and its replay window. Shared with the sources added from the console
 * (source-store.ts), so a source is valid in Redis exactly when it would be in RELAY_SOURCES.
 */
export function checkSource(source: SourceConfig, dedupWindowMs: number): void {
	if (source.id === 'relay-test') {
		throw new ConfigError('Invalid relay configuration:\n- RELAY_SOURCES: the source id "relay-test" is reserved for the relay\'s own test events');
	}
	const handler = webhookHandlers[source.type];
	let options: unknown;
	try {
		options = handler.parseOptions(source.options);
	} catch (error) {
		throw new ConfigError(
			`Invalid relay configuration:\n- RELAY_SOURCES (source "${source.id}", options): ${(error as Error).message}`,
		);
	}
	checkReplayWindow(source, handler.replayWindowSeconds(options), dedupWindowMs);
	if (source.reconcile) checkReconcile(source, source.reconcile, dedupWindowMs);
}

/**
 * A sweep needs a reconciler for the source's type, the credential fields that provider needs,
 * an interval no shorter than the provider's published polling limit, and an overlap shorter
 * than the dedup window (state marks older than that are forgotten, so a wider look back could
 * report a change twice).
 */
function checkReconcile(source: SourceConfig, reconcile: ReconcileConfig, dedupWindowMs: number): void {
	const where = `RELAY_SOURCES (source "${source.id}", reconcile)`;
	const reconciler = reconcilers[source.type];
	if (!reconciler) {
		throw new ConfigError(
			`Invalid relay configuration:\n- ${where}: the relay cannot reconcile ${source.type} sources; it can reconcile ${Object.keys(reconcilers).join(', ')}`,
		);
	}
	try {
		reconciler.checkCredentials(reconcile);
	} catch (error) {
		throw new ConfigError(`Invalid relay configuration:\n- ${where}: ${(error as Error).message}`);
	}
	if (reconcile.interval < reconciler.minIntervalMs) {
		throw new ConfigError(
			`Invalid relay configuration:\n- ${where}.interval: ${reconcile.interval / 60_000} min is shorter than ${source.type}'s polling limit of ${reconciler.minIntervalMs / 60_000} min (${reconciler.reference})`,
		);
	}
	if (reconcile.overlap + reconcile.interval >= dedupWindowMs) {
		throw new ConfigError(
			`Invalid relay configuration:\n- ${where}.overlap: interval + overlap must be shorter than RELAY_DEDUP_WINDOW (${dedupWindowMs / 1000}s), or a change could be reported twice`,
		);
	}
}

/**
 * Builds the configuration from the environment (and the file it names), or throws a
 * ConfigError that lists every wrong value with the variable to fix.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<RelayConfigInput> = {}): RelayConfig {
	const fromFile = env.RELAY_CONFIG_FILE ? readFile(env.RELAY_CONFIG_FILE) : {};
	const input = { ...fromFile, ...readEnv(env), ...overrides };
	const parsed = configSchema.safeParse(input);
	if (!parsed.success) {
		throw new ConfigError(`Invalid relay configuration:\n${parsed.error.issues.map(describeIssue).join('\n')}`);
	}
	const config = parsed.data;
	const ids = new Set<string>();
	for (const source of config.sources) {
		if (ids.has(source.id)) throw new ConfigError(`Invalid relay configuration:\n- RELAY_SOURCES: source id "${source.id}" appears twice`);
		ids.add(source.id);
		checkSource(source, config.dedupWindowMs);
	}
	// A Cluster no longer needs a {hash tag} in the prefix: the keys carry their own tags and no
	// script spans two slots (redis.ts, Keys). A prefix with a tag still works (every key in one
	// slot, as the previous layout required); the relay warns at start-up (App.start).
	if (config.redisSentinelTls && !config.redisSentinels) {
		throw new ConfigError('Invalid relay configuration:\n- RELAY_REDIS_SENTINEL_TLS: only means something with RELAY_REDIS_SENTINELS');
	}
	if (config.redisTlsCaFile) {
		try {
			readFileSync(config.redisTlsCaFile);
		} catch (error) {
			throw new ConfigError(`Invalid relay configuration:\n- RELAY_REDIS_TLS_CA_FILE: cannot read ${config.redisTlsCaFile}: ${(error as Error).message}`);
		}
	}
	if (config.fanoutLeaseMs < 100) throw new ConfigError('Invalid relay configuration:\n- RELAY_FANOUT_LEASE: must be at least 100ms');
	if (config.deliveryTimeoutMs < 1) throw new ConfigError('Invalid relay configuration:\n- RELAY_DELIVERY_TIMEOUT: must be at least 1ms');
	if (config.headersTimeoutMs < 1 || config.requestTimeoutMs < 1) {
		throw new ConfigError('Invalid relay configuration:\n- RELAY_HEADERS_TIMEOUT / RELAY_REQUEST_TIMEOUT: must be at least 1ms');
	}
	if (config.headersTimeoutMs > config.requestTimeoutMs) {
		throw new ConfigError(
			'Invalid relay configuration:\n- RELAY_HEADERS_TIMEOUT: must not be longer than RELAY_REQUEST_TIMEOUT (the headers are part of the request)',
		);
	}
	return config as RelayConfig;
}
