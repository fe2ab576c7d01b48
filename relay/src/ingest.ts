/**
 * POST /ingest/:source — the provider-facing endpoint. Order matters: the raw body (exactly
 * as signed), the source, the signature, normalization, then the durable enqueue, and only
 * then a 2xx. Anything that fails before the enqueue answers non-2xx so the provider retries.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';

import { reconcilers } from '../../nodes/providers/reconcilers';
import { WebhookRejection, webhookHandlers, type InboundWebhook } from '../../nodes/providers/webhooks';
import type { RelayConfig, SourceConfig } from './config';
import type { Source } from './source-store';
import type { IngestPressure } from './ingest-pressure';
import type { Metrics } from './metrics';
import type { Alerts } from './alerts';
import type { Pipeline } from './pipeline';
import type { RelaySpan, Tracing } from './tracing';

function buildSources(configs: readonly SourceConfig[]): Map<string, Source> {
	const sources = new Map<string, Source>();
	for (const config of configs) {
		const handler = webhookHandlers[config.type];
		sources.set(config.id, {
			id: config.id,
			type: config.type,
			handler,
			secrets: () => config.secrets,
			options: handler.parseOptions(config.options),
			ackType: handler.acknowledgement?.contentType ?? 'application/json',
			ackBody: handler.acknowledgement?.body,
			stateOf: reconcilers[config.type] ? (event) => reconcilers[config.type].stateKey(event) : undefined,
			reconciles: config.reconcile !== undefined,
		});
	}
	return sources;
}

function queryOf(request: Request): Record<string, string | undefined> {
	const query: Record<string, string | undefined> = {};
	for (const [key, value] of Object.entries(request.query as Record<string, unknown>)) {
		query[key] = typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
	}
	return query;
}

/**
 * Whether a failure to store the event is Redis's (connection, timeout, a refused command) or
 * ours: the JavaScript engine's own errors (a stack overflow, a type error) are bugs or poison
 * and answer 500, so a 503 "Redis unavailable" always means Redis.
 */
function isStoreFailure(error: unknown): boolean {
	return !(
		error instanceof RangeError ||
		error instanceof TypeError ||
		error instanceof SyntaxError ||
		error instanceof ReferenceError
	);
}

/** The ingest route as a router of its own (what the benchmarks mount). */
export function ingestRouter(config: RelayConfig, pipeline: Pipeline, metrics: Metrics, logger: Logger, extras: IngestExtras = {}): Router {
	const router = express.Router();
	router.post('/ingest/:source', ...ingestHandlers(config, pipeline, metrics, logger, extras));
	return router;
}

/**
 * The handlers of `POST /ingest/:source`, for the application to register first: every
 * router layer an ingest request passes on its way is per-request work (path matching,
 * a closure, a `next` call), and the provider-facing route is the hot one.
 */
export interface IngestExtras {
	/** Counts the requests in flight, for the fan-out and the dispatcher to make room. */
	pressure?: IngestPressure;
	/** Undefined when tracing is off. */
	tracing?: Tracing;
	/**
	 * Finds a source by id (the relay's registry: RELAY_SOURCES and the sources added from the
	 * console); without one, RELAY_SOURCES alone.
	 */
	lookup?: (id: string) => Source | undefined;
	/** Counts rejections per source for the rejection-spike alert. */
	alerts?: Alerts;
}

export function ingestHandlers(config: RelayConfig, pipeline: Pipeline, metrics: Metrics, logger: Logger, extras: IngestExtras = {}): RequestHandler[] {
	const { pressure, tracing, lookup, alerts } = extras;
	const configured = buildSources(config.sources);
	const find = lookup ?? ((id: string) => configured.get(id));
	const sources = { has: (id: string) => find(id) !== undefined, get: find };
	// The source first, before the body is read: an unknown source costs no body parsing, and
	// everything after (body-parser's refusals included) is labelled with a configured id only.
	const knownSource = (req: Request, res: Response, next: NextFunction) => {
		const sourceId = req.params.source as string;
		if (!sources.has(sourceId)) {
			metrics.rejected.inc({ source: 'unknown', reason: 'unknown_source' });
			// The id is echoed as JSON only, cut short: the path is the caller's.
			res.status(404).json({ error: 'unknown_source', message: `No source "${sourceId.slice(0, 64)}" is configured (RELAY_SOURCES).` });
			return;
		}
		res.locals.sourceId = sourceId;
		if (pressure) {
			// Until answered or aborted ('close' comes either way, once).
			pressure.begin();
			res.once('close', () => pressure.end());
		}
		if (tracing) {
			const span = tracing.startSpan('POST /ingest/:source', {
				kind: 'server',
				attributes: { 'http.request.method': 'POST', 'http.route': '/ingest/:source', 'url.path': `/ingest/${sourceId}`, 'relay.source': sourceId },
			});
			res.locals.span = span;
			res.once('close', () => {
				span.setAttributes({ 'http.response.status_code': res.statusCode });
				if (res.statusCode >= 500) span.fail(`answered ${res.statusCode}`, String(res.statusCode));
				else if (!res.writableFinished) span.fail('the client closed the connection before the answer', 'aborted');
				span.end();
			});
		}
		next();
	};
	// Every content type as raw bytes: the signature covers the exact body, and the provider
	// module decides what a valid body is.
	const handle = async (req: Request, res: Response) => {
		const source = sources.get(req.params.source as string) as Source;
		metrics.received.inc({ source: source.id });
		let query: Record<string, string | undefined> | undefined;
		const inbound: InboundWebhook = {
			rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
			headers: req.headers,
			// Parsed only for the providers that read it (URL tokens): most never do.
			get query() {
				return (query ??= queryOf(req));
			},
		};
		const now = Date.now();
		const span = res.locals.span as RelaySpan | undefined;
		const verifySpan = span ? tracing?.startSpan('verify', { parent: span, attributes: { 'relay.source': source.id } }) : undefined;
		let events;
		try {
			source.handler.verify(inbound, source.secrets(now), source.options, now);
			events = source.handler.normalize(inbound, source.options, now);
			verifySpan?.setAttributes({ 'relay.events': events.length });
		} catch (error) {
			// The reason only (bad_signature, stale_timestamp…): never the body or a secret.
			verifySpan?.fail(error instanceof WebhookRejection ? error.reason : 'internal', error instanceof WebhookRejection ? error.reason : 'internal');
			if (!(error instanceof WebhookRejection)) throw error;
			metrics.rejected.inc({ source: source.id, reason: error.reason });
			alerts?.rejected(source.id);
			// The reason, never the body or a secret.
			logger.warn({ reqId: res.locals.reqId, source: source.id, reason: error.reason }, 'webhook rejected');
			res.status(error.status).json({ error: error.reason, message: error.message });
			return;
		} finally {
			verifySpan?.end();
		}
		let results;
		try {
			results = await Promise.all(events.map((event) => pipeline.accept(event, source.id, now, source.stateOf?.(event), source.reconciles, span)));
		} catch (error) {
			if (!isStoreFailure(error)) throw error;
			metrics.rejected.inc({ source: source.id, reason: 'unavailable' });
			logger.error({ reqId: res.locals.reqId, source: source.id, err: error }, 'could not store the event; answered 503');
			res.status(503).json({
				error: 'unavailable',
				message: 'The relay could not store the event (Redis unavailable). Nothing was acknowledged; retry later.',
			});
			return;
		}
		for (const result of results) (result === 'new' ? metrics.enqueued : metrics.duplicates).inc({ source: source.id });
		// Built only when it is logged: this line runs for every accepted webhook.
		if (logger.isLevelEnabled('debug')) {
			logger.debug({ reqId: res.locals.reqId, source: source.id, events: events.map((event, i) => ({ id: event.id, result: results[i] })) }, 'webhook accepted');
		}
		if (source.ackBody !== undefined) {
			res.status(200).type(source.ackType).send(source.ackBody);
			return;
		}
		res.status(200).json({
			ok: true,
			events: events.map((event, i) => ({ id: event.id, duplicate: results[i] === 'duplicate' })),
		});
	};
	return [knownSource, express.raw({ type: () => true, limit: config.bodyLimitBytes }), handle];
}
