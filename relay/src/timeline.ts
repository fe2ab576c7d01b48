/**
 * A document's timeline: every event of one document, from every source, with where each was
 * delivered and how — what a team asks as "did the signed event for this contract arrive, and
 * what happened to it?".
 *
 * The fan-out indexes each event with a document id in its source's
 * `…{src:<id>}:doc:<document id>` sorted set (fanout.ts), which expires with the events. A
 * timeline reads that set in every source, the events, and for each subscription that matched
 * an event when it arrived, its delivery and attempts.
 */
import type { CanonicalEvent } from '../../nodes/providers/webhooks';
import type { DeliveryAttempt, DeliveryStore } from './delivery-store';
import { deliveryId } from './delivery-store';
import type { Keys, RedisClient } from './redis';
import { matches, type Subscription } from './subscriptions';

/** The steps of a signing, in order; `failed` ends it early. */
export const STAGES = ['uploaded', 'invite_sent', 'signed', 'delivered', 'failed'] as const;
export type Stage = (typeof STAGES)[number];

/** Canonical event type → the step it shows and the words of its badge. */
export const EVENT_STAGE: Record<string, { stage: Stage | null; label: string }> = {
	'document.updated': { stage: 'uploaded', label: 'Uploaded / updated' },
	'invite.sent': { stage: 'invite_sent', label: 'Invite sent' },
	'document.viewed': { stage: 'invite_sent', label: 'Viewed' },
	'invite.signed': { stage: 'signed', label: 'Signed by a signer' },
	'document.completed': { stage: 'signed', label: 'Signed by everyone' },
	'invite.declined': { stage: 'failed', label: 'Declined' },
	'invite.expired': { stage: 'failed', label: 'Expired' },
	'document.deleted': { stage: 'failed', label: 'Deleted' },
	other: { stage: null, label: 'Other provider event' },
};

export interface TimelineDelivery {
	id: string;
	subscriptionId: string;
	description: string | null;
	status: string;
	history: DeliveryAttempt[];
	lastStatus: number | null;
	lastError: string | null;
	finishedAt: string | null;
}

export interface TimelineEntry {
	id: string;
	source: string;
	provider: string;
	type: string;
	providerEvent: string;
	label: string;
	stage: Stage | null;
	occurredAt: string | null;
	receivedAt: string;
	documentName: string | null;
	signerEmail: string | null;
	deliveries: TimelineDelivery[];
}

export interface Timeline {
	documentId: string;
	documentName: string | null;
	/** Steps reached: uploaded (an event exists), invite sent, signed by everyone, delivered to n8n, failed. */
	steps: Record<Stage, boolean>;
	events: TimelineEntry[];
}

const MAX_EVENTS = 500;

export class TimelineReader {
	constructor(
		private readonly redis: RedisClient,
		private readonly keys: Keys,
		private readonly store: DeliveryStore,
	) {}

	/**
	 * `subscriptions`: those whose deliveries may be shown (a subscriber's own, or all); with
	 * `onlyMatched`, events none of them matched are left out (a subscriber sees only those).
	 */
	async read(documentId: string, sources: readonly string[], subscriptions: readonly Subscription[], onlyMatched: boolean): Promise<Timeline> {
		const perSource = await Promise.all(
			sources.map(async (source) => ({
				source,
				ids: await this.redis.zrange(this.keys.documentEvents(source, documentId), 0, MAX_EVENTS - 1),
			})),
		);
		const entries: TimelineEntry[] = [];
		for (const { source, ids } of perSource) {
			const bodies = await Promise.all(ids.map((id) => this.redis.get(this.keys.event(source, id))));
			for (const [index, raw] of bodies.entries()) {
				if (!raw) continue;
				const event = JSON.parse(raw) as CanonicalEvent & { receivedAt: string };
				const matched = subscriptions.filter(
					(subscription) => subscription.createdAt <= event.receivedAt && matches({ ...subscription, status: 'active' }, event, source),
				);
				if (onlyMatched && matched.length === 0) continue;
				const deliveries = await Promise.all(matched.map((subscription) => this.delivery(subscription, source, ids[index])));
				const stage = EVENT_STAGE[event.type] ?? EVENT_STAGE.other;
				entries.push({
					id: event.id,
					source,
					provider: event.provider,
					type: event.type,
					providerEvent: event.providerEvent,
					label: stage.label,
					stage: stage.stage,
					occurredAt: event.occurredAt ?? null,
					receivedAt: event.receivedAt,
					documentName: event.documentName ?? null,
					signerEmail: event.signerEmail ?? null,
					deliveries: deliveries.filter((delivery): delivery is TimelineDelivery => delivery !== undefined),
				});
			}
		}
		entries.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
		const steps = Object.fromEntries(STAGES.map((stage) => [stage, false])) as Record<Stage, boolean>;
		for (const entry of entries) {
			steps.uploaded = true;
			if (entry.stage === 'invite_sent' || entry.stage === 'signed') steps.invite_sent = true;
			if (entry.type === 'document.completed') {
				steps.signed = true;
				steps.invite_sent = true;
				if (entry.deliveries.some((delivery) => delivery.status === 'delivered')) steps.delivered = true;
			}
			if (entry.stage === 'failed') steps.failed = true;
		}
		return {
			documentId,
			documentName: entries.find((entry) => entry.documentName)?.documentName ?? null,
			steps,
			events: entries,
		};
	}

	/** The documents with the latest events, newest first, over every source. */
	async recent(sources: readonly string[], limit: number): Promise<Array<{ documentId: string; lastEventAt: string; sources: string[] }>> {
		const perSource = await Promise.all(
			sources.map(async (source) => ({ source, entries: await this.redis.zrevrange(this.keys.documents(source), 0, limit - 1, 'WITHSCORES') })),
		);
		const byDocument = new Map<string, { documentId: string; last: number; sources: string[] }>();
		for (const { source, entries } of perSource) {
			for (let i = 0; i + 1 < entries.length; i += 2) {
				const found = byDocument.get(entries[i]) ?? { documentId: entries[i], last: 0, sources: [] };
				found.last = Math.max(found.last, Number(entries[i + 1]));
				found.sources.push(source);
				byDocument.set(entries[i], found);
			}
		}
		return [...byDocument.values()]
			.sort((a, b) => b.last - a.last)
			.slice(0, limit)
			.map(({ documentId, last, sources: found }) => ({ documentId, lastEventAt: new Date(last).toISOString(), sources: found }));
	}

	private async delivery(subscription: Subscription, source: string, eventId: string): Promise<TimelineDelivery | undefined> {
		const id = deliveryId(subscription.id, source, eventId);
		const [stored, attempts] = await Promise.all([this.store.read(subscription.id, id), this.store.attempts(subscription.id, id)]);
		if (!stored) return undefined;
		return {
			id,
			subscriptionId: subscription.id,
			description: subscription.description,
			status: stored.status,
			history: attempts,
			lastStatus: stored.lastStatus,
			lastError: stored.lastError,
			finishedAt: stored.finishedAtMs ? new Date(stored.finishedAtMs).toISOString() : null,
		};
	}
}
