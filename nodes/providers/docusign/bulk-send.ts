/**
 * DocuSign bulk send: one template to many signers through a bulk send list.
 *
 *   POST /bulk_send_lists                 BulkSendingList { name, bulkCopies[{ recipients[{ roleName, name, email, tabs[{ tabLabel, initialValue }] }] }] }
 *   POST /bulk_send_lists/{listId}/send   BulkSendRequest { envelopeOrTemplateId, batchName } → BulkSendResponse { batchId, totalQueued, errors }
 *   GET  /bulk_send_batch/{batchId}       BulkSendBatchStatus { queued, sent, failed }, for whoever wants to follow the batch
 *
 * DocuSign makes the envelopes afterwards, in the background: the send answers with a batch id
 * and no envelope ids, so every row is `queued`; the envelopes and their Connect events follow.
 */
import { ProviderInputError, type BulkSendInput, type BulkSendResult, type ProviderClient } from '../adapter';
import { getTemplate, prefillTabsByRole, templateRole } from './templates';

interface BulkSendResponse {
	batchId?: string;
	batchSize?: string;
	totalQueued?: string;
	errors?: string[];
	errorDetails?: Array<{ errorCode?: string; message?: string }>;
}

/** DocuSign's bulk send lists take at most 1000 copies. */
export const MAX_BULK_COPIES = 1000;

export async function bulkSend(client: ProviderClient, input: BulkSendInput): Promise<BulkSendResult> {
	if (input.rows.length === 0) throw new ProviderInputError('Bulk send needs at least one signer (one input item each)');
	if (input.rows.length > MAX_BULK_COPIES) {
		throw new ProviderInputError(`DocuSign sends at most ${MAX_BULK_COPIES} copies per bulk send list; got ${input.rows.length}`, 'Split the items into batches (e.g. with the Loop Over Items node).');
	}
	const template = await getTemplate(client, input.templateId);
	const role = templateRole(template, input.role).roleName as string;
	const title = input.title ?? template.name ?? template.templateId;
	const copies = input.rows.map((row) => {
		const tabs = prefillTabsByRole(template, row.fieldValues, [role]).get(role) ?? {};
		const values = Object.values(tabs).flat();
		return {
			recipients: [
				{
					roleName: role,
					name: row.name,
					email: row.email,
					// A bulk copy sets a tab by label through `initialValue`, whatever the tab type.
					...(values.length > 0 ? { tabs: values.map((tab) => ({ tabLabel: tab.tabLabel, initialValue: tab.value ?? tab.selected })) } : {}),
				},
			],
			...(input.subject ? { emailSubject: input.subject.slice(0, 100) } : {}),
			...(input.message ? { emailBlurb: input.message } : {}),
		};
	});
	const list = await client.request<{ listId: string }>({
		method: 'POST',
		path: '/bulk_send_lists',
		body: { kind: 'json', data: { name: title.slice(0, 100), bulkCopies: copies } },
	});
	const sent = await client.request<BulkSendResponse>({
		method: 'POST',
		path: `/bulk_send_lists/${encodeURIComponent(list.listId)}/send`,
		body: { kind: 'json', data: { envelopeOrTemplateId: template.templateId, batchName: title.slice(0, 100) } },
	});
	const problems = [...(sent.errors ?? []), ...(sent.errorDetails ?? []).map((detail) => detail.message ?? detail.errorCode ?? '')].filter((text) => text !== '');
	return {
		batchId: sent.batchId,
		rows: input.rows.map((row, index) =>
			problems.length > 0
				? { index, email: row.email, status: 'failed' as const, error: problems.join('; ') }
				: { index, email: row.email, status: 'queued' as const },
		),
		raw: { list, send: sent },
	};
}
