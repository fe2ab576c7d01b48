/**
 * The item a trigger run starts with: the canonical event, with what a person building the
 * flow looks for first (event type, document, signer) at the top.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { CanonicalEvent } from '../providers/events';

/**
 * What identifies one event across everything that reaches this trigger: via the relay, its
 * source and event id (event ids are unique within a source only; two accounts can number
 * theirs alike), which is the delivery's `webhook-id`; in direct mode, where one account
 * calls the trigger, the event id. Read from the signed body, so it stays the same for an
 * event delivered before and after a relay upgrade (older relays sent the bare event id as
 * `webhook-id`).
 */
export function webhookIdOf(event: CanonicalEvent & { source?: string }): string {
	return event.source !== undefined ? `${event.source}:${event.id}` : event.id;
}

export function eventToItem(event: CanonicalEvent & { source?: string; receivedAt?: string }): INodeExecutionData {
	const json: IDataObject = {
		eventType: event.type,
		documentId: event.documentId,
		documentName: event.documentName ?? null,
		signerEmail: event.signerEmail ?? null,
		provider: event.provider,
		providerEvent: event.providerEvent,
		occurredAt: event.occurredAt,
		eventId: event.id,
		webhookId: webhookIdOf(event),
	};
	if (event.source !== undefined) json.source = event.source;
	if (event.receivedAt !== undefined) json.receivedAt = event.receivedAt;
	json.payload = event.payload as IDataObject;
	return { json };
}

export interface EventFilter {
	eventTypes: string[];
	documentId?: string;
}

/** Whether the user asked for this event (an empty list of types means all of them). */
export function matchesFilter(event: CanonicalEvent, filter: EventFilter): boolean {
	if (filter.eventTypes.length > 0 && !filter.eventTypes.includes(event.type)) return false;
	if (filter.documentId && event.documentId !== filter.documentId) return false;
	return true;
}
