/**
 * Each scenario writes its row of the fault table here; the global teardown prints the
 * table (and writes it as Markdown next to the JSON lines) once every scenario has run.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Tally } from './ledger';

export interface FaultRow extends Omit<Tally, 'lostKeys' | 'duplicatedKeys'> {
	scenario: string;
	/** What else the scenario measured (latencies, DLQ counts, RSS…), one short line. */
	notes: string;
	passed?: boolean;
}

export function resultsFile(): string {
	return process.env.FAULTS_RESULTS_FILE ?? join(tmpdir(), 'esign-faults-results.jsonl');
}

export function recordRow(row: FaultRow): void {
	appendFileSync(resultsFile(), `${JSON.stringify(row)}\n`);
	// Visible in the scenario's own output too, in case the run is cut short.
	process.stdout.write(`\n[faults] ${formatRow(row)}\n`);
}

function formatRow(row: FaultRow): string {
	return `| ${row.scenario} | ${row.sent} | ${row.acknowledged} | ${row.delivered} | ${row.lost} | ${row.duplicated} | ${row.redelivered} | ${row.notes} |`;
}

export function renderTable(file = resultsFile()): string {
	if (!existsSync(file)) return '(no scenario recorded a row)';
	const rows = readFileSync(file, 'utf8')
		.split('\n')
		.filter((line) => line.trim() !== '')
		.map((line) => JSON.parse(line) as FaultRow)
		.sort((a, b) => a.scenario.localeCompare(b.scenario, 'en', { numeric: true }));
	return [
		'| scenario | sent | acknowledged | delivered | lost | duplicated | redelivered (same webhook-id) | notes |',
		'|---|---:|---:|---:|---:|---:|---:|---|',
		...rows.map(formatRow),
	].join('\n');
}
