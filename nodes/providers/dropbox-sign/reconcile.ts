/**
 * Dropbox Sign reconciliation: the signature requests completed since T, from
 * `GET /v3/signature_request/list` (newest created first, `page_size` 100). The list has no
 * "changed since" filter and a request carries no completion time of its own, so a request is
 * complete since T when `is_complete` and its last signature's `signed_at` is at or after T;
 * the sweep reads at most `MAX_PAGES` pages (the 1,000 most recently created requests).
 * Declines are not reconciled: nothing in the list says when one happened, so a sweep could
 * not tell an old decline from a new one once its mark has expired.
 *
 * Dropbox Sign allows 100 requests a minute on standard endpoints and 10 in test mode
 * (help.dropbox.com, "API requests that count against the limit"); a sweep makes at most 10,
 * so the relay sweeps at most every 5 minutes: 2 requests a minute, within test mode's budget.
 */
import type { CanonicalEvent } from '../events';
import { documentState, finishEvents, reconciledEventId, type Reconciler } from '../reconcile';
import { firstText, isRecord, timeMs, toIsoTime } from '../webhook';

const MAX_PAGES = 10;
const PAGE_SIZE = 100;

function completedAtMs(request: Record<string, unknown>): number | undefined {
	if (request.is_complete !== true) return undefined;
	const signatures = Array.isArray(request.signatures) ? request.signatures.filter(isRecord) : [];
	const times = signatures.map((signature) => timeMs(signature.signed_at)).filter((t): t is number => t !== undefined);
	return times.length > 0 ? Math.max(...times) : undefined;
}

export const dropboxSignReconciler: Reconciler = {
	provider: 'dropbox-sign',
	minIntervalMs: 5 * 60_000,
	reference: 'https://help.dropbox.com/integrations/api-requests-that-count-against-limit',

	checkCredentials(credentials) {
		if (!credentials.apiKey) throw new Error('reconcile.apiKey is required for Dropbox Sign (the account\'s API key)');
	},

	authHeaders(credentials) {
		// HTTP Basic with the API key as the user name and no password, as Dropbox Sign documents.
		return { authorization: `Basic ${Buffer.from(`${credentials.apiKey ?? ''}:`).toString('base64')}` };
	},

	async listChanges(client, credentials, sinceMs) {
		const events: CanonicalEvent[] = [];
		const account = credentials.accountId ?? '';
		for (let page = 1; page <= MAX_PAGES; page++) {
			const answer = await client.request<Record<string, unknown>>({
				method: 'GET',
				path: '/v3/signature_request/list',
				query: { page, page_size: PAGE_SIZE },
			});
			const requests = Array.isArray(answer.signature_requests) ? answer.signature_requests.filter(isRecord) : [];
			for (const request of requests) {
				const id = firstText(request.signature_request_id);
				const at = completedAtMs(request);
				if (!id || at === undefined || at < sinceMs) continue;
				events.push({
					id: reconciledEventId('dropbox-sign', account, id, 'completed'),
					provider: 'dropbox-sign',
					type: 'document.completed',
					providerEvent: 'signature_request_all_signed',
					documentId: id,
					documentName: firstText(request.title),
					occurredAt: toIsoTime(at, at),
					// Shaped like a callback's body so a workflow reads both alike.
					payload: { event: { event_type: 'signature_request_all_signed', reconciled: true }, signature_request: request },
				});
			}
			const info = isRecord(answer.list_info) ? answer.list_info : {};
			if (requests.length === 0 || page >= Number(info.num_pages ?? page)) break;
		}
		return finishEvents(events);
	},

	stateKey(event) {
		return documentState(event.documentId, event.providerEvent === 'signature_request_all_signed' ? 'completed' : undefined);
	},
};
