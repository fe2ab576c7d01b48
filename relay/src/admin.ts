/** The admin API under /v1: subscriptions, events, deliveries, dead letters. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';

import type { CanonicalEvent } from '../../nodes/providers/webhooks';
import { DELIVERY_STATUSES, type DeliveryManager } from './deliveries';
import type { Pipeline } from './pipeline';
import { checkTargetUrl, type TargetRule } from './targets';
import { createSubscriptionSchema, publicView, type SubscriptionStore } from './subscriptions';

/** Hashing both sides first makes the compare constant-time whatever the lengths. */
function tokenMatches(expected: Buffer, offered: string): boolean {
	return timingSafeEqual(expected, createHash('sha256').update(offered).digest());
}

export function requireToken(token: string) {
	const expected = createHash('sha256').update(token).digest();
	return (req: Request, res: Response, next: NextFunction): void => {
		const header = req.headers.authorization;
		const match = header ? /^Bearer\s+(.+)$/i.exec(header) : null;
		if (!match) {
			res
				.status(401)
				.set('www-authenticate', 'Bearer')
				.json({ error: 'unauthorized', message: 'Send the admin token as "Authorization: Bearer <RELAY_API_TOKEN>".' });
			return;
		}
		if (!tokenMatches(expected, match[1].trim())) {
			res.status(403).json({ error: 'forbidden', message: 'The bearer token is not the relay admin token.' });
			return;
		}
		next();
	};
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
});

const replayBody = z.strictObject({ subscriptionId: z.string().optional() }).default({});

export interface AdminDependencies {
	token: string;
	subscriptions: SubscriptionStore;
	deliveries: DeliveryManager;
	pipeline: Pipeline;
	targetRules: readonly TargetRule[];
}

export function adminRouter(deps: AdminDependencies): Router {
	const { subscriptions, deliveries, pipeline } = deps;
	const router = express.Router();
	router.use(requireToken(deps.token));
	router.use(express.json({ limit: '64kb' }));

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
		const subscription = await subscriptions.create(parsed.data);
		await deliveries.configure(subscription);
		await deliveries.reconcile();
		res.status(201).json({ ...publicView(subscription), secret: subscription.secret });
	});

	router.get('/subscriptions', async (_req, res) => {
		res.json({ data: (await subscriptions.list()).map(publicView) });
	});

	router.get('/subscriptions/:id', async (req, res) => {
		const subscription = await subscriptions.get(req.params.id);
		if (!subscription) return notFound(res, 'subscription');
		res.json(publicView(subscription));
	});

	router.delete('/subscriptions/:id', async (req, res) => {
		if (!(await subscriptions.delete(req.params.id))) return notFound(res, 'subscription');
		await deliveries.remove(req.params.id);
		res.status(204).end();
	});

	router.post('/subscriptions/:id/test', async (req, res) => {
		const subscription = await subscriptions.get(req.params.id);
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
		const event = await pipeline.getEvent(req.params.id);
		if (!event) return notFound(res, 'event');
		res.json(event);
	});

	router.get('/deliveries', async (req, res) => {
		const parsed = listDeliveriesQuery.safeParse(req.query);
		if (!parsed.success) return invalid(res, parsed.error);
		const { status, subscriptionId, limit } = parsed.data;
		res.json({ data: await deliveries.list(status, subscriptionId, limit) });
	});

	router.get('/deliveries/:id', async (req, res) => {
		const delivery = await deliveries.get(req.params.id);
		if (!delivery) return notFound(res, 'delivery');
		res.json(delivery);
	});

	router.post('/deliveries/:id/retry', async (req, res) => {
		const delivery = await deliveries.retry(req.params.id);
		if (!delivery) return notFound(res, 'delivery');
		res.status(202).json(delivery);
	});

	router.post('/dead-letter/replay', async (req, res) => {
		const parsed = replayBody.safeParse(req.body ?? {});
		if (!parsed.success) return invalid(res, parsed.error);
		if (parsed.data.subscriptionId && !(await subscriptions.get(parsed.data.subscriptionId))) {
			return notFound(res, 'subscription');
		}
		res.status(202).json({ replayed: await deliveries.replayDeadLetters(parsed.data.subscriptionId) });
	});

	return router;
}
