/**
 * Dropbox Sign's callback URLs as webhook subscriptions. Dropbox Sign has no per-event
 * subscriptions: an account has one callback URL (`PUT /account { callback_url }`) that
 * receives every event of the account, and each API app has one (`PUT /api_app/{client_id}`)
 * that receives the events of requests created with its client_id (embedded requests). So a
 * "subscription" is one of those URLs: id `account`, or `api_app:<client_id>` when the
 * credential names an app for embedded signing (its events go to the app's URL).
 */
import { ProviderInputError, type ProviderClient, type RegisterWebhookInput, type WebhookSubscription } from '../adapter';
import { embeddedClientId } from './embedded';

const ACCOUNT_ID = 'account';
const APP_PREFIX = 'api_app:';

/** Every event goes to the callback URL: the subscription's event is `*`. */
const ALL_EVENTS = '*';

interface Target {
	id: string;
	path: string;
}

function target(client: ProviderClient): Target {
	const clientId = embeddedClientId(client.credentials);
	return clientId ? { id: `${APP_PREFIX}${clientId}`, path: `/api_app/${encodeURIComponent(clientId)}` } : { id: ACCOUNT_ID, path: '/account' };
}

function targetOf(subscriptionId: string): Target {
	if (subscriptionId === ACCOUNT_ID) return { id: ACCOUNT_ID, path: '/account' };
	if (subscriptionId.startsWith(APP_PREFIX) && subscriptionId.length > APP_PREFIX.length) {
		return { id: subscriptionId, path: `/api_app/${encodeURIComponent(subscriptionId.slice(APP_PREFIX.length))}` };
	}
	throw new ProviderInputError(
		`"${subscriptionId}" is not a Dropbox Sign callback`,
		'Dropbox Sign callbacks are "account" or "api_app:<client id>" (Webhook → List shows them).',
	);
}

async function callbackUrlOf(client: ProviderClient, where: Target): Promise<string | null> {
	if (where.id === ACCOUNT_ID) {
		const answer = await client.request<{ account: { callback_url?: string | null } }>({ method: 'GET', path: '/account' });
		return answer.account.callback_url ?? null;
	}
	const answer = await client.request<{ api_app: { callback_url?: string | null } }>({ method: 'GET', path: where.path });
	return answer.api_app.callback_url ?? null;
}

function subscription(where: Target, callbackUrl: string): WebhookSubscription {
	return { id: where.id, event: ALL_EVENTS, callbackUrl, raw: { target: where.id, callback_url: callbackUrl } };
}

export async function registerCallback(client: ProviderClient, input: RegisterWebhookInput): Promise<WebhookSubscription[]> {
	if (input.documentId) {
		throw new ProviderInputError(
			'Dropbox Sign callbacks cannot be limited to one signature request',
			'The account (or API app) callback URL receives the events of every request: leave the document empty and filter the events in the workflow.',
		);
	}
	if (!/^https?:\/\//i.test(input.callbackUrl)) throw new ProviderInputError(`"${input.callbackUrl}" is not an http(s) URL`);
	const where = target(client);
	const current = await callbackUrlOf(client, where);
	// One URL per account/app: taking it over silently would cut off whoever uses it now.
	if (current && current !== input.callbackUrl) {
		throw new ProviderInputError(
			`The Dropbox Sign ${where.id === ACCOUNT_ID ? 'account' : 'API app'} already sends its events to ${current}`,
			'Dropbox Sign allows one callback URL per account or API app. Delete that callback first (Webhook → Delete) or use the relay, which can fan one callback out to many workflows.',
		);
	}
	await client.request({ method: 'PUT', path: where.path, body: { kind: 'json', data: { callback_url: input.callbackUrl } } });
	return [subscription(where, input.callbackUrl)];
}

export async function listCallbacks(client: ProviderClient): Promise<WebhookSubscription[]> {
	const targets: Target[] = [{ id: ACCOUNT_ID, path: '/account' }];
	const app = target(client);
	if (app.id !== ACCOUNT_ID) targets.push(app);
	const found: WebhookSubscription[] = [];
	for (const where of targets) {
		const url = await callbackUrlOf(client, where);
		if (url) found.push(subscription(where, url));
	}
	return found;
}

export async function deleteCallback(client: ProviderClient, subscriptionId: string): Promise<void> {
	const where = targetOf(subscriptionId);
	// An empty callback_url clears it (Dropbox Sign then posts no events there).
	await client.request({ method: 'PUT', path: where.path, body: { kind: 'json', data: { callback_url: '' } } });
}
