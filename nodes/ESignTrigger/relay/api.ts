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
/** The relay credential's name in n8n's credential list (`ESignRelayApi.displayName`). */
export const RELAY_CREDENTIAL_NAME = 'E-Signature Relay API';

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

/** Socket error codes in words (see the catch in `call`). */
const SOCKET_ERRORS: Record<string, string> = {
	ECONNREFUSED: 'the connection was refused (nothing listens there)',
	ENOTFOUND: 'the host name does not resolve',
	EAI_AGAIN: 'the host name does not resolve',
	ETIMEDOUT: 'the connection timed out',
	ECONNRESET: 'the connection was closed',
	EHOSTUNREACH: 'the host is unreachable',
};

/** The socket error code somewhere in what n8n's request helper threw. */
function socketErrorCode(error: unknown): string | undefined {
	const seen = new Set<unknown>();
	let current: unknown = error;
	while (current && typeof current === 'object' && !seen.has(current)) {
		seen.add(current);
		const candidate = current as { code?: unknown; cause?: unknown; message?: unknown };
		if (typeof candidate.code === 'string' && /^E[A-Z_]+$/.test(candidate.code)) return candidate.code;
		const named = typeof candidate.message === 'string' ? /\b(E[A-Z_]{4,})\b/.exec(candidate.message) : null;
		if (named && SOCKET_ERRORS[named[1]]) return named[1];
		current = candidate.cause;
	}
	return undefined;
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
			`The Relay URL "${baseUrl}" in the "${RELAY_CREDENTIAL_NAME}" credential is not an http(s) URL`,
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
		// n8n shows only the message when activation fails: it must say what to do. n8n's errors
		// replace any message naming a socket error code (ECONNREFUSED…) with a generic text, so
		// the code is put in words here and kept as is in the description.
		const code = socketErrorCode(error);
		throw new NodeOperationError(
			context.getNode(),
			`Could not reach the relay at ${baseUrl}: ${SOCKET_ERRORS[code ?? ''] ?? 'no answer'}. Start the relay, or fix the Relay URL in the "${RELAY_CREDENTIAL_NAME}" credential.`,
			{
				description: `n8n sent ${method} ${path} to ${baseUrl} and got no answer${code ? ` (${code})` : ''}. If the relay runs, check that n8n can reach that host and port (firewall, Docker network, http vs https).`,
			},
		);
	}
}

function failure(context: IHookFunctions, what: string, response: RelayResponse): NodeApiError {
	const detail =
		typeof response.body === 'object' && response.body !== null
			? JSON.stringify(response.body)
			: String(response.body ?? '');
	const hint =
		response.statusCode === 401 || response.statusCode === 403
			? `The relay refused the API token: check the API Token in the "${RELAY_CREDENTIAL_NAME}" credential.`
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
