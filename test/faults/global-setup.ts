/**
 * Builds the relay (the suite runs the real CLI as a child process) and starts a fresh
 * results file for the fault table.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export default function globalSetup(): void {
	const root = resolve(__dirname, '../..');
	if (process.env.FAULTS_SKIP_BUILD !== '1') {
		execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'relay/tsconfig.json')], {
			stdio: 'inherit',
			cwd: root,
		});
	}
	if (!process.env.FAULTS_RESULTS_FILE) {
		process.env.FAULTS_RESULTS_FILE = join(mkdtempSync(join(tmpdir(), 'esign-faults-')), 'results.jsonl');
	}
}
