/**
 * The trigger's behaviour, shared by every trigger node: each provider's own trigger (SignNow
 * Trigger, DocuSign Trigger…) and the hidden provider-agnostic E-Signature Trigger. Activation
 * subscribes the trigger's webhook URL at the relay (or, in direct mode, at the provider);
 * every request is verified before it starts anything.
 */
import {
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { WebhookRejection } from '../providers/webhook';
import { attachSignedPdf } from './attachment';
import { directWebhookMethods, receiveDirect } from './direct/mode';
import { readInbound, reject } from './inbound';
import { eventToItem, matchesFilter } from './output';
import {
	createSubscription,
	deleteSubscription,
	getSubscription,
	type SubscriptionFilter,
} from './relay/api';
import { readRelayDelivery } from './relay/delivery';
import { readFilter, type RelayState } from './state';

export interface TriggerBehaviour {
	/**
	 * The provider a provider's own trigger listens to: its relay subscription asks for that
	 * provider's events only. Undefined for the provider-agnostic trigger, which listens to every
	 * provider unless the signed PDF ties it to one.
	 */
	provider?: string;
}

function mode(context: IHookFunctions | IWebhookFunctions): string {
	return String(context.getNodeParameter('mode', 'relay'));
}

function relayFilter(context: IHookFunctions | IWebhookFunctions, behaviour: TriggerBehaviour): SubscriptionFilter {
	const sources = String(context.getNodeParameter('sources', '') ?? '')
		.split(',')
		.map((source) => source.trim())
		.filter((source) => source !== '');
	// The signed PDF is downloaded with one provider's credential: only that provider's events fit.
	const providers = behaviour.provider
		? [behaviour.provider]
		: context.getNodeParameter('attachSignedPdf', false) === true
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

/** A provider's own trigger only ever acts for its provider, whatever a pasted workflow holds. */
function checkProvider(context: IHookFunctions | IWebhookFunctions, behaviour: TriggerBehaviour): void {
	if (!behaviour.provider) return;
	const configured = String(context.getNodeParameter('provider', behaviour.provider));
	if (configured !== behaviour.provider) {
		throw new NodeOperationError(
			context.getNode(),
			`This trigger listens to ${behaviour.provider}, but its parameters name "${configured}"`,
			{ description: 'Remove the "provider" parameter from the node, or use that provider’s own trigger.' },
		);
	}
}

export function triggerWebhookMethods(behaviour: TriggerBehaviour = {}) {
	return {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				checkProvider(this, behaviour);
				if (mode(this) === 'direct') return await directWebhookMethods.checkExists.call(this);
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
				if (subscription.url !== webhookUrl(this) || !sameFilter(subscription, relayFilter(this, behaviour))) {
					await deleteSubscription(this, subscription.id);
					delete state.subscriptionId;
					delete state.secret;
					return false;
				}
				return true;
			},

			async create(this: IHookFunctions): Promise<boolean> {
				checkProvider(this, behaviour);
				if (mode(this) === 'direct') return await directWebhookMethods.create.call(this);
				const workflow = this.getWorkflow();
				const subscription = await createSubscription(
					this,
					webhookUrl(this),
					relayFilter(this, behaviour),
					`n8n workflow "${workflow.name ?? workflow.id}", node "${this.getNode().name}"`,
				);
				const state = relayState(this);
				state.subscriptionId = subscription.id;
				state.secret = subscription.secret;
				return true;
			},

			async delete(this: IHookFunctions): Promise<boolean> {
				if (mode(this) === 'direct') return await directWebhookMethods.delete.call(this);
				const state = relayState(this);
				if (state.subscriptionId) await deleteSubscription(this, state.subscriptionId);
				delete state.subscriptionId;
				delete state.secret;
				return true;
			},
		},
	};
}

export function triggerWebhook(behaviour: TriggerBehaviour = {}) {
	return async function webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		checkProvider(this, behaviour);
		if (mode(this) === 'direct') return await receiveDirect.call(this);

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
		// A provider's own trigger subscribed to its provider only; a delivery for another
		// (a subscription edited at the relay) is acknowledged and ignored.
		if (!matchesFilter(delivery, readFilter(this)) || (behaviour.provider && delivery.provider !== behaviour.provider)) {
			// Acknowledged so the relay does not retry, but nothing runs.
			return { webhookResponse: { received: true, ignored: true } };
		}
		const item = eventToItem(delivery);
		if (this.getNodeParameter('attachSignedPdf', false) === true) {
			await attachSignedPdf(this, delivery, item);
		}
		return { workflowData: [[item]] };
	};
}
