import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requiredString, requireMethod } from '../common';
import type { OperationContext } from '../types';

export const description: INodeProperties[] = [
	{
		displayName: 'Webhook ID',
		name: 'subscriptionId',
		type: 'string',
		default: '',
		required: true,
		description: 'The ID the Register or List operation output',
		displayOptions: { show: { resource: ['webhook'], operation: ['delete'] } },
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const remove = requireMethod(this, adapter, adapter.webhook.delete, 'Webhook → Delete', itemIndex);
	const subscriptionId = requiredString(this, 'subscriptionId', 'Webhook ID', itemIndex);
	await remove(client, subscriptionId);
	return [{ json: { provider: adapter.provider, id: subscriptionId, deleted: true } }];
}
