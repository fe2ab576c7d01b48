/**
 * `POST /v1/sources/:id/reconcile` (admin token): sweeps one source now instead of at its next
 * interval, e.g. after an outage of the provider's webhooks. It takes the same lease as the
 * periodic sweep (409 `busy` while another process sweeps the source) and moves the same cursor.
 */
import express, { type Request, type Response, type Router } from 'express';

import { requireToken, type Principal } from './admin';
import type { ReconcileSweeper } from './sweeps';
import type { TokenStore } from './tokens';

export function reconcileRouter(token: string, tokens: TokenStore, sweeper: ReconcileSweeper): Router {
	const router = express.Router();
	router.post('/sources/:id/reconcile', requireToken(token, tokens), async (req: Request, res: Response) => {
		if ((res.locals.principal as Principal).kind !== 'admin') {
			res.status(403).json({ error: 'forbidden', message: 'Only the admin token may start a reconciliation sweep.' });
			return;
		}
		const id = String(req.params.id);
		if (!sweeper.has(id)) {
			res.status(404).json({ error: 'not_found', message: `No source "${id.slice(0, 64)}" with reconcile settings is configured (RELAY_SOURCES).` });
			return;
		}
		const result = await sweeper.sweep(id, true);
		const status = result.outcome === 'swept' ? 200 : result.outcome === 'busy' ? 409 : 502;
		res.status(status).json(result);
	});
	return router;
}
