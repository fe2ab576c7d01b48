/**
 * The relay's admin API, as the trigger uses it: one subscription per active trigger,
 * created for the trigger's own webhook URL and deleted when the workflow is deactivated.
 */
import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type IHttpRequestMethods,
	type JsonObject,
} from 'n8n-workflow';

export const RELAY_CREDENTIAL = 'eSignRelayApi';

export interface SubscriptionFilter {
	sources: string[];
	providers: string[];
	eventTypes: string[];
	documentId?: string;
}

export interface RelaySubscription extends SubscriptionFilter {
	id: string;
	url: string;
	status?: string;
	/** Only present in the answer to the create call. */
	secret?: string;
}

interface RelayResponse {
	statusCode: number;
	body: unknown;
}

async function call(
	context: IHookFunctions,
	method: IHttpRequestMethods,
	path: string,
	body?: IDataObject,
): Promise<RelayResponse> {
	const credentials = await context.getCredentials(RELAY_CREDENTIAL);
	const baseUrl = String(credentials.url ?? '').replace(/\/+$/, '');
	if (!/^https?:\/\//i.test(baseUrl)) {
		throw new NodeOperationError(
			context.getNode(),
			`The relay URL "${baseUrl}" in the E-Signature Relay credential is not an http(s) URL`,
			{ description: 'Set it to where your relay listens, e.g. https://relay.example.com' },
		);
	}
	try {
		const response = (await context.helpers.httpRequestWithAuthentication.call(
			context,
			RELAY_CREDENTIAL,
			{
				method,
				url: `${baseUrl}${path}`,
				body,
				json: true,
				returnFullResponse: true,
				// Statuses are part of the protocol here (404 = gone); they are handled below.
				ignoreHttpStatusErrors: true,
			},
		)) as { statusCode: number; body: unknown };
		return { statusCode: response.statusCode, body: response.body };
	} catch (error) {
		throw new NodeApiError(context.getNode(), error as JsonObject, {
			message: `Could not reach the relay at ${baseUrl}`,
			description: `Check that the relay is running and that n8n can reach it. Request: ${method} ${path}`,
		});
	}
}

function failure(context: IHookFunctions, what: string, response: RelayResponse): NodeApiError {
	const detail =
		typeof response.body === 'object' && response.body !== null
			? JSON.stringify(response.body)
			: String(response.body ?? '');
	const hint =
		response.statusCode === 401 || response.statusCode === 403
			? 'The relay refused the API token: check the token in the E-Signature Relay credential.'
			: `The relay answered: ${detail.slice(0, 500)}`;
	return new NodeApiError(
		context.getNode(),
		{ statusCode: response.statusCode, body: detail } as JsonObject,
		{
			message: `The relay could not ${what} (HTTP ${response.statusCode})`,
			description: hint,
			httpCode: String(response.statusCode),
		},
	);
}

function asSubscription(body: unknown): RelaySubscription | undefined {
	if (typeof body !== 'object' || body === null) return undefined;
	const value = body as Partial<RelaySubscription>;
	if (typeof value.id !== 'string' || typeof value.url !== 'string') return undefined;
	return {
		id: value.id,
		url: value.url,
		status: value.status,
		secret: value.secret,
		sources: Array.isArray(value.sources) ? value.sources : [],
		providers: Array.isArray(value.providers) ? value.providers : [],
		eventTypes: Array.isArray(value.eventTypes) ? value.eventTypes : [],
		documentId: value.documentId ?? undefined,
	};
}

export async function createSubscription(
	context: IHookFunctions,
	url: string,
	filter: SubscriptionFilter,
	description: string,
): Promise<RelaySubscription & { secret: string }> {
	const body: IDataObject = { url, description };
	if (filter.sources.length) body.sources = filter.sources;
	if (filter.providers.length) body.providers = filter.providers;
	if (filter.eventTypes.length) body.eventTypes = filter.eventTypes;
	if (filter.documentId) body.documentId = filter.documentId;
	const response = await call(context, 'POST', '/v1/subscriptions', body);
	if (response.statusCode !== 201 && response.statusCode !== 200) {
		throw failure(context, 'create the subscription', response);
	}
	const subscription = asSubscription(response.body);
	if (!subscription?.secret) {
		throw new NodeOperationError(
			context.getNode(),
			'The relay created a subscription but sent no id or signing secret back',
			{ description: 'Check that the relay speaks the /v1/subscriptions API this node expects.' },
		);
	}
	return { ...subscription, secret: subscription.secret };
}

/** The subscription, or undefined when the relay no longer has it. */
export async function getSubscription(
	context: IHookFunctions,
	id: string,
): Promise<RelaySubscription | undefined> {
	const response = await call(context, 'GET', `/v1/subscriptions/${encodeURIComponent(id)}`);
	if (response.statusCode === 404) return undefined;
	if (response.statusCode !== 200) throw failure(context, 'look up the subscription', response);
	return asSubscription(response.body);
}

/** Deletes the subscription; one that is already gone counts as deleted. */
export async function deleteSubscription(context: IHookFunctions, id: string): Promise<void> {
	const response = await call(context, 'DELETE', `/v1/subscriptions/${encodeURIComponent(id)}`);
	if (response.statusCode === 404 || (response.statusCode >= 200 && response.statusCode < 300)) return;
	throw failure(context, 'delete the subscription', response);
}
