/**
 * Holding a completion until the signed file is ready (opt-in per source: `holdCompletion`).
 * Dropbox Sign sends `signature_request_all_signed` before its files can be downloaded (GET
 * files answers 409) and `signature_request_downloadable` once they can: a workflow that
 * downloads on "completed" would fail. With the option, the completion is stored and
 * acknowledged as usual, but its fan-out waits until the file-ready event of the same
 * document has arrived — or until `maxWaitMs` has passed, when it is delivered anyway.
 *
 * Crash-safe without any timer of its own: the held completion sits in the source's outbox
 * with a lease that ends at the bound, so whichever relay sweeps that outbox delivers it then
 * if nothing released it earlier. The hold marker (`held`, document → event id) and the
 * "file already ready" marker (`ready`, for a file-ready event that overtook its completion)
 * are per-source keys that expire with the bound.
 */
import type { CanonicalEvent } from '../../nodes/providers/webhooks';
import type { SourceConfig } from './config';
import type { Keys, RedisClient } from './redis';

/** Providers with a file-ready event after their completion event. */
export const FILE_READY_EVENTS: Readonly<Record<string, { completion: string; fileReady: string }>> = {
	'dropbox-sign': { completion: 'signature_request_all_signed', fileReady: 'signature_request_downloadable' },
};

export interface HeldCompletion {
	eventId: string;
	body: string;
}

export class CompletionHold {
	private readonly bounds = new Map<string, number>();

	constructor(
		private readonly keys: Keys,
		private readonly redis: RedisClient,
		sources: readonly SourceConfig[],
	) {
		for (const source of sources) if (source.holdCompletion) this.bounds.set(source.id, source.holdCompletion.maxWaitMs);
	}

	private pairOf(event: CanonicalEvent, source: string) {
		const bound = this.bounds.get(source);
		const pair = FILE_READY_EVENTS[event.provider];
		if (bound === undefined || !pair || !event.documentId) return undefined;
		return { bound, pair, documentId: event.documentId };
	}

	/**
	 * For a completion to hold: the outbox lease to store it with (the bound), after which it is
	 * delivered anyway. Undefined: not held (option off, another event, or its file is ready already).
	 */
	async leaseFor(event: CanonicalEvent, source: string, receivedAtMs: number): Promise<number | undefined> {
		const found = this.pairOf(event, source);
		if (!found || event.providerEvent !== found.pair.completion) return undefined;
		if ((await this.redis.exists(this.keys.sourceKey(source, `file-ready:${found.documentId}`))) === 1) return undefined;
		// Marked before the event is stored: a file-ready event arriving meanwhile releases it.
		await this.redis.set(this.keys.sourceKey(source, `held:${found.documentId}`), event.id, 'PX', found.bound);
		return receivedAtMs + found.bound;
	}

	/**
	 * For a file-ready event: the completion it releases (to fan out now, before it), if one is held.
	 * Otherwise remembers that the file is ready, so a completion arriving later is not held.
	 */
	async release(event: CanonicalEvent, source: string, nowMs: number, leaseMs: number): Promise<HeldCompletion | undefined> {
		const found = this.pairOf(event, source);
		if (!found || event.providerEvent !== found.pair.fileReady) return undefined;
		const heldKey = this.keys.sourceKey(source, `held:${found.documentId}`);
		const eventId = await this.redis.getdel(heldKey);
		if (!eventId) {
			await this.redis.set(this.keys.sourceKey(source, `file-ready:${found.documentId}`), '1', 'PX', found.bound);
			return undefined;
		}
		const body = await this.redis.get(this.keys.event(source, eventId));
		// XX: only if it is still waiting; an ordinary lease from now on, should this process die.
		const waiting = await this.redis.zadd(this.keys.outbox(source), 'XX', 'CH', nowMs + leaseMs, eventId);
		if (!body || waiting === 0) return undefined;
		return { eventId, body };
	}
}
