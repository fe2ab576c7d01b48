// autocannon ships no types; this is the part of its API the end-to-end figures use.
declare module 'autocannon' {
	interface AutocannonRequest {
		method?: string;
		headers?: Record<string, string>;
		body?: string;
	}
	interface AutocannonResult {
		errors: number;
		timeouts: number;
		non2xx: number;
		latency: { p50: number; p99: number; average: number };
		requests: { total: number; average: number };
	}
	function autocannon(options: {
		url: string;
		connections: number;
		duration: number;
		requests?: Array<{ method?: string; setupRequest?: (request: AutocannonRequest) => AutocannonRequest }>;
	}): Promise<AutocannonResult>;
	export default autocannon;
}
