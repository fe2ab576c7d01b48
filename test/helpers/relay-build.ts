/**
 * The built relay, as users run it (`node relay/dist/relay/src/cli.js`). Suites that start the
 * relay as a process build it in their global set-up when a source is newer than the build, so
 * a run right after `npm run build -w relay` (as scripts/test.sh does) does not build twice.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../..');
export const RELAY_CLI = join(REPO_ROOT, 'relay/dist/relay/src/cli.js');
/** What the relay's build compiles: its own sources and the providers' shared knowledge. */
const SOURCES = ['relay/src', 'nodes'].map((dir) => join(REPO_ROOT, dir));

function newestSourceMs(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
		else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

/** tsc emits every file on each build, so the CLI's mtime is the time of the last build. */
export function relayBuildIsStale(): boolean {
	if (!existsSync(RELAY_CLI)) return true;
	const built = statSync(RELAY_CLI).mtimeMs;
	return SOURCES.some((dir) => newestSourceMs(dir) > built);
}

export function buildRelay(): void {
	execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(REPO_ROOT, 'relay/tsconfig.json')], {
		stdio: 'inherit',
		cwd: REPO_ROOT,
	});
}

export function assertRelayBuilt(): void {
	if (!existsSync(RELAY_CLI)) throw new Error(`${RELAY_CLI} is missing: build the relay first (npm run build -w relay).`);
}
