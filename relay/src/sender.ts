/** One signed POST of an event to a subscriber, with a hard timeout. */
import { Agent as HttpAgent, STATUS_CODES, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

import { signedHeaders } from '../../nodes/providers/standard-webhooks/signature';
import { DeliveryFailure, parseRetryAfter } from './retry';
import { TargetRefused, guardedLookup, refusalForLiteral, type TargetRule } from './targets';

export interface SendResult {
	status: number;
	durationMs: number;
}

const USER_AGENT = 'esign-relay/0.1 (+standard-webhooks)';

export class Sender {
	private readonly httpAgent: HttpAgent;
	private readonly httpsAgent: HttpsAgent;
	private readonly lookup: ReturnType<typeof guardedLookup>;

	constructor(
		private readonly rules: readonly TargetRule[],
		private readonly timeoutMs: number,
		private readonly slowDownMs: number,
	) {
		this.lookup = guardedLookup(rules);
		// Keep-alive: a target receives many deliveries; a new TCP (and TLS) handshake each time
		// would cost more than the request itself.
		this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256 });
		this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256 });
	}

	/**
	 * Resolves on 2xx; otherwise throws a DeliveryFailure whose reason tells the caller
	 * whether to slow down (429, 503, timeout) or give up (410, refused target).
	 */
	send(url: string, secret: string, webhookId: string, body: string): Promise<SendResult> {
		const target = new URL(url);
		const literalRefusal = refusalForLiteral(this.rules, target);
		if (literalRefusal) return Promise.reject(new DeliveryFailure(literalRefusal, 'refused'));
		const payload = Buffer.from(body);
		const headers = {
			...signedHeaders(secret, webhookId, Math.floor(Date.now() / 1000), payload),
			'content-type': 'application/json',
			'content-length': String(payload.length),
			'user-agent': USER_AGENT,
		};
		const started = performance.now();
		const isHttps = target.protocol === 'https:';
		return new Promise<SendResult>((resolve, reject) => {
			const request = (isHttps ? httpsRequest : httpRequest)(target, {
				method: 'POST',
				headers,
				agent: isHttps ? this.httpsAgent : this.httpAgent,
				lookup: this.lookup as never,
			});
			const timer = setTimeout(() => {
				request.destroy(new DeliveryFailure(`no answer within ${this.timeoutMs} ms`, 'timeout', undefined, this.slowDownMs));
			}, this.timeoutMs);
			request.on('error', (error) => {
				clearTimeout(timer);
				if (error instanceof DeliveryFailure) return reject(error);
				if (error instanceof TargetRefused) return reject(new DeliveryFailure(error.message, 'refused'));
				reject(new DeliveryFailure(networkReason(error), 'network'));
			});
			request.on('response', (response) => {
				const status = response.statusCode ?? 0;
				// The body is read to the end (so the socket can be reused) and dropped: whatever a
				// target answers must not come back through the admin API (lastError), or an
				// admin-token holder could read internal services through the relay.
				response.resume();
				response.on('error', () => undefined);
				response.on('end', () => {
					clearTimeout(timer);
					const durationMs = performance.now() - started;
					if (status >= 200 && status < 300) return resolve({ status, durationMs });
					reject(failureFor(status, response.headers, this.slowDownMs));
				});
			});
			request.end(payload);
		});
	}

	close(): void {
		this.httpAgent.destroy();
		this.httpsAgent.destroy();
	}
}

/**
 * A network failure's reason: its error code (ECONNREFUSED, ECONNRESET, …), which says what
 * went wrong without echoing anything the far end sent.
 */
function networkReason(error: Error): string {
	const code = (error as NodeJS.ErrnoException).code;
	if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
	return 'network error';
}

/**
 * The failure for a non-2xx answer: the status and its standard text (`HTTP 502 Bad Gateway`),
 * never the target's own reason phrase or body.
 */
function failureFor(status: number, headers: IncomingHttpHeaders, slowDownMs: number): DeliveryFailure {
	const text = STATUS_CODES[status];
	const message = text ? `HTTP ${status} ${text}` : `HTTP ${status}`;
	if (status === 429 || status === 503) {
		const retryAfter = parseRetryAfter(headers['retry-after']) ?? slowDownMs;
		return new DeliveryFailure(message, status === 429 ? 'http_429' : 'http_503', status, retryAfter);
	}
	return new DeliveryFailure(message, status >= 500 ? 'http_5xx' : 'http_4xx', status);
}
