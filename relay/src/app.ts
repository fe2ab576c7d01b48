/** Wires the relay together: Redis, queues, workers, the HTTP server, and an orderly stop. */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';

import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import pino, { type Logger } from 'pino';

import { adminRouter } from './admin';
import { Alerts } from './alerts';
import type { RelayConfig } from './config';
import { DeliveryManager } from './deliveries';
import { Fanout } from './fanout';
import { ingestHandlers } from './ingest';
import { IngestPressure } from './ingest-pressure';
import { Metrics } from './metrics';
import { openApiDocument } from './openapi';
import { Pipeline } from './pipeline';
import { Keys, checkDurability, connect, createRedis, logDurability, readiness, type RedisClient } from './redis';
import { Sender } from './sender';
import { reconcileRouter } from './reconcile-routes';
import { SubscriptionStore } from './subscriptions';
import { ReconcileSweeper } from './sweeps';
import { TokenStore } from './tokens';
import { consoleRouter } from './console';
import { SourceRegistry } from './source-store';
import { StatsRecorder } from './stats';
import { TimelineReader } from './timeline';
import { createTracing, type Tracing } from './tracing';

export const VERSION = '0.1.0';
const RECONCILE_INTERVAL_MS = 5_000;

export interface RelayOptions {
	logger?: Logger;
	/** prom-client's process metrics; off in tests that run several relays in one process. */
	processMetrics?: boolean;
}

export class StartupError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'StartupError';
	}
}

function bodyParserError(error: unknown): { status: number; code: string; message: string } | undefined {
	const type = (error as { type?: string }).type;
	if (type === 'entity.too.large') return { status: 413, code: 'too_large', message: 'The body is larger than RELAY_BODY_LIMIT.' };
	if (type === 'entity.parse.failed') return { status: 400, code: 'malformed_json', message: 'The body is not valid JSON.' };
	if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
		return { status: 415, code: 'unsupported_media_type', message: 'Unsupported content encoding or charset.' };
	}
	if (type === 'request.aborted' || type === 'request.size.invalid') return { status: 400, code: 'malformed_body', message: 'The request body was incomplete.' };
	// A body that does not decode with its Content-Encoding (gzip/br/deflate over plain bytes):
	// body-parser passes zlib's error on with status 400 and no type. The client's fault, not ours.
	const { status, code } = error as { status?: unknown; code?: unknown };
	if (status === 400 && typeof code === 'string' && /^(Z_|ERR_BROTLI|ERR__ERROR)/.test(code)) {
		return { status: 400, code: 'malformed_body', message: 'The body does not decode with its Content-Encoding.' };
	}
	return undefined;
}

/** x-request-id: the caller's when it is a plausible id, else a new one; on the answer and in the logs. */
function requestId(req: Request, res: Response): void {
	const offered = req.headers['x-request-id'];
	res.locals.reqId = typeof offered === 'string' && /^[\w.:-]{1,128}$/.test(offered) ? offered : randomUUID();
	res.setHeader('x-request-id', res.locals.reqId as string);
}

/** \`/ingest/<source>\` with an optional trailing slash and query: the source id, else undefined. */
const INGEST_PATH = /^\/ingest\/([A-Za-z0-9_-]{1,64})\/?(?:\?|$)/;
function ingestSource(url: string | undefined): string | undefined {
	// Only plain ids (all a source id can be): anything Express would have to decode goes through Express.
	return url ? INGEST_PATH.exec(url)?.[1] : undefined;
}

export class Relay {
	readonly logger: Logger;
	readonly keys: Keys;
	readonly metrics: Metrics;
	private readonly ingestConnection: RedisClient;
	/** Delivery job adds of the fan-out: kept off the ingest connection, where they would queue ahead of acknowledgements. */
	private readonly jobAdds: RedisClient;
	private readonly command: RedisClient;
	private readonly workerConnection: RedisClient;
	private readonly subscriber: RedisClient;
	private readonly sender: Sender;
	readonly subscriptions: SubscriptionStore;
	readonly tokens: TokenStore;
	readonly deliveries: DeliveryManager;
	readonly fanout: Fanout;
	readonly pipeline: Pipeline;
	/** RELAY_SOURCES and the sources added from the console (Redis). */
	readonly sources: SourceRegistry;
	readonly stats: StatsRecorder;
	readonly alerts: Alerts;
	readonly sweeper: ReconcileSweeper;
	/** Ingest requests in flight: fan-out and deliveries make room for them. */
	private readonly pressure = new IngestPressure();
	/** OpenTelemetry traces; undefined (and the SDK not loaded) with RELAY_OTEL_EXPORTER=none. */
	readonly tracing: Tracing | undefined;
	/** POST /ingest/:source: source check, body, verify-store-answer (see \`listener\`). */
	private readonly ingest: RequestHandler[];
	private server?: Server;
	private reconcileTimer?: NodeJS.Timeout;
	private stopping?: Promise<void>;
	private ready = false;
	/** The admin token in effect (configured, or generated and shared through Redis). */
	apiToken = '';
	tokenGenerated = false;

	constructor(
		readonly config: RelayConfig,
		options: RelayOptions = {},
	) {
		this.logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'esign-relay' } });
		this.keys = new Keys(config.redisPrefix, { cluster: Boolean(config.redisClusterNodes) });
		this.tracing = createTracing(config, VERSION);
		this.ingestConnection = createRedis(config, 'ingest', this.logger);
		this.jobAdds = createRedis(config, 'job-adds', this.logger);
		this.command = createRedis(config, 'command', this.logger);
		this.workerConnection = createRedis(config, 'worker', this.logger);
		this.subscriber = createRedis(config, 'subscriber', this.logger);
		this.sender = new Sender(config.allowedTargets, config.deliveryTimeoutMs, config.slowDownMs);
		this.subscriptions = new SubscriptionStore(this.command, this.keys, {
			maxInFlight: config.maxInFlight,
			rateLimitPerSecond: config.rateLimitPerSecond,
		});
		this.tokens = new TokenStore(this.command, this.keys);
		this.sources = new SourceRegistry(config.sources, this.command, this.keys, config.dedupWindowMs, (error) =>
			this.logger.warn({ err: error }, 'could not reload the sources added from the console; will try again'),
		);
		this.metrics = new Metrics(() => this.queueDepth(), options.processMetrics ?? true);
		this.stats = new StatsRecorder(this.command, this.keys);
		this.stats.attach(this.metrics);
		this.alerts = new Alerts(config, this.keys, this.command, this.metrics, this.logger);
		this.deliveries = new DeliveryManager(
			config,
			this.keys,
			this.jobAdds,
			this.command,
			this.workerConnection,
			this.subscriptions,
			this.sender,
			this.metrics,
			this.logger,
			this.alerts,
			this.pressure,
			this.tracing,
		);
		this.fanout = new Fanout(
			config,
			this.keys,
			this.command,
			this.subscriptions,
			this.deliveries,
			this.metrics,
			this.logger,
			() => this.sources.ids(),
			this.pressure,
			this.tracing,
		);
		this.pipeline = new Pipeline(config, this.keys, this.ingestConnection, this.subscriptions, this.deliveries, this.fanout, this.tracing);
		this.ingest = ingestHandlers(config, this.pipeline, this.metrics, this.logger, {
			pressure: this.pressure,
			tracing: this.tracing,
			lookup: (id) => this.sources.get(id),
			alerts: this.alerts,
		});
		this.sweeper = new ReconcileSweeper(config, this.keys, this.command, this.pipeline, this.metrics, this.logger, (source, error) =>
			this.alerts.reconcileFailed(source, error),
		);
	}

	private async queueDepth() {
		return await this.deliveries.depth();
	}

	get url(): string {
		const address = this.server?.address() as AddressInfo | null;
		if (!address) throw new Error('the relay is not listening');
		const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
		return `http://${host}:${address.port}`;
	}

	private async resolveToken(): Promise<void> {
		if (this.config.apiToken) {
			this.apiToken = this.config.apiToken;
			return;
		}
		// One token for every process on this Redis, created by whichever starts first.
		const candidate = `rly_${randomBytes(24).toString('base64url')}`;
		await this.command.set(this.keys.adminToken, candidate, 'NX');
		this.apiToken = (await this.command.get(this.keys.adminToken)) ?? candidate;
		this.tokenGenerated = true;
	}

	private app(): express.Express {
		const app = express();
		app.disable('x-powered-by');
		app.set('etag', false);
		app.use((req: Request, res: Response, next: NextFunction) => {
			requestId(req, res);
			next();
		});
		// First: the provider-facing route is the hot one; every layer before it is matched per
		// request. Requests with the canonical path do not even come here (see `listener`).
		app.post('/ingest/:source', ...this.ingest);
		app.get('/healthz', (_req, res) => {
			res.json({ ok: true });
		});
		app.get('/readyz', async (_req, res) => {
			// The ingest connection too: it has a slot map of its own (Cluster) and is what
			// providers' requests use, so "ready" means an ingest can be stored now.
			const [command, ingest] = await Promise.all([readiness(this.command), readiness(this.ingestConnection)]);
			const redis = command.ok ? ingest : command;
			const checks = { redis: redis.ok, workers: this.ready && this.deliveries.running() };
			const ok = checks.redis && checks.workers;
			res.status(ok ? 200 : 503).json({ ok, checks, ...(redis.problem ? { problem: redis.problem } : {}) });
		});
		app.get('/metrics', async (_req, res) => {
			res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
		});
		app.get('/openapi.json', (_req, res) => {
			res.json(openApiDocument(VERSION));
		});
		app.use('/console', consoleRouter());
		app.use('/v1', reconcileRouter(this.apiToken, this.tokens, this.sweeper));
		app.use(
			'/v1',
			adminRouter({
				token: this.apiToken,
				subscriptions: this.subscriptions,
				deliveries: this.deliveries,
				pipeline: this.pipeline,
				tokens: this.tokens,
				targetRules: this.config.allowedTargets,
				sources: () => this.sources.ids(),
				sourceRegistry: this.sources,
				stats: this.stats,
				timeline: new TimelineReader(this.command, this.keys, this.deliveries.store),
				tokenMaxSubscriptions: this.config.tokenMaxSubscriptions,
			}),
		);
		app.use((_req: Request, res: Response) => {
			res.status(404).json({ error: 'not_found', message: 'No such route. See GET /openapi.json.' });
		});
		// Express 5 forwards rejected async handlers here.
		app.use((error: unknown, req: Request, res: Response, next: NextFunction) => this.answerError(error, req, res, next));
		return app;
	}

	/**
	 * The server's request listener. \`POST /ingest/<source>\` (the path as providers send it) goes
	 * straight to the ingest handlers, dressed as Express dresses a request (the same
	 * prototypes, so \`res.json\`, \`req.query\` and the body parser behave the same), without the
	 * router: its per-request walk over the layers (path matching, \`next\` closures, URL
	 * re-parsing) cost more CPU than verifying and storing the event. Every other request,
	 * and any other spelling of the ingest path (case, encoding Express would decode
	 * differently), goes through Express, whose route does the same.
	 */
	private listener(app: express.Express): (req: IncomingMessage, res: ServerResponse) => void {
		const [knownSource, readBody, handle] = this.ingest;
		return (req, res) => {
			const sourceId = req.method === 'POST' ? ingestSource(req.url) : undefined;
			if (sourceId === undefined) {
				app(req, res);
				return;
			}
			const request = req as Request;
			const response = res as Response;
			request.res = response;
			response.req = request;
			Object.setPrototypeOf(request, app.request);
			Object.setPrototypeOf(response, app.response);
			response.locals = Object.create(null) as Response['locals'];
			request.params = { source: sourceId };
			requestId(request, response);
			const fail = (error: unknown) =>
				this.answerError(error, request, response, () => {
					// Headers already sent (what Express's final handler does then).
					request.socket.destroy();
				});
			const afterBody = (error?: unknown) => {
				if (error) return fail(error);
				Promise.resolve(handle(request, response, fail)).catch(fail);
			};
			const afterSource = (error?: unknown) => {
				if (error) return fail(error);
				void readBody(request, response, afterBody);
			};
			void knownSource(request, response, afterSource);
		};
	}

	private answerError(error: unknown, req: Request, res: Response, next: NextFunction): void {
			if (res.headersSent) return next(error);
			const known = bodyParserError(error);
			if (known) {
				if (req.path.startsWith('/ingest/')) {
					// Only a configured source's id is a label (ingest sets it): a label taken from the
					// path would let anyone add series without limit.
					const source = typeof res.locals.sourceId === 'string' ? res.locals.sourceId : 'unknown';
					this.metrics.rejected.inc({ source, reason: known.code });
					if (source !== 'unknown') this.alerts.rejected(source);
				}
				this.logger.warn({ reqId: res.locals.reqId, path: req.path, reason: known.code }, 'request rejected');
				res.status(known.status).json({ error: known.code, message: known.message });
				return;
			}
			const redisDown = /Connection is closed|Stream isn't writeable|ECONNREFUSED|Command timed out|enableOfflineQueue/i.test(
				String((error as Error)?.message),
			);
			this.logger.error({ reqId: res.locals.reqId, path: req.path, err: error }, 'request failed');
			res
				.status(redisDown ? 503 : 500)
				.json(redisDown ? { error: 'unavailable', message: 'Redis is unavailable; retry later.' } : { error: 'internal', message: 'Internal error; see the relay log.' });
	}

	/** Connects, checks Redis durability, starts workers, then listens. */
	async start(): Promise<void> {
		await Promise.all(this.connections().map((client) => connect(client, this.config)));
		const durability = await checkDurability(this.command);
		if (durability.problems.length > 0 && this.config.strictDurability) {
			await this.closeRedis();
			throw new StartupError(
				`RELAY_STRICT_DURABILITY is on and Redis is not durable:\n- ${durability.problems.join('\n- ')}\nFix Redis (see docs/relay.md) or unset RELAY_STRICT_DURABILITY.`,
			);
		}
		logDurability(this.logger, durability);
		const alertRefused = await this.alerts.check();
		if (alertRefused) {
			await this.closeRedis();
			// The reason names the rule, not the URL (it carries the webhook's secret).
			throw new StartupError(`RELAY_ALERT_WEBHOOK_URL is not an allowed target: ${alertRefused} (RELAY_ALLOWED_TARGETS applies to alerts as to deliveries).`);
		}
		await this.resolveToken();
		if (this.keys.pinned) {
			// A warning, not a refusal: this prefix is what the relay used to require on a Cluster,
			// and its keys (subscriptions, queues) are found only under it. See docs/relay.md.
			this.logger.warn(
				{ redisPrefix: this.config.redisPrefix },
				'RELAY_REDIS_PREFIX has a {hash tag}: on a Redis Cluster every relay key then lives in one slot, on one master (failover, no added capacity). A prefix without braces spreads them; see docs/relay.md (Redis Cluster).',
			);
		}
		// Before any ingest: a source's outbox is swept even after it leaves RELAY_SOURCES.
		await this.fanout.registerSources();
		if (this.config.sources.length === 0 && (await this.command.hlen(this.keys.sources)) === 0) {
			this.logger.warn('No sources configured: every POST /ingest/:source answers 404. Set RELAY_SOURCES (see docs/relay.md).');
		}

		await this.subscriber.subscribe(this.keys.subscriptionsChannel);
		this.subscriber.on('message', (channel: string) => {
			if (channel === this.keys.subscriptionsChannel) void this.deliveries.reconcile();
		});
		await this.sources.start(this.subscriber);
		this.stats.start((error) => this.logger.warn({ err: error }, 'could not write the console counters; will try again'));
		await this.deliveries.reconcile();
		this.reconcileTimer = setInterval(() => void this.deliveries.reconcile(), RECONCILE_INTERVAL_MS);
		this.reconcileTimer.unref();
		this.fanout.start();
		this.alerts.start();
		await this.sweeper.start();

		this.server = createServer(
			{
				// Slow clients (slow-loris): headers and the whole request get a deadline, checked
				// often enough that a deadline of a few seconds holds.
				headersTimeout: this.config.headersTimeoutMs,
				requestTimeout: this.config.requestTimeoutMs,
				connectionsCheckingInterval: Math.min(1_000, this.config.headersTimeoutMs),
			},
			this.listener(this.app()),
		);
		this.server.keepAliveTimeout = 65_000;
		// Sockets beyond the cap are closed on arrival, before they cost more than an accept.
		this.server.maxConnections = this.config.maxConnections;
		this.server.on('clientError', answerUnparsableRequest);
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(this.config.port, this.config.host, () => {
				this.server!.off('error', reject);
				resolve();
			});
		});
		// After listening, errors are the server's own (EMFILE on accept: out of file
		// descriptors); they pass, and the server keeps accepting once descriptors free up.
		this.server.on('error', (error) => this.logger.error({ err: error }, 'HTTP server error'));
		this.ready = true;
		this.logger.info(
			{ url: this.url, sources: this.sources.views().map((s) => `${s.id} (${s.type}, ${s.origin})`), prefix: this.config.redisPrefix },
			'esign-relay listening',
		);
	}

	/**
	 * Stops accepting requests, lets in-flight requests and deliveries finish (or gives up
	 * after RELAY_SHUTDOWN_TIMEOUT; unfinished jobs are picked up again by any relay), then
	 * closes Redis. Idempotent.
	 */
	stop(): Promise<void> {
		this.stopping ??= this.doStop();
		return this.stopping;
	}

	private async doStop(): Promise<void> {
		this.ready = false;
		if (this.reconcileTimer) clearInterval(this.reconcileTimer);
		const server = this.server;
		const serverClosed = server
			? new Promise<void>((resolve) => server.close(() => resolve()))
			: Promise.resolve();
		server?.closeIdleConnections();
		const drained = (async () => {
			await serverClosed;
			await this.sweeper.stop();
			// Fan-outs this process acknowledged first (else they wait for their lease to pass).
			await this.fanout.stop();
			await this.alerts.stop();
			await this.deliveries.close();
		})();
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<'timeout'>((resolve) => {
			timer = setTimeout(() => resolve('timeout'), this.config.shutdownTimeoutMs);
		});
		const outcome = await Promise.race([drained.then(() => 'drained' as const), timeout]);
		clearTimeout(timer);
		if (outcome === 'timeout') {
			this.logger.warn('shutdown timeout: closing with work still in flight (it stays in Redis for the next relay)');
			server?.closeAllConnections();
			// Unfinished jobs keep their lock until it expires, then any relay takes them over.
			await Promise.race([
				this.deliveries.forceClose(),
				new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
			]);
		}
		this.sender.close();
		await this.stats.stop();
		await this.closeRedis();
		// What the last requests and deliveries traced, exported before the process goes.
		await this.tracing?.shutdown().catch((error: unknown) => this.logger.warn({ err: error }, 'could not export the last traces'));
		this.logger.info('esign-relay stopped');
	}

	private connections(): RedisClient[] {
		return [this.ingestConnection, this.jobAdds, this.command, this.workerConnection, this.subscriber];
	}

	private async closeRedis(): Promise<void> {
		await Promise.all(
			this.connections().map((client) =>
				client.quit().catch(() => client.disconnect()),
			),
		);
	}
}

/**
 * Requests Node's HTTP parser refuses (header injection, header overflow, broken framing)
 * never reach Express; answer them with a JSON error like every other refusal.
 */
function answerUnparsableRequest(error: NodeJS.ErrnoException, socket: Duplex): void {
	if (!socket.writable) {
		socket.destroy();
		return;
	}
	const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
	const status = tooLarge ? 431 : 400;
	const body = JSON.stringify({
		error: tooLarge ? 'headers_too_large' : 'bad_request',
		message: tooLarge ? 'The request headers are too large.' : 'The request is not valid HTTP/1.1.',
	});
	socket.end(
		`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
			`content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
	);
}
