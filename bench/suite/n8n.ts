/**
 * n8n's own Webhook node receiving the same callbacks directly (the alternative users have
 * today): a real n8n from the end-to-end setup's cache (scripts/n8n-install.sh), a
 * Webhook (POST, respond immediately) → NoOp workflow, driven by the same load generator.
 * Reuses the end-to-end harness's N8nProcess; never installs n8n itself.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { N8nProcess } from '../../test/e2e/harness/n8n';
import type { GeneratedEvent } from '../../test/faults/harness/provider';
import { rssOf } from '../../test/faults/harness/util';
import { drive, type LoadFigures } from './cannon';

/** What ../shared/docs/real-n8n.md measured on this kind of machine (requests/s at saturation). */
export const N8N_DOCUMENTED_RPS = 33;

function installedN8n(): string | undefined {
	const root = process.env.N8N_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'n8n-nodes-esign');
	if (!existsSync(root)) return undefined;
	const dir = readdirSync(root)
		.filter((name) => name.startsWith('n8n-'))
		.map((name) => join(root, name))
		.find((path) => existsSync(join(path, '.install-complete')));
	return dir;
}

/** One n8n start, then one measured run per pool (fresh bodies each), so its figures summarise like the others. */
export async function measureN8n(pools: readonly (readonly GeneratedEvent[])[]): Promise<LoadFigures[]> {
	const installDir = installedN8n();
	if (!installDir) throw new Error('n8n not installed (run scripts/n8n-install.sh to include this row)');
	// Default log level: the harness waits for n8n's "Editor is now accessible" info line.
	const n8n = await N8nProcess.start({ installDir });
	try {
		await n8n.setupOwner();
		const path = `bench-${Date.now()}`;
		const workflow = await n8n.createWorkflow({
			name: 'bench: Webhook → NoOp',
			nodes: [
				{
					id: 'a1', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0],
					webhookId: path,
					parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} },
				},
				{ id: 'a2', name: 'NoOp', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [200, 0], parameters: {} },
			],
			connections: { Webhook: { main: [[{ node: 'NoOp', type: 'main', index: 0 }]] } },
		});
		await n8n.activate(workflow);
		const runs: LoadFigures[] = [];
		for (const events of pools) {
			runs.push(
				await drive(`${n8n.baseUrl}`, events, {
					connections: 50,
					path: () => `/webhook/${path}`,
					rss: () => rssOf(n8n.pid as number),
				}),
			);
		}
		return runs;
	} finally {
		await n8n.dispose();
	}
}
