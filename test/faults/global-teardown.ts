/** Prints the fault table once every scenario has recorded its row. */
import { renderTable, resultsFile } from './harness/results';

export default function globalTeardown(): void {
	process.stdout.write(`\nFault table (${process.env.FAULTS_FULL === '1' ? 'full' : 'CI'} sizes; rows in ${resultsFile()}):\n\n${renderTable()}\n\n`);
}
