/**
 * The canonical event: what every provider's webhook becomes once verified, whichever
 * provider sent it. The relay stores and delivers it; the trigger node outputs it.
 * Pure data, no n8n types, so the relay can import it.
 */
export const CANONICAL_EVENT_TYPES = [
	'document.completed',
	'document.viewed',
	'document.updated',
	'document.deleted',
	'invite.sent',
	'invite.signed',
	'invite.declined',
	'invite.expired',
	// A provider event we have no mapping for: still delivered (nothing is dropped silently),
	// and subscribers that filter by type only receive it when they ask for it.
	'other',
] as const;

export type CanonicalEventType = (typeof CANONICAL_EVENT_TYPES)[number];

export interface CanonicalEvent {
	/** Stable across every retry of the same provider event; the relay deduplicates on it. */
	id: string;
	provider: string;
	type: CanonicalEventType;
	/** The provider's own event name, e.g. SignNow's `document.complete`. */
	providerEvent: string;
	documentId: string | null;
	documentName?: string;
	signerEmail?: string;
	/** ISO 8601, when the provider says the event happened. */
	occurredAt: string;
	/** The provider's payload with every access token removed. */
	payload: unknown;
}

export function isCanonicalEventType(value: string): value is CanonicalEventType {
	return (CANONICAL_EVENT_TYPES as readonly string[]).includes(value);
}
