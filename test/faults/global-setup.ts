/**
 * Builds the relay when a source is newer than the build (the suite runs the real CLI as a
 * child process) and starts a fresh results file for the fault table.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildRelay, relayBuildIsStale } from '../helpers/relay-build';

export default function globalSetup(): void {
	if (process.env.FAULTS_SKIP_BUILD !== '1' && relayBuildIsStale()) buildRelay();
	if (!process.env.FAULTS_RESULTS_FILE) {
		process.env.FAULTS_RESULTS_FILE = join(mkdtempSync(join(tmpdir(), 'esign-faults-')), 'results.jsonl');
	}
}
