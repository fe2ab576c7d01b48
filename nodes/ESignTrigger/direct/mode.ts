/**
 * Direct mode: n8n registers its own webhook URL with the provider (for every provider whose
 * adapter declares `directWebhook`) and verifies each callback with the provider's own webhook
 * handler, the same code the relay uses. The callbacks are signed with a secret the trigger
 * generates and registers (SignNow), or with a field of the credential (Dropbox Sign's API key);
 * the answer is the one the provider requires, where it requires one.
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

import type { ProviderAdapter, ProviderClient } from '../../providers/adapter';
import { findAdapter } from '../../providers/adapters';
import { SIGNNOW_DIRECT_MAX_AGE_SECONDS } from '../../providers/signnow/api';
import { WebhookRejection } from '../../providers/webhook';
import { attachSignedPdf } from '../attachment';
import { providerClient, selectedProvider } from '../client';
import { readInbound, reject } from '../inbound';
import { eventToItem, matchesFilter } from '../output';
import { providerEventsFor } from '../providers';
import { readFilter, type DirectState } from '../state';

/** SignNow's direct-mode replay window (declared by its adapter; see `SIGNNOW_DIRECT_MAX_AGE_SECONDS`). */
export const DIRECT_SIGNNOW_MAX_AGE_SECONDS = SIGNNOW_DIRECT_MAX_AGE_SECONDS;

/** The source options direct mode verifies a provider's callbacks with, as its adapter declares them. */
export function directHandlerOptions(provider: string): Record<string, unknown> {
	return findAdapter(provider)?.directWebhook?.handlerOptions ?? {};
}

type Declaration = NonNullable<ProviderAdapter['directWebhook']>;

function declaration(context: IHookFunctions | IWebhookFunctions, adapter: ProviderAdapter): Declaration {
	if (!adapter.directWebhook) {
		throw new NodeOperationError(context.getNode(), `${adapter.displayName} does not offer Direct mode`, {
			description: 'Use the trigger in "Via Relay" mode instead.',
		});
	}
	return adapter.directWebhook;
}

/** The credential field callbacks are signed with, or a message naming it. */
function credentialSecret(context: IHookFunctions | IWebhookFunctions, client: ProviderClient, adapter: ProviderAdapter, field: string): string {
	const value = client.credentials[field];
	if (typeof value !== 'string' || value.trim() === '') {
		throw new NodeOperationError(
			context.getNode(),
			`The ${adapter.displayName} credential has no "${field}", which its callbacks are signed with`,
			{ description: 'Fill it in the credential, or use the trigger "Via Relay".' },
		);
	}
	return value;
}

function directState(context: IHookFunctions | IWebhookFunctions): DirectState & IDataObject {
	return context.getWorkflowStaticData('node') as DirectState & IDataObject;
}

/** Whether this trigger registered its webhook (state written by a version before `providerRegistered` has only the secret). */
function registered(state: DirectState): boolean {
	return state.providerRegistered === true || typeof state.providerSecret === 'string';
}

function forget(state: DirectState & IDataObject): void {
	delete state.providerSubscriptionIds;
	delete state.providerSecret;
	delete state.providerRegistered;
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
		if (ids.length === 0 || !registered(state)) return false;
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
		const declared = declaration(this, provider.adapter);
		const url = callbackUrl(this);
		const client = await providerClient(this, provider);
		// A generated secret is registered with the provider and kept; a credential's is read on each callback.
		const secretKey =
			declared.secret.kind === 'generated' ? randomBytes(32).toString('hex') : undefined;
		if (declared.secret.kind === 'credential') credentialSecret(this, client, provider.adapter, declared.secret.field);
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
		if (secretKey) state.providerSecret = secretKey;
		else delete state.providerSecret;
		state.providerRegistered = true;
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
	const declared = declaration(this, provider.adapter);
	if (!registered(state)) {
		return reject(this, new WebhookRejection('bad_signature', 'This trigger registered no webhook.'));
	}
	let secret = state.providerSecret;
	if (declared.secret.kind === 'credential') {
		const client = await providerClient(this, provider);
		secret = credentialSecret(this, client, provider.adapter, declared.secret.field);
	}
	if (!secret) {
		return reject(this, new WebhookRejection('bad_signature', 'This trigger registered no webhook.'));
	}
	let events;
	try {
		const request = await readInbound(this);
		const options = handler.parseOptions(declared.handlerOptions ?? {});
		const now = Date.now();
		handler.verify(request, [secret], options, now);
		events = handler.normalize(request, options, now);
	} catch (error) {
		if (error instanceof WebhookRejection) return reject(this, error);
		throw new NodeOperationError(this.getNode(), error as Error);
	}
	const filter = readFilter(this);
	const wanted = events.filter((event) => matchesFilter(event, filter));
	if (wanted.length === 0) return answer(this, declared, { webhookResponse: { received: true, ignored: true } });
	const items = wanted.map(eventToItem);
	if (this.getNodeParameter('attachSignedPdf', false) === true) {
		for (let index = 0; index < wanted.length; index++) {
			await attachSignedPdf(this, wanted[index], items[index]);
		}
	}
	return answer(this, declared, { workflowData: [items] });
}

/**
 * The provider's required answer (Dropbox Sign counts a callback delivered only when the body is
 * "Hello API Event Received"), written directly; otherwise n8n's own answer.
 */
function answer(context: IWebhookFunctions, declared: Declaration, result: IWebhookResponseData): IWebhookResponseData {
	if (!declared.response) return result;
	const response = context.getResponseObject();
	response.status(200).type(declared.response.contentType).send(declared.response.body);
	return { ...result, webhookResponse: undefined, noWebhookResponse: true };
}
