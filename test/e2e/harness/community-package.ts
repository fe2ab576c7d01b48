/**
 * The package as a user gets it from Settings → Community Nodes: the packed tarball, installed
 * with npm into the n8n user folder's `.n8n/nodes`, from where n8n loads every `n8n-nodes-*`
 * folder of `node_modules` at start-up (its community-packages module scans that folder).
 *
 * n8n 2.40.7 itself runs `npm pack <name>@<version>` there, unpacks it into
 * `node_modules/<name>`, drops devDependencies/peerDependencies/optionalDependencies from its
 * package.json and runs `npm install --ignore-scripts --package-lock=false …` inside it. A local
 * tarball needs no registry: `npm install <tarball>` with peers omitted does the same in one
 * step (n8n-workflow, the only peer, is n8n's own), and `--offline` proves it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../../helpers/relay-build';

export const PACKAGE_NAME = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string }).name;

/**
 * An npm script passes its own settings down as npm_config_* variables (this project's
 * workspaces, ignore-scripts…); the user folder is another project, so they are dropped.
 */
function npmEnv(): NodeJS.ProcessEnv {
	return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
}

function npm(args: string[], cwd: string): string {
	try {
		return execFileSync('npm', args, { cwd, env: npmEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5 * 60_000 });
	} catch (error) {
		const failed = error as { stdout?: string; stderr?: string; message: string };
		throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
	}
}

/** `npm pack` of the built package (dist/ must be current) into `destination`; returns the tarball's path. */
export function packPackage(destination: string): string {
	npm(['pack', '--pack-destination', destination, '--silent'], REPO_ROOT);
	const tarballs = readdirSync(destination).filter((file) => file.endsWith('.tgz'));
	if (tarballs.length !== 1) throw new Error(`npm pack left ${tarballs.length} tarballs in ${destination}`);
	return join(destination, tarballs[0]);
}

/** Installs the tarball into `<userFolder>/.n8n/nodes` as n8n's community-package installer lays it out. */
export function installCommunityPackage(userFolder: string, tarball: string): string {
	const nodesFolder = join(userFolder, '.n8n', 'nodes');
	mkdirSync(nodesFolder, { recursive: true });
	// The package.json n8n keeps there lists the installed packages as its dependencies.
	writeFileSync(join(nodesFolder, 'package.json'), `${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2)}\n`);
	npm(
		[
			'install',
			tarball,
			'--offline',
			'--omit=peer',
			'--no-package-lock',
			'--ignore-scripts',
			'--install-strategy=shallow',
			'--bin-links=false',
			'--audit=false',
			'--fund=false',
		],
		nodesFolder,
	);
	const installed = join(nodesFolder, 'node_modules', PACKAGE_NAME);
	const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { name: string };
	if (manifest.name !== PACKAGE_NAME) throw new Error(`${installed} holds ${manifest.name}, not ${PACKAGE_NAME}`);
	// Nothing else may have come along: the package has zero runtime dependencies.
	const others = readdirSync(join(nodesFolder, 'node_modules')).filter((entry) => entry !== PACKAGE_NAME && !entry.startsWith('.'));
	if (others.length > 0) throw new Error(`installing the tarball also installed: ${others.join(', ')}`);
	return installed;
}
