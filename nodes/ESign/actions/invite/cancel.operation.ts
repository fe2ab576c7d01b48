import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';

export const description: INodeProperties[] = [
	documentIdProperty('invite', ['cancel']),
	{
		displayName: 'Reason',
		name: 'reason',
		type: 'string',
		default: '',
		description: 'Why the invite is cancelled; shown to the signers',
		displayOptions: { show: { resource: ['invite'], operation: ['cancel'] } },
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const cancel = requireMethod(this, adapter, adapter.invite.cancel, 'Invite → Cancel', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const reason = String(this.getNodeParameter('reason', itemIndex, '') ?? '').trim() || undefined;
	const result = await cancel(client, { documentId, reason });
	return [{ json: { provider: adapter.provider, documentId, status: result.status, reason } }];
}
