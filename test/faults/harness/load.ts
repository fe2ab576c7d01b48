/**
 * The load generator: sends generated provider callbacks to the relay at a given pace and
 * concurrency over keep-alive connections, and records the answer to every request, so a
 * scenario knows exactly which events were acknowledged (2xx).
 */
import { Agent, request } from 'node:http';

import type { GeneratedEvent } from './provider';
import { sleep } from './util';

export interface SendResult {
	key: string;
	/** HTTP status, or 0 when no answer came (refused, reset, timeout). */
	status: number;
	error?: string;
	startedAt: number;
	endedAt: number;
	body?: string;
}

export interface HttpAnswer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

const agents = new Map<number, Agent>();

function agentFor(maxSockets: number): Agent {
	let agent = agents.get(maxSockets);
	if (!agent) {
		agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
		agents.set(maxSockets, agent);
	}
	return agent;
}

export function destroyAgents(): void {
	for (const agent of agents.values()) agent.destroy();
	agents.clear();
}

/** One HTTP request; never throws for HTTP errors, rejects on network errors and timeouts. */
export async function httpRequest(
	url: string,
	options: {
		method?: string;
		headers?: Record<string, string>;
		body?: Buffer | string;
		timeoutMs?: number;
		agent?: Agent;
	} = {},
): Promise<HttpAnswer> {
	return await new Promise((resolve, reject) => {
		const req = request(
			url,
			{
				method: options.method ?? 'GET',
				headers: options.headers,
				agent: options.agent ?? agentFor(16),
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (chunk: Buffer) => chunks.push(chunk));
				res.on('end', () =>
					resolve({
						status: res.statusCode ?? 0,
						headers: res.headers,
						body: Buffer.concat(chunks).toString('utf8'),
					}),
				);
				res.on('error', reject);
			},
		);
		req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('timeout')));
		req.on('error', reject);
		req.end(options.body);
	});
}

export async function sendOne(
	baseUrl: string,
	event: GeneratedEvent,
	agent: Agent,
	timeoutMs = 10_000,
): Promise<SendResult> {
	const startedAt = Date.now();
	try {
		const answer = await httpRequest(`${baseUrl}/ingest/${encodeURIComponent(event.source)}`, {
			method: 'POST',
			headers: event.headers(),
			body: event.body,
			timeoutMs,
			agent,
		});
		return {
			key: event.key,
			status: answer.status,
			startedAt,
			endedAt: Date.now(),
			body: answer.status >= 300 ? answer.body.slice(0, 300) : undefined,
		};
	} catch (error) {
		return {
			key: event.key,
			status: 0,
			error: (error as Error).message,
			startedAt,
			endedAt: Date.now(),
		};
	}
}

export interface SendOptions {
	/** Events per second to aim at; unpaced when absent. */
	ratePerSecond?: number;
	/** Requests in flight at most. */
	concurrency?: number;
	/** Which relay each event goes to (scale-out spreads the load). */
	target: (event: GeneratedEvent, index: number) => string;
	timeoutMs?: number;
	/** Called after each answer (scenarios use it to trigger faults mid-load). */
	onResult?: (result: SendResult, index: number) => void;
}

/** Sends every event once, paced and bounded; resolves with one result per event, in order. */
export async function sendAll(events: readonly GeneratedEvent[], options: SendOptions): Promise<SendResult[]> {
	const concurrency = options.concurrency ?? 32;
	const agent = agentFor(concurrency);
	const results: SendResult[] = new Array(events.length);
	const start = Date.now();
	let next = 0;
	const worker = async () => {
		for (;;) {
			const index = next++;
			if (index >= events.length) return;
			if (options.ratePerSecond) {
				const due = start + (index * 1000) / options.ratePerSecond;
				const wait = due - Date.now();
				if (wait > 0) await sleep(wait);
			}
			const event = events[index];
			const result = await sendOne(options.target(event, index), event, agent, options.timeoutMs);
			results[index] = result;
			options.onResult?.(result, index);
		}
	};
	await Promise.all(Array.from({ length: concurrency }, worker));
	return results;
}

export function isAck(result: SendResult): boolean {
	return result.status >= 200 && result.status < 300;
}
