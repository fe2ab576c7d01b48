/**
 * The books of a scenario: what the provider sent, what the relay acknowledged, what each
 * sink executed, and from those the figures of the fault table. Definitions (also in
 * docs/faults.md):
 * - sent: distinct events the generator sent at least one request for;
 * - acknowledged: distinct events at least one request of which got a 2xx;
 * - delivered: distinct acknowledged events a sink executed (answered 2xx to a correctly
 *   signed delivery), summed over the scenario's subscriptions;
 * - lost: acknowledged events a subscribed sink never executed;
 * - duplicated: events a sink executed under two or more different `webhook-id`s, or under a
 *   `webhook-id` other than `<source>:<body id>`: duplicates a receiver deduplicating on
 *   `webhook-id` (as the trigger node's docs tell it to) cannot catch;
 * - redelivered: extra executions of an event under the same `webhook-id` (at-least-once
 *   after a crash; caught by the receiver's dedup). Scenarios without a crash require 0.
 */
import type { GeneratedEvent } from './provider';
import type { SendResult } from './load';
import { isAck } from './load';
import type { DeliveryAttempt, Sink } from './sink';

export interface Tally {
	sent: number;
	acknowledged: number;
	delivered: number;
	lost: number;
	duplicated: number;
	redelivered: number;
	/** Executions of events the generator never sent (must be 0). */
	unknown: number;
	/** Deliveries whose signature did not verify (must be 0). */
	badSignatures: number;
	/** Deliveries whose webhook-id was not `<source>:<canonical id>`, or whose body id was not the canonical id (must be 0). */
	wrongIds: number;
	lostKeys: string[];
	duplicatedKeys: string[];
}

/** The relay delivers an event under its source and canonical id (event ids are unique per source only). */
export function expectedWebhookId(event: GeneratedEvent): string {
	return `${event.source}:${event.canonicalId}`;
}

export class Ledger {
	private readonly events = new Map<string, GeneratedEvent>();
	private readonly acked = new Set<string>();
	readonly results: SendResult[] = [];

	addSent(events: readonly GeneratedEvent[]): void {
		for (const event of events) this.events.set(event.key, event);
	}

	addResults(results: readonly SendResult[]): void {
		for (const result of results) {
			if (!result) continue;
			this.results.push(result);
			if (isAck(result)) this.acked.add(result.key);
		}
	}

	event(key: string): GeneratedEvent {
		const event = this.events.get(key);
		if (!event) throw new Error(`no event ${key} was sent in this scenario`);
		return event;
	}

	get ackedKeys(): ReadonlySet<string> {
		return this.acked;
	}

	/** Acknowledged events every one of `sinks` has executed at least once. */
	deliveredEverywhere(sinks: readonly Sink[]): boolean {
		return sinks.every((sink) => {
			const executed = new Set(sink.executions().map((a) => a.key));
			for (const key of this.acked) if (!executed.has(key)) return false;
			return true;
		});
	}

	tally(sinks: readonly Sink[]): Tally {
		const tally: Tally = {
			sent: this.events.size,
			acknowledged: this.acked.size,
			delivered: 0,
			lost: 0,
			duplicated: 0,
			redelivered: 0,
			unknown: 0,
			badSignatures: 0,
			wrongIds: 0,
			lostKeys: [],
			duplicatedKeys: [],
		};
		for (const sink of sinks) {
			tally.badSignatures += sink.attempts.filter((a) => !a.signatureValid).length;
			const byKey = new Map<string, DeliveryAttempt[]>();
			for (const attempt of sink.executions()) {
				const key = attempt.key ?? '';
				const event = this.events.get(key);
				if (!event) {
					tally.unknown++;
					continue;
				}
				if (attempt.webhookId !== expectedWebhookId(event) || attempt.bodyId !== event.canonicalId) tally.wrongIds++;
				const list = byKey.get(key) ?? [];
				list.push(attempt);
				byKey.set(key, list);
			}
			for (const key of this.acked) {
				if (byKey.has(key)) tally.delivered++;
				else {
					tally.lost++;
					if (tally.lostKeys.length < 20) tally.lostKeys.push(`${sink.name}:${key}`);
				}
			}
			for (const [key, executions] of byKey) {
				const ids = new Set(executions.map((a) => a.webhookId));
				const expected = expectedWebhookId(this.event(key));
				if (ids.size > 1 || executions.some((a) => a.webhookId !== expected)) {
					tally.duplicated++;
					if (tally.duplicatedKeys.length < 20) tally.duplicatedKeys.push(`${sink.name}:${key}`);
				}
				tally.redelivered += executions.length - ids.size;
			}
		}
		return tally;
	}
}
