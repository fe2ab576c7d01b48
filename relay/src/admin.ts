/**
 * The admin API under /v1: subscriptions, events, deliveries, dead letters, tokens.
 *
 * Two kinds of bearer: the admin token (everything, as before) and subscriber tokens
 * (tokens.ts), which see only the subscriptions they created, those subscriptions'
 * deliveries, and the events those subscriptions were subscribed to. To a subscriber token
 * anything else does not exist: 404, the same answer as for an id nobody has, so ids of other
 * tenants cannot be probed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';

import { webhookHandlers, type CanonicalEvent } from '../../nodes/providers/webhooks';
import { DELIVERY_STATUSES, type DeliveryManager, type DeliveryView } from './deliveries';
import type { Pipeline } from './pipeline';
import { checkTargetUrl, type TargetRule } from './targets';
import { createTokenSchema, publicToken, type TokenRecord, type TokenStore } from './tokens';
import { createSubscriptionSchema, matches, publicView, type Subscription, type SubscriptionStore } from './subscriptions';
import { createSourceSchema, rotateSourceSchema, type SourceChange, type SourceRegistry } from './source-store';
import type { StatsRecorder } from './stats';
import type { TimelineReader } from './timeline';

/** Hashing both sides first makes the compare constant-time whatever the lengths. */
function tokenMatches(expected: Buffer, offered: string): boolean {
	return timingSafeEqual(expected, createHash('sha256').update(offered).digest());
}

export type Principal = { kind: 'admin' } | { kind: 'subscriber'; token: TokenRecord };

/** Resolves the bearer to the admin or a subscriber token; answers 401/403 otherwise. */
export function requireToken(token: string, tokens: TokenStore) {
	const expected = createHash('sha256').update(token).digest();
	return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
		const header = req.headers.authorization;
		const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
		if (!match) {
			res
				.status(401)
				.set('www-authenticate', 'Bearer')
				.json({ error: 'unauthorized', message: 'Send the admin token or a subscriber token as "Authorization: Bearer <token>".' });
			return;
		}
		const offered = match[1].trim();
		if (tokenMatches(expected, offered)) {
			res.locals.principal = { kind: 'admin' } satisfies Principal;
			return next();
		}
		const record = await tokens.verify(offered);
		if (!record) {
			res.status(403).json({
				error: 'forbidden',
				message: 'The bearer token is neither the relay admin token nor a valid subscriber token (mistyped or revoked).',
			});
			return;
		}
		res.locals.principal = { kind: 'subscriber', token: record } satisfies Principal;
		next();
	};
}

function principalOf(res: Response): Principal {
	return res.locals.principal as Principal;
}

function adminOnly(req: Request, res: Response, next: NextFunction): void {
	if (principalOf(res).kind === 'admin') return next();
	res.status(403).json({ error: 'forbidden', message: `${req.method} ${req.baseUrl}${req.path} needs the admin token.` });
}

function invalid(res: Response, error: z.ZodError): void {
	res.status(400).json({
		error: 'invalid_request',
		message: error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '),
		issues: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
	});
}

function notFound(res: Response, what: string): void {
	res.status(404).json({ error: 'not_found', message: `${what} not found` });
}

const listDeliveriesQuery = z.object({
	status: z.enum(DELIVERY_STATUSES).optional(),
	subscriptionId: z.string().optional(),
	limit: z.coerce.number().int().min(1).max(1000).default(100),
	/** `attempts`: each delivery with `history`, its attempts (when, status, outcome), for the console. */
	include: z.literal('attempts').optional(),
});

const listSubscriptionsQuery = z.object({
	/** `delivery`: queue counts and breaker state of each subscription. */
	include: z.literal('delivery').optional(),
});

const sourceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a source id is 1-64 letters, digits, "_" or "-" (it is the URL path)');
const documentId = z.string().min(1).max(512);
const recentDocumentsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });

const eventQuery = z.object({ source: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'source must be a source id').optional() });

const replayBody = z.strictObject({ subscriptionId: z.string().optional() }).default({});

export interface AdminDependencies {
	token: string;
	tokens: TokenStore;
	subscriptions: SubscriptionStore;
	deliveries: DeliveryManager;
	pipeline: Pipeline;
	targetRules: readonly TargetRule[];
	/** Every source id, RELAY_SOURCES and console (where GET /v1/events/:id looks without ?source=). */
	sources: () => readonly string[];
	/** RELAY_SOURCES and the sources added from the console. */
	sourceRegistry: SourceRegistry;
	stats: StatsRecorder;
	timeline: TimelineReader;
	/** RELAY_TOKEN_MAX_SUBSCRIPTIONS: the cap of a token created without its own. */
	tokenMaxSubscriptions: number;
}

/** A subscriber may read an event one of its subscriptions was subscribed to when it arrived. */
function subscribedTo(owned: readonly Subscription[], event: Record<string, unknown>, source: string): boolean {
	const receivedAt = typeof event.receivedAt === 'string' ? event.receivedAt : '';
	const fields = event as Pick<CanonicalEvent, 'provider' | 'type' | 'documentId'>;
	return owned.some(
		(subscription) =>
			subscription.createdAt <= receivedAt &&
			// A subscription disabled since still saw the event.
			matches({ ...subscription, status: 'active' }, fields, source),
	);
}

export function adminRouter(deps: AdminDependencies): Router {
	const { subscriptions, deliveries, pipeline, tokens } = deps;
	const router = express.Router();
	router.use(requireToken(deps.token, tokens));
	router.use(express.json({ limit: '64kb' }));

	/** The subscription if this principal may see it; undefined (→ 404) otherwise. */
	async function visible(res: Response, id: string): Promise<Subscription | undefined> {
		const subscription = await subscriptions.get(id);
		const principal = principalOf(res);
		if (!subscription) return undefined;
		if (principal.kind === 'subscriber' && subscription.owner !== principal.token.id) return undefined;
		return subscription;
	}

	/** The subscription ids whose deliveries this principal may touch (undefined: all). */
	async function scope(res: Response): Promise<string[] | undefined> {
		const principal = principalOf(res);
		if (principal.kind === 'admin') return undefined;
		return (await subscriptions.listOwned(principal.token.id)).map((subscription) => subscription.id);
	}

	async function visibleDelivery(res: Response, id: string): Promise<boolean> {
		const parsed = deliveries.parseId(id);
		return parsed !== undefined && (await visible(res, parsed.subscriptionId)) !== undefined;
	}

	router.post('/subscriptions', async (req, res) => {
		const parsed = createSubscriptionSchema.safeParse(req.body ?? {});
		if (!parsed.success) return invalid(res, parsed.error);
		const refusal = await checkTargetUrl(deps.targetRules, new URL(parsed.data.url));
		if (refusal) {
			res.status(422).json({
				error: 'target_not_allowed',
				message: `The relay will not deliver to ${parsed.data.url}: ${refusal}. Allow it with RELAY_ALLOWED_TARGETS.`,
			});
			return;
		}
		const principal = principalOf(res);
		let subscription: Subscription;
		if (principal.kind === 'admin') {
			subscription = await subscriptions.create(parsed.data);
		} else {
			const cap = principal.token.maxSubscriptions ?? deps.tokenMaxSubscriptions;
			const outcome = await subscriptions.createOwned(parsed.data, { tokenId: principal.token.id, maxSubscriptions: cap });
			if ('refused' in outcome) {
				if (outcome.refused === 'revoked') {
					res.status(403).json({ error: 'forbidden', message: 'The subscriber token was revoked.' });
					return;
				}
				res.status(409).json({
					error: 'subscription_limit',
					message:
						`This token already owns ${cap} subscriptions, its limit. Delete subscriptions it no longer needs ` +
						'(deactivated workflows), or ask the relay administrator for a token with a higher --max-subscriptions.',
				});
				return;
			}
			subscription = outcome.subscription;
		}
		await deliveries.configure(subscription);
		await deliveries.reconcile();
		res.status(201).json({ ...publicView(subscription), secret: subscription.secret });
	});

	/** The subscriptions this principal may see. */
	async function visibleSubscriptions(res: Response): Promise<Subscription[]> {
		const principal = principalOf(res);
		return principal.kind === 'admin' ? await subscriptions.list() : await subscriptions.listOwned(principal.token.id);
	}

	router.get('/subscriptions', async (req, res) => {
		const parsed = listSubscriptionsQuery.safeParse(req.query);
		if (!parsed.success) return invalid(res, parsed.error);
		const list = await visibleSubscriptions(res);
		if (!parsed.data.include) {
			res.json({ data: list.map(publicView) });
			return;
		}
		const now = Date.now();
		const data = await Promise.all(
			list.map(async (subscription) => {
				const [counts, breaker] = await Promise.all([deliveries.store.counts(subscription.id), deliveries.store.breaker(subscription.id)]);
				const open = breaker.openUntil !== null && breaker.openUntil > now;
				return {
					...publicView(subscription),
					delivery: {
						queued: counts.waiting,
						retrying: counts.delayed,
						inFlight: counts.active,
						dead: counts.failed,
						breaker: {
							// Past its cool-down an open breaker lets one probe through: half-open.
							state: open ? 'open' : breaker.openUntil !== null ? 'half_open' : 'closed',
							failures: breaker.failures,
							openUntil: breaker.openUntil === null ? null : new Date(breaker.openUntil).toISOString(),
						},
					},
				};
			}),
		);
		res.json({ data });
	});

	router.get('/subscriptions/:id', async (req, res) => {
		const subscription = await visible(res, req.params.id);
		if (!subscription) return notFound(res, 'subscription');
		res.json(publicView(subscription));
	});

	router.delete('/subscriptions/:id', async (req, res) => {
		const principal = principalOf(res);
		const onlyOwner = principal.kind === 'subscriber' ? principal.token.id : undefined;
		if (!(await subscriptions.delete(req.params.id, onlyOwner))) return notFound(res, 'subscription');
		await deliveries.remove(req.params.id);
		res.status(204).end();
	});

	router.post('/subscriptions/:id/test', async (req, res) => {
		const subscription = await visible(res, req.params.id);
		if (!subscription) return notFound(res, 'subscription');
		const now = new Date().toISOString();
		const event: CanonicalEvent = {
			id: `evt_test_${randomBytes(12).toString('hex')}`,
			provider: 'relay',
			type: 'other',
			providerEvent: 'relay.test',
			documentId: null,
			occurredAt: now,
			payload: { test: true, message: 'A test event sent from the relay admin API.' },
		};
		const id = await pipeline.sendTest(subscription.id, event);
		res.status(202).json({ eventId: event.id, deliveryId: id });
	});

	router.get('/events/:id', async (req, res) => {
		const parsed = eventQuery.safeParse(req.query);
		if (!parsed.success) return invalid(res, parsed.error);
		const found = await pipeline.findEvent(req.params.id, parsed.data.source, deps.sources());
		const principal = principalOf(res);
		if (principal.kind === 'subscriber') {
			const owned = await subscriptions.listOwned(principal.token.id);
			for (const [source, event] of found) if (!subscribedTo(owned, event, source)) found.delete(source);
		}
		if (found.size === 0) return notFound(res, 'event');
		if (found.size > 1) {
			res.status(409).json({
				error: 'ambiguous',
				message: `Sources ${[...found.keys()].join(', ')} each have an event ${req.params.id}: add ?source=<source id>.`,
				sources: [...found.keys()],
			});
			return;
		}
		res.json([...found.values()][0]);
	});

	router.get('/deliveries', async (req, res) => {
		const parsed = listDeliveriesQuery.safeParse(req.query);
		if (!parsed.success) return invalid(res, parsed.error);
		const { status, subscriptionId, limit, include } = parsed.data;
		const allowed = await scope(res);
		let views: DeliveryView[];
		if (!allowed) {
			views = await deliveries.list(status, subscriptionId, limit);
		} else {
			if (subscriptionId && !allowed.includes(subscriptionId)) return notFound(res, 'subscription');
			views = [];
			for (const id of subscriptionId ? [subscriptionId] : allowed) views.push(...(await deliveries.list(status, id, limit)));
			views = views.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
		}
		if (include !== 'attempts') {
			res.json({ data: views });
			return;
		}
		res.json({
			data: await Promise.all(views.map(async (view) => ({ ...view, history: await deliveries.store.attempts(view.subscriptionId, view.id) }))),
		});
	});

	router.get('/deliveries/:id', async (req, res) => {
		if (!(await visibleDelivery(res, req.params.id))) return notFound(res, 'delivery');
		const delivery = await deliveries.get(req.params.id);
		if (!delivery) return notFound(res, 'delivery');
		res.json({ ...delivery, history: await deliveries.store.attempts(delivery.subscriptionId, delivery.id) });
	});

	router.post('/deliveries/:id/retry', async (req, res) => {
		if (!(await visibleDelivery(res, req.params.id))) return notFound(res, 'delivery');
		const delivery = await deliveries.retry(req.params.id);
		if (!delivery) return notFound(res, 'delivery');
		res.status(202).json(delivery);
	});

	router.post('/dead-letter/replay', async (req, res) => {
		const parsed = replayBody.safeParse(req.body ?? {});
		if (!parsed.success) return invalid(res, parsed.error);
		const { subscriptionId } = parsed.data;
		if (subscriptionId && !(await visible(res, subscriptionId))) return notFound(res, 'subscription');
		const allowed = await scope(res);
		if (!allowed || subscriptionId) {
			res.status(202).json({ replayed: await deliveries.replayDeadLetters(subscriptionId) });
			return;
		}
		let replayed = 0;
		for (const id of allowed) replayed += await deliveries.replayDeadLetters(id);
		res.status(202).json({ replayed });
	});

	// ---- the console -------------------------------------------------------------------

	router.get('/whoami', (_req, res) => {
		const principal = principalOf(res);
		res.json(principal.kind === 'admin' ? { kind: 'admin' } : { kind: 'subscriber', tokenId: principal.token.id, name: principal.token.name });
	});

	router.get('/sources', (_req, res) => {
		const views = deps.sourceRegistry.views();
		// A subscriber learns where the sources are, not what their secrets look like.
		const principal = principalOf(res);
		res.json({
			data: principal.kind === 'admin' ? views : views.map((view) => ({ ...view, secrets: [] })),
			// The provider types a source may have (the console's choice list).
			types: Object.keys(webhookHandlers),
		});
	});

	function answerSourceChange(res: Response, change: SourceChange, created: boolean): void {
		if ('ok' in change) {
			const view = deps.sourceRegistry.views().find((item) => item.id === change.ok.id);
			res.status(created ? 201 : 200).json(view);
			return;
		}
		const status = { exists: 409, read_only: 409, not_found: 404, invalid: 400 }[change.refused];
		res.status(status).json({ error: change.refused === 'invalid' ? 'invalid_request' : change.refused, message: change.message });
	}

	router.post('/sources/:id', adminOnly, async (req, res) => {
		const id = sourceId.safeParse(req.params.id);
		if (!id.success) return invalid(res, id.error);
		const parsed = createSourceSchema.safeParse(req.body ?? {});
		if (!parsed.success) return invalid(res, parsed.error);
		answerSourceChange(res, await deps.sourceRegistry.create(id.data, parsed.data), true);
	});

	router.put('/sources/:id', adminOnly, async (req, res) => {
		const id = sourceId.safeParse(req.params.id);
		if (!id.success) return invalid(res, id.error);
		const parsed = rotateSourceSchema.safeParse(req.body ?? {});
		if (!parsed.success) return invalid(res, parsed.error);
		answerSourceChange(res, await deps.sourceRegistry.rotate(id.data, parsed.data), false);
	});

	router.get('/documents', async (req, res) => {
		const parsed = recentDocumentsQuery.safeParse(req.query);
		if (!parsed.success) return invalid(res, parsed.error);
		const principal = principalOf(res);
		if (principal.kind === 'admin') {
			res.json({ data: await deps.timeline.recent(deps.sources(), parsed.data.limit) });
			return;
		}
		// A subscriber: only documents one of its subscriptions saw (read as the timeline is).
		const owned = await visibleSubscriptions(res);
		const candidates = await deps.timeline.recent(deps.sources(), parsed.data.limit * 4);
		const data = [];
		for (const candidate of candidates) {
			if (data.length >= parsed.data.limit) break;
			const timeline = await deps.timeline.read(candidate.documentId, candidate.sources, owned, true);
			if (timeline.events.length > 0) data.push({ ...candidate, lastEventAt: timeline.events[timeline.events.length - 1].receivedAt });
		}
		res.json({ data });
	});

	router.get('/documents/:id/timeline', async (req, res) => {
		const id = documentId.safeParse(req.params.id);
		if (!id.success) return invalid(res, id.error);
		const principal = principalOf(res);
		const timeline = await deps.timeline.read(id.data, deps.sources(), await visibleSubscriptions(res), principal.kind === 'subscriber');
		// To a subscriber a document none of its subscriptions saw does not exist (as for events).
		if (principal.kind === 'subscriber' && timeline.events.length === 0) return notFound(res, 'document');
		res.json(timeline);
	});

	router.get('/stats', async (_req, res) => {
		const principal = principalOf(res);
		const queues = { queued: 0, retrying: 0, inFlight: 0, dead: 0 };
		if (principal.kind === 'admin') {
			// Reads only the subscriptions with work or dead letters, as /metrics does.
			const depth = Object.fromEntries((await deliveries.depth()).map(({ state, count }) => [state, count]));
			Object.assign(queues, { queued: depth.waiting ?? 0, retrying: depth.delayed ?? 0, inFlight: depth.active ?? 0, dead: depth.failed ?? 0 });
		} else for (const subscription of await visibleSubscriptions(res)) {
			const counts = await deliveries.store.counts(subscription.id);
			queues.queued += counts.waiting;
			queues.retrying += counts.delayed;
			queues.inFlight += counts.active;
			queues.dead += counts.failed;
		}
		// The relay-wide counters (every source, every tenant) are the admin's only.
		res.json({ queues, lastHour: principal.kind === 'admin' ? await deps.stats.lastHour() : null });
	});

	// ---- subscriber tokens (admin only) ------------------------------------------------

	router.post('/tokens', adminOnly, async (req, res) => {
		const parsed = createTokenSchema.safeParse(req.body ?? {});
		if (!parsed.success) return invalid(res, parsed.error);
		const { record, token } = await tokens.create(parsed.data);
		res.status(201).json({ ...publicToken(record), token });
	});

	router.get('/tokens', adminOnly, async (_req, res) => {
		res.json({ data: await tokens.list() });
	});

	router.delete('/tokens/:id', adminOnly, async (req, res) => {
		if (!(await tokens.revoke(String(req.params.id)))) return notFound(res, 'token');
		res.status(204).end();
	});

	return router;
}
