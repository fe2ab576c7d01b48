/**
 * autocannon driving POSTs of pre-signed, unique callbacks (one body per request, never
 * reused, so the relay's dedup never short-circuits), with the server's RSS sampled.
 */
import type { GeneratedEvent } from '../../test/faults/harness/provider';

// autocannon ships no types; this is the part of its result the bench reads.
interface CannonResult {
	duration: number;
	errors: number;
	timeouts: number;
	non2xx: number;
	'2xx': number;
	latency: { p50: number; p99: number; average: number };
	requests: { total: number; average: number };
}
type Cannon = (options: Record<string, unknown>) => Promise<CannonResult>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Cannon;

export interface LoadFigures {
	eventsPerSecond: number;
	p50: number;
	p99: number;
	ok: number;
	failed: number;
	maxRssBytes: number;
	durationS: number;
}

export async function drive(
	url: string,
	events: readonly GeneratedEvent[],
	options: { connections?: number; overallRate?: number; rss: () => number; path?: (event: GeneratedEvent) => string },
): Promise<LoadFigures> {
	let next = 0;
	let maxRss = 0;
	const sampler = setInterval(() => {
		try {
			maxRss = Math.max(maxRss, options.rss());
		} catch {
			// The process may be between samples of its own restart; the next sample counts.
		}
	}, 200);
	const connections = options.connections ?? 50;
	// A few bodies are held back: autocannon may prepare a request per connection beyond `amount`.
	const amount = Math.max(connections, events.length - connections * 2);
	let firstAt = 0n;
	let lastAt = 0n;
	try {
		const result = await autocannon({
			url,
			connections,
			amount,
			overallRate: options.overallRate,
			timeout: 30,
			requests: [
				{
					method: 'POST',
					setupRequest: (request: Record<string, unknown>) => {
						if (firstAt === 0n) firstAt = process.hrtime.bigint();
						const event = events[next++ % events.length];
						request.path = options.path ? options.path(event) : `/ingest/${event.source}`;
						request.headers = event.headers();
						request.body = event.body;
						return request;
					},
					onResponse: () => {
						lastAt = process.hrtime.bigint();
					},
				},
			],
		});
		// autocannon notices the end of an `amount` run on its one-second tick (a 2.2 s run
		// reads 3 s), so the rate is taken from the first request to the last answer.
		const seconds = Math.max(0.001, Number(lastAt - firstAt) / 1e9);
		return {
			eventsPerSecond: result['2xx'] / seconds,
			p50: result.latency.p50,
			p99: result.latency.p99,
			ok: result['2xx'],
			failed: result.non2xx + result.errors + result.timeouts,
			maxRssBytes: maxRss,
			durationS: seconds,
		};
	} finally {
		clearInterval(sampler);
	}
}
