import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { WebhookRejection } from '../providers/webhook';
import { triggerCredentials, triggerProperties } from './description';
import { directWebhookMethods, receiveDirect } from './direct/mode';
import { readInbound, reject } from './inbound';
import { attachSignedPdf } from './attachment';
import { eventToItem, matchesFilter } from './output';
import {
	createSubscription,
	deleteSubscription,
	getSubscription,
	type SubscriptionFilter,
} from './relay/api';
import { readRelayDelivery } from './relay/delivery';
import { readFilter, type RelayState } from './state';

function relayFilter(context: IHookFunctions | IWebhookFunctions): SubscriptionFilter {
	const sources = String(context.getNodeParameter('sources', '') ?? '')
		.split(',')
		.map((source) => source.trim())
		.filter((source) => source !== '');
	// The signed PDF is downloaded with one provider's credential: only that provider's events fit.
	const providers =
		context.getNodeParameter('attachSignedPdf', false) === true
			? [String(context.getNodeParameter('provider', 'signnow'))]
			: [];
	return { sources, providers, ...readFilter(context) };
}

function sameFilter(a: SubscriptionFilter, b: SubscriptionFilter): boolean {
	const key = (filter: SubscriptionFilter) =>
		JSON.stringify([
			[...filter.sources].sort(),
			[...filter.providers].sort(),
			[...filter.eventTypes].sort(),
			filter.documentId ?? '',
		]);
	return key(a) === key(b);
}

function relayState(context: IHookFunctions | IWebhookFunctions): RelayState & IDataObject {
	return context.getWorkflowStaticData('node') as RelayState & IDataObject;
}

function webhookUrl(context: IHookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) {
		throw new NodeOperationError(context.getNode(), 'n8n did not give this trigger a webhook URL');
	}
	return url;
}

export class ESignTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'E-Signature Trigger',
		name: 'eSignTrigger',
		icon: { light: 'file:esignTrigger.svg', dark: 'file:esignTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		description:
			'Starts the workflow when a document is signed, viewed, declined… at your e-signature provider',
		defaults: { name: 'E-Signature Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: triggerCredentials,
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'webhook',
			},
		],
		properties: triggerProperties,
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				if (this.getNodeParameter('mode') === 'direct') return directWebhookMethods.checkExists.call(this);
				const state = relayState(this);
				if (!state.subscriptionId || !state.secret) return false;
				const subscription = await getSubscription(this, state.subscriptionId);
				if (!subscription) {
					// Deleted on the relay side (by an admin, or a reset relay): create it again.
					delete state.subscriptionId;
					delete state.secret;
					return false;
				}
				// A subscription for another URL or other filters is stale: replace it.
				if (subscription.url !== webhookUrl(this) || !sameFilter(subscription, relayFilter(this))) {
					await deleteSubscription(this, subscription.id);
					delete state.subscriptionId;
					delete state.secret;
					return false;
				}
				return true;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				if (this.getNodeParameter('mode') === 'direct') return directWebhookMethods.create.call(this);
				const workflow = this.getWorkflow();
				const subscription = await createSubscription(
					this,
					webhookUrl(this),
					relayFilter(this),
					`n8n workflow "${workflow.name ?? workflow.id}", node "${this.getNode().name}"`,
				);
				const state = relayState(this);
				state.subscriptionId = subscription.id;
				state.secret = subscription.secret;
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				if (this.getNodeParameter('mode') === 'direct') return directWebhookMethods.delete.call(this);
				const state = relayState(this);
				if (state.subscriptionId) await deleteSubscription(this, state.subscriptionId);
				delete state.subscriptionId;
				delete state.secret;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		if (this.getNodeParameter('mode') === 'direct') return await receiveDirect.call(this);

		const secret = relayState(this).secret;
		if (!secret) {
			// No subscription: nobody may start this workflow through this URL.
			return reject(this, new WebhookRejection('bad_signature', 'This trigger has no relay subscription.'));
		}
		let delivery;
		try {
			delivery = readRelayDelivery(await readInbound(this), secret, Date.now());
		} catch (error) {
			if (error instanceof WebhookRejection) return reject(this, error);
			throw new NodeOperationError(this.getNode(), error as Error);
		}
		if (!matchesFilter(delivery, readFilter(this))) {
			// Acknowledged so the relay does not retry, but nothing runs.
			return { webhookResponse: { received: true, ignored: true } };
		}
		const item = eventToItem(delivery);
		if (this.getNodeParameter('attachSignedPdf', false) === true) {
			await attachSignedPdf(this, delivery, item);
		}
		return { workflowData: [[item]] };
	}
}
