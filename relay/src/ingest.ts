/**
 * POST /ingest/:source — the provider-facing endpoint. Order matters: the raw body (exactly
 * as signed), the source, the signature, normalization, then the durable enqueue, and only
 * then a 2xx. Anything that fails before the enqueue answers non-2xx so the provider retries.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';

import { reconcilers } from '../../nodes/providers/reconcilers';
import { WebhookRejection, webhookHandlers, type InboundWebhook } from '../../nodes/providers/webhooks';
import type { RelayConfig, SourceConfig } from './config';
import type { Source } from './source-store';
import type { Metrics } from './metrics';
import type { Alerts } from './alerts';
import type { Pipeline } from './pipeline';

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

/**
 * `lookup` finds a source by id (the relay's registry: RELAY_SOURCES and the sources added
 * from the console); without one, RELAY_SOURCES alone.
 */
export function ingestRouter(
	config: RelayConfig,
	pipeline: Pipeline,
	metrics: Metrics,
	logger: Logger,
	lookup?: (id: string) => Source | undefined,
	alerts?: Alerts,
): Router {
	const configured = buildSources(config.sources);
	const sources = { has: (id: string) => (lookup ? lookup(id) : configured.get(id)) !== undefined, get: (id: string) => (lookup ? lookup(id) : configured.get(id)) };
	const router = express.Router();
	// The source first, before the body is read: an unknown source costs no body parsing, and
	// everything after (body-parser's refusals included) is labelled with a configured id only.
	const knownSource = (req: Request, res: Response, next: () => void) => {
		const sourceId = req.params.source as string;
		if (!sources.has(sourceId)) {
			metrics.rejected.inc({ source: 'unknown', reason: 'unknown_source' });
			// The id is echoed as JSON only, cut short: the path is the caller's.
			res.status(404).json({ error: 'unknown_source', message: `No source "${sourceId.slice(0, 64)}" is configured (RELAY_SOURCES).` });
			return;
		}
		res.locals.sourceId = sourceId;
		next();
	};
	// Every content type as raw bytes: the signature covers the exact body, and the provider
	// module decides what a valid body is.
	router.post('/ingest/:source', knownSource, express.raw({ type: () => true, limit: config.bodyLimitBytes }), async (req: Request, res: Response) => {
		const source = sources.get(req.params.source as string) as Source;
		metrics.received.inc({ source: source.id });
		const inbound: InboundWebhook = {
			rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
			headers: req.headers,
			query: queryOf(req),
		};
		const now = Date.now();
		let events;
		try {
			source.handler.verify(inbound, source.secrets(now), source.options, now);
			events = source.handler.normalize(inbound, source.options, now);
		} catch (error) {
			if (!(error instanceof WebhookRejection)) throw error;
			metrics.rejected.inc({ source: source.id, reason: error.reason });
			alerts?.rejected(source.id);
			// The reason, never the body or a secret.
			logger.warn({ reqId: res.locals.reqId, source: source.id, reason: error.reason }, 'webhook rejected');
			res.status(error.status).json({ error: error.reason, message: error.message });
			return;
		}
		let results;
		try {
			results = await Promise.all(events.map((event) => pipeline.accept(event, source.id, now, source.stateOf?.(event), source.reconciles)));
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
		logger.debug({ reqId: res.locals.reqId, source: source.id, events: events.map((event, i) => ({ id: event.id, result: results[i] })) }, 'webhook accepted');
		if (source.ackBody !== undefined) {
			res.status(200).type(source.ackType).send(source.ackBody);
			return;
		}
		res.status(200).json({
			ok: true,
			events: events.map((event, i) => ({ id: event.id, duplicate: results[i] === 'duplicate' })),
		});
	});
	return router;
}
