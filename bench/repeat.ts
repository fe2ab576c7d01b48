/**
 * The one place every benchmark repeats a measurement and summarises it: a figure is printed
 * as `median (min–max)` of BENCH_RUNS runs (default 3), so a figure copied into the README is
 * one a newcomer re-running the bench lands inside, and the spread says how much to trust it.
 * Ratios to a baseline are taken per run (relay run i ÷ baseline run i, both measured in the
 * same pass) and then summarised the same way: a ratio of two medians would pair figures
 * measured minutes apart on a machine whose speed drifts.
 */

/** How many times each measured row (baselines included) runs; BENCH_RUNS overrides. */
export const RUNS = Math.max(1, Math.floor(Number(process.env.BENCH_RUNS ?? 3)) || 3);

export interface Summary {
	median: number;
	min: number;
	max: number;
	/** How many finite values the summary is made of. */
	n: number;
}

/** Median and range of the finite values (NaN/undefined, i.e. a run that produced nothing, are left out). */
export function summarize(values: readonly (number | undefined)[]): Summary | undefined {
	const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return undefined;
	const middle = Math.floor(sorted.length / 2);
	const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

function number(n: number, digits: number): string {
	return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * `median (min–max)`, `–` when no run produced the figure; a single run prints its value alone
 * (BENCH_RUNS=1 is for checking the code, not for quoting).
 */
export function formatSummary(values: readonly (number | undefined)[], digits = 0): string {
	const s = summarize(values);
	if (!s) return '–';
	if (s.n === 1) return number(s.median, digits);
	return `${number(s.median, digits)} (${number(s.min, digits)}–${number(s.max, digits)})`;
}

/** Per-run ratios `a[i] / b[i]`; a run where either side is missing gives NaN (left out of the summary). */
export function perRunRatios(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): number[] {
	return a.map((value, i) => {
		const base = b[i];
		return typeof value === 'number' && typeof base === 'number' && base !== 0 ? value / base : NaN;
	});
}

/** Runs `measure` RUNS times in sequence (never concurrently: they would share the cores). */
export async function repeat<T>(measure: (run: number) => Promise<T>, runs = RUNS, onRun?: (run: number) => void): Promise<T[]> {
	const results: T[] = [];
	for (let run = 0; run < runs; run++) {
		onRun?.(run);
		results.push(await measure(run));
	}
	return results;
}

/** Nearest-rank quantile of already-sorted values (`q` in 0..1); NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
	if (sorted.length === 0) return NaN;
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
