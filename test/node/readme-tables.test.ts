/**
 * README's operations table and provider × feature table against the adapters: every ✓ (and
 * every listed operation) is something the adapter implements, and everything implemented is
 * listed. After merging adapter work, paste the rows this test prints when it fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { providerAdapters } from '../../nodes/providers/adapters';
import { FEATURES, operationsCell } from '../helpers/feature-table';

const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

function cells(line: string): string[] {
	return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((cell) => cell.trim());
}

function tableAfter(heading: string): string[][] {
	const lines = README.split('\n');
	const start = lines.findIndex((line) => line.startsWith(heading));
	expect(start).toBeGreaterThanOrEqual(0);
	const rows: string[][] = [];
	for (let index = start; index < lines.length; index++) {
		const line = lines[index];
		if (!line.startsWith('|')) {
			if (rows.length > 0) break;
			continue;
		}
		if (/^\|[-|\s]+\|$/.test(line)) continue;
		rows.push(cells(line));
	}
	return rows;
}

test("the operations table lists exactly each node's operations", () => {
	const rows = tableAfter('| Node | Operations').slice(1);
	for (const adapter of providerAdapters) {
		const row = rows.find((candidate) => candidate[0] === `**${adapter.displayName}**`);
		expect({ provider: adapter.provider, operations: row?.[1] }).toEqual({ provider: adapter.provider, operations: operationsCell(adapter) });
	}
});

test('the provider × feature table has a ✓ exactly where the adapter implements the feature', () => {
	const rows = tableAfter('| Feature |');
	const header = rows[0];
	const expected: string[] = [];
	const actual: string[] = [];
	for (const feature of FEATURES) {
		const row = rows.find((candidate) => candidate[0] === feature.label);
		expect({ feature: feature.label, inTable: row !== undefined }).toEqual({ feature: feature.label, inTable: true });
		for (const adapter of providerAdapters) {
			const column = header.indexOf(adapter.displayName);
			expect({ provider: adapter.displayName, column: column > 0 }).toEqual({ provider: adapter.displayName, column: true });
			const cell = row![column];
			const ticked = cell === '✓' || cell.startsWith('✓ ');
			expected.push(`${feature.label} × ${adapter.displayName}: ${feature.has(adapter) ? '✓' : 'no ✓'}`);
			actual.push(`${feature.label} × ${adapter.displayName}: ${ticked ? '✓' : 'no ✓'}`);
			// Not ticked: either not in the node yet (–) or the provider's API lacks it, with the page saying so.
			if (!ticked) expect({ cell, ok: cell === '–' || /^no API \(\[.+\]\(https:\/\/.+\)\)$/.test(cell) }).toEqual({ cell, ok: true });
		}
	}
	expect(actual).toEqual(expected);
});
