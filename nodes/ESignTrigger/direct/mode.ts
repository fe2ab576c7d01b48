/**
 * Direct mode: n8n registers its own webhook URL with the provider (SignNow's event
 * subscriptions, signed with a secret key the trigger generates) and verifies each callback
 * with the provider's own webhook handler, the same code the relay uses.
 */
import { randomBytes } from 'node:crypto';

import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type IWebhookFunctions,
	type IWebhookResponseData,
	type JsonObject,
} from 'n8n-workflow';

import { WebhookRejection } from '../../providers/webhook';
import { attachSignedPdf } from '../attachment';
import { providerClient, selectedProvider } from '../client';
import { readInbound, reject } from '../inbound';
import { eventToItem, matchesFilter } from '../output';
import { providerEventsFor } from '../providers';
import { readFilter, type DirectState } from '../state';

/**
 * Direct mode has no dedup store: every accepted copy of a callback runs the workflow. So the
 * window in which a captured callback is accepted is kept short, minutes rather than the
 * relay's days (which its dedup window covers); a provider retry that comes later is refused
 * (as a callback sent while n8n is down is lost in direct mode anyway).
 */
export const DIRECT_SIGNNOW_MAX_AGE_SECONDS = 10 * 60;

/** The source options direct mode verifies a provider's callbacks with. */
export function directHandlerOptions(provider: string): Record<string, unknown> {
	return provider === 'signnow' ? { maxAgeSeconds: DIRECT_SIGNNOW_MAX_AGE_SECONDS } : {};
}

function directState(context: IHookFunctions | IWebhookFunctions): DirectState & IDataObject {
	return context.getWorkflowStaticData('node') as DirectState & IDataObject;
}

function forget(state: DirectState & IDataObject): void {
	delete state.providerSubscriptionIds;
	delete state.providerSecret;
	delete state.providerCallbackUrl;
}

function callbackUrl(context: IHookFunctions): string {
	const url = context.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(context.getNode(), 'n8n did not give this trigger a webhook URL');
	return url;
}

function isNotFound(error: unknown): boolean {
	const code = (error as { httpCode?: string })?.httpCode;
	return code === '404';
}

async function deleteAll(context: IHookFunctions, ids: readonly string[]): Promise<void> {
	const provider = selectedProvider(context);
	const remove = provider.adapter.webhook.delete;
	if (!remove || ids.length === 0) return;
	const client = await providerClient(context, provider);
	for (const id of ids) {
		try {
			await remove(client, id);
		} catch (error) {
			// Already gone at the provider: that is what deleting wanted.
			if (isNotFound(error)) continue;
			throw new NodeOperationError(context.getNode(), error as Error, {
				message: `Could not delete the ${provider.adapter.displayName} event subscription ${id}`,
			});
		}
	}
}

export const directWebhookMethods = {
	async checkExists(this: IHookFunctions): Promise<boolean> {
		const state = directState(this);
		const ids = state.providerSubscriptionIds ?? [];
		if (ids.length === 0 || !state.providerSecret) return false;
		const provider = selectedProvider(this);
		const list = provider.adapter.webhook.list;
		if (!list) return false;
		const existing = new Set(
			(await list(await providerClient(this, provider))).map((subscription) => subscription.id),
		);
		if (state.providerCallbackUrl === callbackUrl(this) && ids.every((id) => existing.has(id))) return true;
		// Partly gone or registered for another URL: clear what is left and register again.
		await deleteAll(
			this,
			ids.filter((id) => existing.has(id)),
		);
		forget(state);
		return false;
	},

	async create(this: IHookFunctions): Promise<boolean> {
		const provider = selectedProvider(this);
		const register = provider.adapter.webhook.register;
		if (!register) {
			throw new NodeOperationError(
				this.getNode(),
				`${provider.adapter.displayName} webhooks cannot be registered by n8n`,
				{ description: 'Use the trigger in "Via Relay" mode instead.' },
			);
		}
		const filter = readFilter(this);
		const events = providerEventsFor(provider, filter.eventTypes);
		if (events.length === 0) {
			throw new NodeOperationError(
				this.getNode(),
				`${provider.adapter.displayName} has no webhook event for the chosen event types`,
				{ description: 'Choose other event types, or use the trigger "Via Relay".' },
			);
		}
		const url = callbackUrl(this);
		const secretKey = randomBytes(32).toString('hex');
		const client = await providerClient(this, provider);
		const subscriptions = await register(client, {
			events,
			callbackUrl: url,
			secretKey,
			documentId: filter.documentId,
		});
		if (subscriptions.length === 0) {
			throw new NodeApiError(this.getNode(), {} as JsonObject, {
				message: `${provider.adapter.displayName} accepted the webhook but does not list it`,
				description: `Registered for ${url}; check the provider's event subscriptions.`,
			});
		}
		const state = directState(this);
		state.providerSubscriptionIds = subscriptions.map((subscription) => subscription.id);
		state.providerSecret = secretKey;
		state.providerCallbackUrl = url;
		return true;
	},

	async delete(this: IHookFunctions): Promise<boolean> {
		const state = directState(this);
		await deleteAll(this, state.providerSubscriptionIds ?? []);
		forget(state);
		return true;
	},
};

export async function receiveDirect(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	const state = directState(this);
	const provider = selectedProvider(this);
	const handler = provider.handler;
	if (!handler) {
		throw new NodeOperationError(
			this.getNode(),
			`${provider.adapter.displayName} callbacks cannot be verified by this trigger`,
		);
	}
	if (!state.providerSecret) {
		return reject(this, new WebhookRejection('bad_signature', 'This trigger registered no webhook.'));
	}
	let events;
	try {
		const request = await readInbound(this);
		const options = handler.parseOptions(directHandlerOptions(provider.adapter.provider));
		const now = Date.now();
		handler.verify(request, [state.providerSecret], options, now);
		events = handler.normalize(request, options, now);
	} catch (error) {
		if (error instanceof WebhookRejection) return reject(this, error);
		throw new NodeOperationError(this.getNode(), error as Error);
	}
	const filter = readFilter(this);
	const wanted = events.filter((event) => matchesFilter(event, filter));
	if (wanted.length === 0) return { webhookResponse: { received: true, ignored: true } };
	const items = wanted.map(eventToItem);
	if (this.getNodeParameter('attachSignedPdf', false) === true) {
		for (let index = 0; index < wanted.length; index++) {
			await attachSignedPdf(this, wanted[index], items[index]);
		}
	}
	return { workflowData: [items] };
}
