/**
 * DocuSign reconciliation: the envelopes that reached a final state since T, through the
 * eSignature REST API v2.1 (`GET /restapi/v2.1/accounts/{accountId}/envelopes?from_date=…&status=…`,
 * DocuSign's "list envelope status changes"), plus the envelopes in Connect's failure log
 * (`GET …/connect/failures`, read whole): a message Connect could not deliver there may concern a
 * change older than the sweep's window, so those envelopes are read by id (`envelope_ids=`).
 *
 * DocuSign asks integrations not to poll an account's envelope statuses more than once every
 * 15 minutes (eSignature API rules and resource limits, "polling"), hence `minIntervalMs`.
 */
import type { ProviderClient } from '../adapter';
import type { CanonicalEvent, CanonicalEventType } from '../events';
import { documentState, finishEvents, reconciledEventId, type ReconcileCredentials, type Reconciler } from '../reconcile';
import { firstText, isRecord, toIsoTime } from '../webhook';

/** The final envelope states a sweep reports, with the Connect event and canonical type each means. */
const FINAL_STATES: Record<string, { event: string; type: CanonicalEventType; at: string }> = {
	completed: { event: 'envelope-completed', type: 'document.completed', at: 'completedDateTime' },
	declined: { event: 'envelope-declined', type: 'invite.declined', at: 'declinedDateTime' },
	voided: { event: 'envelope-voided', type: 'document.deleted', at: 'voidedDateTime' },
};
const STATE_OF_EVENT: Record<string, string> = Object.fromEntries(Object.entries(FINAL_STATES).map(([state, { event }]) => [event, state]));
/** Envelopes per page (DocuSign's `count`; its default and maximum page size is larger). */
const PAGE = 100;
/** Envelope ids per `envelope_ids=` request: keeps the query string well under URL limits. */
const IDS_PER_REQUEST = 40;

function accountPath(credentials: ReconcileCredentials): string {
	return `/restapi/v2.1/accounts/${encodeURIComponent(credentials.accountId ?? '')}`;
}

async function listEnvelopes(client: ProviderClient, path: string, query: Record<string, string>): Promise<Record<string, unknown>[]> {
	const envelopes: Record<string, unknown>[] = [];
	for (let start = 0; ; ) {
		const page = await client.request<Record<string, unknown>>({
			method: 'GET',
			path: `${path}/envelopes`,
			query: { ...query, start_position: start, count: PAGE },
		});
		const items = Array.isArray(page.envelopes) ? page.envelopes.filter(isRecord) : [];
		envelopes.push(...items);
		// Counts come as strings ("resultSetSize": "100"); stop on an empty or last page.
		const total = Number(page.totalSetSize ?? items.length);
		start += items.length;
		if (items.length === 0 || start >= total) return envelopes;
	}
}

function toEvent(accountId: string, envelope: Record<string, unknown>): CanonicalEvent | undefined {
	const status = firstText(envelope.status);
	const envelopeId = firstText(envelope.envelopeId);
	const final = status ? FINAL_STATES[status] : undefined;
	if (!final || !envelopeId) return undefined;
	const at = firstText(envelope[final.at], envelope.statusChangedDateTime);
	return {
		id: reconciledEventId('docusign', accountId, envelopeId, status!),
		provider: 'docusign',
		type: final.type,
		providerEvent: final.event,
		documentId: envelopeId,
		documentName: firstText(envelope.emailSubject),
		occurredAt: toIsoTime(at, Date.now()),
		// Shaped like a Connect JSON SIM message so a workflow reads both alike; `reconciled`
		// says it came from the sweep.
		payload: { event: final.event, reconciled: true, data: { accountId, envelopeId, envelopeSummary: envelope } },
	};
}

export const docusignReconciler: Reconciler = {
	provider: 'docusign',
	minIntervalMs: 15 * 60_000,
	reference: 'https://developers.docusign.com/docs/esign-rest-api/esign101/rules-and-limits/',

	checkCredentials(credentials) {
		if (!credentials.accountId) throw new Error('reconcile.accountId is required for DocuSign (the API account id, a GUID)');
		if (!credentials.accessToken) throw new Error('reconcile.accessToken is required for DocuSign (an OAuth access token of a user of that account)');
	},

	authHeaders(credentials) {
		return { authorization: `Bearer ${credentials.accessToken ?? ''}` };
	},

	async listChanges(client, credentials, sinceMs, nowMs) {
		const path = accountPath(credentials);
		const accountId = credentials.accountId ?? '';
		const changed = await listEnvelopes(client, path, {
			from_date: new Date(sinceMs).toISOString(),
			to_date: new Date(nowMs).toISOString(),
			status: Object.keys(FINAL_STATES).join(','),
		});
		const seen = new Set(changed.map((envelope) => firstText(envelope.envelopeId)));
		// Connect's own record of what it failed to deliver (kept by DocuSign for a while): the
		// envelopes there are read by id, whatever the window.
		// Read whole, not from the cursor: an entry stays until a retry delivers the message, and
		// an old one is exactly what the status-change window no longer covers.
		const failures = await client.request<Record<string, unknown>>({ method: 'GET', path: `${path}/connect/failures` });
		const failed = [
			...new Set(
				(Array.isArray(failures.failures) ? failures.failures.filter(isRecord) : [])
					.map((failure) => firstText(failure.envelopeId))
					.filter((id): id is string => id !== undefined && !seen.has(id)),
			),
		];
		for (let i = 0; i < failed.length; i += IDS_PER_REQUEST) {
			changed.push(...(await listEnvelopes(client, path, { envelope_ids: failed.slice(i, i + IDS_PER_REQUEST).join(',') })));
		}
		return finishEvents(changed.map((envelope) => toEvent(accountId, envelope)).filter((event): event is CanonicalEvent => event !== undefined));
	},

	stateKey(event) {
		// Envelope-level events only: recipient-* events are per signer and are not swept.
		return documentState(event.documentId, STATE_OF_EVENT[event.providerEvent]);
	},
};
