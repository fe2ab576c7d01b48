/**
 * Webhooks from n8n as DocuSign Connect custom configurations (account-wide; an account admin's
 * token is needed):
 *
 *   POST   /connect             ConnectCustomConfiguration → 201, the configuration with its connectId
 *   GET    /connect             ConnectConfigResults { configurations, totalRecords }
 *   DELETE /connect/{connectId}
 *
 * One configuration carries every event asked for; `register` answers one subscription per event,
 * all with the configuration's id, which `delete` removes at once. Messages are JSON SIM with the
 * envelope's recipients (what `webhook.ts` reads), signed with the account's Connect HMAC keys.
 * DocuSign lets no caller choose a key: they are made in Admin → Connect → Connect Keys, so Direct
 * mode verifies with the key the user copies into the credential (`connectHmacSecret`).
 */
import { ProviderInputError, type ProviderClient, type RegisterWebhookInput, type WebhookSubscription } from '../adapter';

/** Connect's JSON SIM event names a configuration can subscribe to. */
export const CONNECT_EVENTS: ReadonlyArray<{ value: string; name: string; description?: string }> = [
	{ value: 'envelope-sent', name: 'Envelope Sent' },
	{ value: 'envelope-resent', name: 'Envelope Resent' },
	{ value: 'envelope-delivered', name: 'Envelope Delivered', description: 'Every signer has opened it' },
	{ value: 'envelope-completed', name: 'Envelope Completed', description: 'Every signer has signed' },
	{ value: 'envelope-declined', name: 'Envelope Declined' },
	{ value: 'envelope-voided', name: 'Envelope Voided' },
	{ value: 'envelope-corrected', name: 'Envelope Corrected' },
	{ value: 'envelope-deleted', name: 'Envelope Deleted' },
	{ value: 'recipient-sent', name: 'Recipient Sent' },
	{ value: 'recipient-resent', name: 'Recipient Resent' },
	{ value: 'recipient-delivered', name: 'Recipient Delivered', description: 'A signer opened it' },
	{ value: 'recipient-completed', name: 'Recipient Completed', description: 'A signer signed' },
	{ value: 'recipient-declined', name: 'Recipient Declined' },
	{ value: 'recipient-authenticationfailed', name: 'Recipient Authentication Failed' },
	{ value: 'recipient-autoresponded', name: 'Recipient Autoresponded' },
	{ value: 'recipient-reassign', name: 'Recipient Reassigned' },
];

/** Starts the name of every configuration the node creates, to tell them apart in DocuSign Admin. */
export const CONNECT_NAME_PREFIX = 'n8n ';

export interface ConnectConfiguration {
	connectId?: string;
	name?: string;
	urlToPublishTo?: string;
	events?: string[];
	configurationType?: string;
	[key: string]: unknown;
}

/**
 * A Connect configuration cannot be limited to one envelope (and an envelope's own
 * eventNotification can only be set when it is created), so `documentId` is not sent: the
 * configuration covers the account, its subscriptions carry no `entityId`, and the trigger's
 * Document ID filter drops the other envelopes' events, as it does for every provider.
 */
export function connectConfiguration(input: RegisterWebhookInput): ConnectConfiguration {
	const known = new Set(CONNECT_EVENTS.map((event) => event.value));
	const unknown = input.events.filter((event) => !known.has(event));
	if (input.events.length === 0 || unknown.length > 0) {
		throw new ProviderInputError(
			input.events.length === 0 ? 'Choose at least one DocuSign event' : `Unknown DocuSign Connect event: ${unknown.join(', ')}`,
			`Choose from: ${CONNECT_EVENTS.map((event) => event.value).join(', ')}.`,
		);
	}
	if (!/^https?:\/\/[^\s/?#]+/i.test(input.callbackUrl)) {
		throw new ProviderInputError(`"${input.callbackUrl}" is not an http(s) URL`, 'Connect posts to the URL given; DocuSign production requires HTTPS.');
	}
	const url = new URL(input.callbackUrl);
	return {
		configurationType: 'custom',
		// DocuSign needs a name; the URL's host makes the node's configurations recognisable in Admin.
		name: `${CONNECT_NAME_PREFIX}${url.host}`.slice(0, 100),
		urlToPublishTo: url.toString(),
		allUsers: 'true',
		allowEnvelopePublish: 'true',
		enableLog: 'true',
		deliveryMode: 'SIM',
		requiresAcknowledgement: 'true',
		includeHMAC: 'true',
		events: [...input.events],
		eventData: { version: 'restv2.1', format: 'json', includeData: ['recipients'] },
	};
}

function subscriptions(configuration: ConnectConfiguration): WebhookSubscription[] {
	return (configuration.events ?? []).map((event) => ({
		id: String(configuration.connectId),
		event,
		callbackUrl: String(configuration.urlToPublishTo ?? ''),
		raw: configuration,
	}));
}

export async function registerConnect(client: ProviderClient, input: RegisterWebhookInput): Promise<WebhookSubscription[]> {
	const created = await client.request<ConnectConfiguration>({
		method: 'POST',
		path: '/connect',
		body: { kind: 'json', data: connectConfiguration(input) },
	});
	return subscriptions(created);
}

export async function listConnect(client: ProviderClient): Promise<WebhookSubscription[]> {
	const answer = await client.request<{ configurations?: ConnectConfiguration[] }>({ method: 'GET', path: '/connect' });
	// Every custom configuration of the account, the node's own (named "n8n <host>") and others.
	return (answer.configurations ?? []).filter((configuration) => configuration.configurationType === 'custom').flatMap(subscriptions);
}

/**
 * Deletes a configuration; one already gone counts as deleted. `register` gives every event of a
 * configuration the same id, so a caller deleting each subscription deletes it more than once,
 * and DocuSign documents no answer for an unknown id: the adapter looks before it deletes.
 */
export async function deleteConnect(client: ProviderClient, connectId: string): Promise<void> {
	const id = connectId.trim();
	if (!/^\d+$/.test(id)) {
		throw new ProviderInputError(`"${connectId}" is not a Connect configuration ID`, 'Connect IDs are numbers, as Webhook → List shows them.');
	}
	const answer = await client.request<{ configurations?: ConnectConfiguration[] }>({ method: 'GET', path: '/connect' });
	if (!(answer.configurations ?? []).some((configuration) => String(configuration.connectId) === id)) return;
	await client.request({ method: 'DELETE', path: `/connect/${id}`, response: 'none' });
}
