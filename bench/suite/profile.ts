/**
 * Where a relay's CPU time goes: reads the `.cpuprofile` files `node --cpu-prof` wrote and
 * sums self time by function, and by package (express, bullmq, ioredis, pino, ours…).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
	id: number;
	callFrame: { functionName: string; url: string; lineNumber: number };
	hitCount?: number;
}

interface CpuProfile {
	nodes: ProfileNode[];
	startTime: number;
	endTime: number;
	samples: number[];
	timeDeltas: number[];
}

function packageOf(url: string): string {
	if (!url) return '(native/GC/idle)';
	const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
	if (modules) return modules[1];
	if (url.startsWith('node:')) return 'node core';
	if (url.includes('/nodes/providers/')) return 'ours: provider modules';
	if (url.includes('/relay/')) return 'ours: relay';
	return url.replace(/^file:\/\//, '');
}

export interface ProfileSummary {
	totalMs: number;
	byPackage: Array<[string, number]>;
	byFunction: Array<[string, number]>;
}

export function summarize(dir: string, top = 12): ProfileSummary {
	const byPackage = new Map<string, number>();
	const byFunction = new Map<string, number>();
	let totalMs = 0;
	for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
		const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
		const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
		profile.samples.forEach((id, i) => {
			const ms = (profile.timeDeltas[i] ?? 0) / 1000;
			const node = nodes.get(id);
			if (!node) return;
			const { functionName, url, lineNumber } = node.callFrame;
			if (functionName === '(idle)') return;
			totalMs += ms;
			const pkg = packageOf(url);
			byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
			const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`;
			byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
		});
	}
	const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
	return { totalMs, byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}

export function renderSummary(summary: ProfileSummary): string {
	const pct = (ms: number) => `${((ms / summary.totalMs) * 100).toFixed(1)} %`;
	return [
		`CPU (non-idle) ${Math.round(summary.totalMs)} ms. Self time by package:`,
		...summary.byPackage.map(([name, ms]) => `  ${pct(ms).padStart(7)}  ${name}`),
		'Top functions (self time):',
		...summary.byFunction.map(([name, ms]) => `  ${pct(ms).padStart(7)}  ${name}`),
	].join('\n');
}
