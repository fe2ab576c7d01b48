/**
 * The operator console's build: Preact, bundled by Vite into relay/dist/console, served by the
 * relay at /console. Everything is bundled (no CDN, no web fonts at run time).
 */
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
	root,
	base: '/console/',
	// Preact's automatic JSX runtime, without a plugin (Vite's own transform does JSX).
	oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
	resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
	build: {
		outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
		emptyOutDir: true,
		// Inline nothing as data: URLs beyond the page's own icon; the CSP allows 'self' only.
		assetsInlineLimit: 0,
		modulePreload: { polyfill: false },
		sourcemap: false,
	},
});
