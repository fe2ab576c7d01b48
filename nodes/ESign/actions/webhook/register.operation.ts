import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { providerAdapters } from '../../../providers/adapters';
import { requiredString, requireMethod } from '../common';
import type { OperationContext } from '../types';
import { subscriptionJson } from './list.operation';

const show = { resource: ['webhook'], operation: ['register'] };

/** One Events list per provider: each provider names its events differently. */
const eventProperties: INodeProperties[] = providerAdapters
	.filter((adapter) => adapter.webhookEvents && adapter.webhook.register)
	.map((adapter) => ({
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		options: (adapter.webhookEvents ?? []).map((event) => ({ ...event })),
		default: [],
		required: true,
		description: `${adapter.displayName} events that call the URL`,
		displayOptions: { show: { ...show, provider: [adapter.provider] } },
	}));

export const description: INodeProperties[] = [
	...eventProperties,
	{
		displayName: 'Callback URL',
		name: 'callbackUrl',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'https://relay.example.com/ingest/signnow',
		description: 'Where the provider sends the events: your relay\'s ingest URL or an n8n Webhook URL (HTTPS)',
		displayOptions: { show },
	},
	{
		displayName: 'Secret Key',
		name: 'secretKey',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		description: 'The key the provider signs each callback with, so the receiver can verify it. Use the same key in the relay.',
		displayOptions: { show },
	},
	{
		displayName: 'Document ID',
		name: 'documentId',
		type: 'string',
		default: '',
		description: 'Only events of this document. Leave empty for every document of the account.',
		displayOptions: { show },
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const register = requireMethod(this, adapter, adapter.webhook.register, 'Webhook → Register', itemIndex);
	const events = this.getNodeParameter('events', itemIndex, []) as string[];
	if (events.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Choose at least one event', { itemIndex });
	}
	const callbackUrl = requiredString(this, 'callbackUrl', 'Callback URL', itemIndex);
	if (!/^https?:\/\/[^\s/]+/i.test(callbackUrl)) {
		throw new NodeOperationError(this.getNode(), `"${callbackUrl}" is not an http(s) URL`, { itemIndex });
	}
	const secretKey = String(this.getNodeParameter('secretKey', itemIndex, '') ?? '').trim() || undefined;
	const documentId = String(this.getNodeParameter('documentId', itemIndex, '') ?? '').trim() || undefined;
	const subscriptions = await register(client, { events, callbackUrl, secretKey, documentId });
	return subscriptions.map((subscription) => ({ json: subscriptionJson(adapter.provider, subscription) }));
}
