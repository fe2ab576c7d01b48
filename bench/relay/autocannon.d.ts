/** The small part of autocannon's API the relay benchmark uses (the package ships no types). */
declare module 'autocannon' {
	interface Request {
		method?: string;
		path?: string;
		headers?: Record<string, string>;
		body?: string | Buffer;
		setupRequest?: (request: Request) => Request;
	}
	interface Options {
		url: string;
		connections?: number;
		duration?: number;
		amount?: number;
		overallRate?: number;
		pipelining?: number;
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		requests?: Request[];
	}
	interface Histogram {
		average: number;
		mean: number;
		p50: number;
		p90: number;
		p99: number;
		max: number;
	}
	interface Result {
		requests: Histogram & { total: number; sent: number };
		latency: Histogram;
		non2xx: number;
		errors: number;
		timeouts: number;
		duration: number;
		'2xx': number;
	}
	function autocannon(options: Options): Promise<Result>;
	export = autocannon;
}
