/**
 * The contract of a provider's reconciliation: "which documents reached a state since T",
 * asked through the provider's API, for the relay's periodic sweep (docs/relay.md,
 * "Reconciliation"). Pure, n8n-free and timer-free: a reconciler talks HTTP through the
 * `ProviderClient` it is handed (the relay's fetch-based one), so the node could use it too.
 *
 * A sweep and a webhook report the same state change with different event ids (a webhook's id
 * comes from what the provider put in the callback, e.g. DocuSign's generatedDateTime, which no
 * list endpoint returns), so ids alone cannot tell that they are one change. Both paths
 * therefore also mark a **state key** per (document, state): `stateKey` gives it for a
 * webhook's event and the sweep's alike, and the relay's ingest script treats an event whose
 * state key is already marked as a duplicate, whichever path came first.
 */
import type { ProviderClient } from './adapter';
import type { CanonicalEvent } from './events';
import { stableEventId, stripTokens } from './webhook';

/** What a source's `reconcile` settings give the reconciler (validated by the relay with zod). */
export interface ReconcileCredentials {
	/** The API's base URL (DocuSign: the account's base URI; SignNow: https://api.signnow.com). */
	baseUrl: string;
	accessToken?: string;
	apiKey?: string;
	/** DocuSign: the API account id (GUID). */
	accountId?: string;
}

export interface Reconciler {
	readonly provider: string;
	/**
	 * The shortest sweep interval the provider's published guidance allows, in ms; the relay
	 * refuses a shorter one at start-up. `reference` says where it is published.
	 */
	readonly minIntervalMs: number;
	readonly reference: string;
	/** Throws an Error a person can act on when a credential field the provider needs is missing. */
	checkCredentials(credentials: ReconcileCredentials): void;
	/** The `Authorization` (or API key) headers for the provider. */
	authHeaders(credentials: ReconcileCredentials): Record<string, string>;
	/**
	 * Every reconciled state (see `stateKey`) a document reached at or after `sinceMs`, as
	 * canonical events with ids stable across sweeps. Throws when the provider cannot be asked
	 * (the relay then keeps its cursor and tries again next time).
	 */
	listChanges(client: ProviderClient, credentials: ReconcileCredentials, sinceMs: number, nowMs: number): Promise<CanonicalEvent[]>;
	/**
	 * The state a webhook's (or a sweep's) event puts its document in, when it is one the sweep
	 * reconciles: `completed`, `declined`, `voided`. Undefined for every other event.
	 */
	stateKey(event: Pick<CanonicalEvent, 'providerEvent' | 'documentId'>): string | undefined;
}

/** `<document id>:<state>`; what the relay marks per source. */
export function documentState(documentId: string | null, state: string | undefined): string | undefined {
	return documentId && state ? `${documentId}:${state}` : undefined;
}

/** The id of a sweep's event: one per (account, document, state), the same on every sweep. */
export function reconciledEventId(provider: string, account: string, documentId: string, state: string): string {
	return stableEventId(provider, 'reconcile', account, documentId, state);
}

/** Sweep events leave through the same token stripping as webhook events. */
export function finishEvents(events: CanonicalEvent[]): CanonicalEvent[] {
	return events.map((event) => ({ ...event, payload: stripTokens(event.payload) }));
}
