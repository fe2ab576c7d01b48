/**
 * SignNow reconciliation: the documents completed since T, from the user's document list
 * (`GET /user/documentsv2`, SignNow's "Get user documents"). The list has no "changed since"
 * filter, so it is read whole and filtered on each document's `updated` time; a document is
 * complete when every field invite is `fulfilled` (role-based invites) or, for a freeform
 * invite, every request not cancelled carries a signature.
 *
 * SignNow publishes no per-minute limit for this call that we could find (docs.signnow.com);
 * since it returns the whole list, the relay sweeps at most every 5 minutes.
 */
import type { CanonicalEvent } from '../events';
import { documentState, finishEvents, reconciledEventId, type Reconciler } from '../reconcile';
import { firstText, isRecord, timeMs, toIsoTime } from '../webhook';

const COMPLETE_EVENTS = new Set(['document.complete', 'user.document.complete']);

function completedAt(document: Record<string, unknown>): number | undefined {
	const invites = Array.isArray(document.field_invites) ? document.field_invites.filter(isRecord) : [];
	const requests = Array.isArray(document.requests) ? document.requests.filter(isRecord) : [];
	if (invites.length > 0) {
		if (!invites.every((invite) => invite.status === 'fulfilled')) return undefined;
		return Math.max(...invites.map((invite) => timeMs(invite.updated) ?? 0), timeMs(document.updated) ?? 0);
	}
	const open = requests.filter((request) => !request.canceled);
	if (open.length === 0 || !open.every((request) => firstText(request.signature_id))) return undefined;
	return timeMs(document.updated);
}

export const signNowReconciler: Reconciler = {
	provider: 'signnow',
	minIntervalMs: 5 * 60_000,
	reference: 'https://docs.signnow.com/sn/ref/user',

	checkCredentials(credentials) {
		if (!credentials.accessToken) throw new Error('reconcile.accessToken is required for SignNow (a Bearer access token of the account)');
	},

	authHeaders(credentials) {
		return { authorization: `Bearer ${credentials.accessToken ?? ''}` };
	},

	async listChanges(client, credentials, sinceMs) {
		const documents = await client.request<unknown>({ method: 'GET', path: '/user/documentsv2' });
		const list = Array.isArray(documents) ? documents.filter(isRecord) : [];
		const account = credentials.accountId ?? '';
		const events: CanonicalEvent[] = [];
		for (const document of list) {
			const id = firstText(document.id);
			const updated = timeMs(document.updated) ?? 0;
			if (!id || updated < sinceMs) continue;
			const at = completedAt(document);
			if (at === undefined) continue;
			events.push({
				id: reconciledEventId('signnow', account, id, 'completed'),
				provider: 'signnow',
				type: 'document.completed',
				providerEvent: 'document.complete',
				documentId: id,
				documentName: firstText(document.document_name),
				occurredAt: toIsoTime(at, Date.now()),
				payload: { meta: { event: 'document.complete', reconciled: true }, content: { document_id: id, document_name: document.document_name, updated: document.updated } },
			});
		}
		return finishEvents(events);
	},

	stateKey(event) {
		return documentState(event.documentId, COMPLETE_EVENTS.has(event.providerEvent) ? 'completed' : undefined);
	},
};
