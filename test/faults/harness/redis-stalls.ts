/**
 * Watches a scenario's Redis from outside the relay, so a scenario can tell a relay that
 * failed from a Redis that stalled.
 *
 * The relay's contract when Redis does not answer within its command timeout (5 s) is to
 * answer 503 `unavailable` and let the provider retry (scenario 2 tests it on a killed
 * Redis). Redis itself can stall that long on a shared machine: with appendfsync=always it
 * fsyncs before it answers, and a busy disk once held it past 5 s in CI. Scenarios that
 * expect every request acknowledged excuse a 503 only when this watch saw Redis not answer
 * a PING for STALL_MS around it; a relay that answers 503 while Redis answers still fails.
 */
import { connect, type Socket } from 'node:net';

import type { SendResult } from './load';

/** Half the relay's Redis command timeout: shorter stalls cannot have made it answer 503. */
export const STALL_MS = 2_500;
const PING_EVERY_MS = 100;

export interface Stall {
	from: number;
	to: number;
}

export class RedisStallWatch {
	/** PINGs that took STALL_MS or longer to answer, or are still unanswered after it. */
	private readonly stalls: Stall[] = [];
	private socket: Socket | undefined;
	private pingSentAt: number | undefined;
	private timer: NodeJS.Timeout | undefined;
	private stopped = false;

	private constructor(private readonly port: number) {}

	static start(port: number): RedisStallWatch {
		const watch = new RedisStallWatch(port);
		watch.open();
		return watch;
	}

	/** The stalls seen so far, the one in progress included. */
	seen(now = Date.now()): Stall[] {
		const open = this.pingSentAt !== undefined && now - this.pingSentAt >= STALL_MS ? [{ from: this.pingSentAt, to: now }] : [];
		return [...this.stalls, ...open];
	}

	longestMs(): number {
		return Math.max(0, ...this.seen().map((stall) => stall.to - stall.from));
	}

	/** A 503 `unavailable` answered while Redis stalled. */
	explains(result: SendResult): boolean {
		if (result.status !== 503 || !result.body?.includes('"unavailable"')) return false;
		return this.seen().some((stall) => stall.from < result.endedAt && stall.to > result.startedAt);
	}

	stop(): void {
		this.stopped = true;
		clearTimeout(this.timer);
		this.socket?.destroy();
	}

	private open(): void {
		if (this.stopped) return;
		const socket = connect(this.port, '127.0.0.1');
		this.socket = socket;
		socket.setNoDelay(true);
		socket.on('connect', () => this.ping());
		socket.on('data', (chunk) => {
			// One PING in flight at a time, so every "+PONG\r\n" answers the last one sent.
			if (!chunk.toString('latin1').includes('\r\n') || this.pingSentAt === undefined) return;
			const now = Date.now();
			if (now - this.pingSentAt >= STALL_MS) this.stalls.push({ from: this.pingSentAt, to: now });
			this.pingSentAt = undefined;
			this.timer = setTimeout(() => this.ping(), PING_EVERY_MS);
		});
		// A Redis that is down (scenario 2 kills it) refuses connections: that is not a stall,
		// and the relay answers 503 at once. Reconnect and watch again once it is back.
		socket.on('error', () => undefined);
		socket.on('close', () => {
			this.pingSentAt = undefined;
			clearTimeout(this.timer);
			if (!this.stopped) this.timer = setTimeout(() => this.open(), PING_EVERY_MS);
		});
	}

	private ping(): void {
		if (this.stopped || !this.socket?.writable) return;
		this.pingSentAt = Date.now();
		this.socket.write('PING\r\n');
	}
}
