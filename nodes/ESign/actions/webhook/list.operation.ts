import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { WebhookSubscription } from '../../../providers/adapter';
import { requireMethod } from '../common';
import type { OperationContext } from '../types';

export const description: INodeProperties[] = [];

export function subscriptionJson(provider: string, subscription: WebhookSubscription): IDataObject {
	return {
		provider,
		id: subscription.id,
		event: subscription.event,
		callbackUrl: subscription.callbackUrl,
		entityId: subscription.entityId,
		createdAt: subscription.createdAt,
	};
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const list = requireMethod(this, adapter, adapter.webhook.list, 'Webhook → List', itemIndex);
	const subscriptions = await list(client);
	return subscriptions.map((subscription) => ({ json: subscriptionJson(adapter.provider, subscription) }));
}
