/**
 * GET /console: the operator console, static files built by `npm run build -w relay`
 * (relay/console → relay/dist/console). The files hold no data and no secret; the page asks
 * for a token and calls the admin API with it, so the API's scoping is the console's.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import express, { type Router } from 'express';

/** relay/dist/console, from the compiled file (dist/relay/src) or the source (src, in tests). */
export function consoleDirectory(): string | undefined {
	const candidates = [resolve(__dirname, '../../../dist/console'), resolve(__dirname, '../dist/console')];
	return candidates.find((directory) => existsSync(join(directory, 'index.html')));
}

export function consoleRouter(directory = consoleDirectory()): Router {
	const router = express.Router();
	router.use((_req, res, next) => {
		// Everything the page loads is its own: no CDN, no fonts, no inline script.
		res.setHeader(
			'content-security-policy',
			"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
		);
		res.setHeader('x-content-type-options', 'nosniff');
		res.setHeader('referrer-policy', 'no-referrer');
		next();
	});
	if (!directory) {
		router.use((_req, res) => {
			res.status(503).type('text/plain').send('The console is not built. Run: npm run build -w relay');
		});
		return router;
	}
	// Hashed asset names: cache them; index.html never (it names the current ones).
	router.use('/assets', express.static(join(directory, 'assets'), { immutable: true, maxAge: '365d', index: false }));
	router.get('/', (req, res) => {
		if (!req.originalUrl.split('?')[0].endsWith('/')) {
			res.redirect(301, `${req.baseUrl}/`);
			return;
		}
		res.setHeader('cache-control', 'no-store');
		res.sendFile(join(directory, 'index.html'));
	});
	router.use(express.static(directory, { index: false }));
	return router;
}
