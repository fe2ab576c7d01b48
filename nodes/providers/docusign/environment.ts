/**
 * DocuSign's hosts, shared by the credential (OAuth URLs, test request) and the adapter (the
 * account's REST base URL), so a host changes in one place.
 */
import { ProviderInputError } from '../adapter';

/** Where the authorization-code grant happens (`/oauth/auth`, `/oauth/token`, `/oauth/userinfo`). */
export const DOCUSIGN_OAUTH_HOSTS = {
	demo: 'https://account-d.docusign.com',
	production: 'https://account.docusign.com',
} as const;

/** Every developer account lives here; production accounts each have their own base URI (na3, eu…). */
export const DOCUSIGN_DEMO_BASE_URI = 'https://demo.docusign.net';

/** `{base URI}/restapi/v2.1/accounts/{account id}`: the prefix of every eSignature REST call. */
export function docuSignAccountBaseUrl(credentials: Readonly<Record<string, unknown>>): string {
	const accountId = typeof credentials.accountId === 'string' ? credentials.accountId.trim() : '';
	if (accountId === '') {
		throw new ProviderInputError(
			'The DocuSign credential has no API Account ID',
			'Copy it from DocuSign → Settings → Apps and Keys → "API Account ID".',
		);
	}
	let baseUri = typeof credentials.baseUri === 'string' ? credentials.baseUri.trim() : '';
	if (baseUri === '') {
		if (credentials.environment === 'production') {
			throw new ProviderInputError(
				'The DocuSign credential has no Account Base URI',
				'Production accounts live on their own host: copy "Account Base URI" (e.g. https://na3.docusign.net) from Settings → Apps and Keys.',
			);
		}
		baseUri = DOCUSIGN_DEMO_BASE_URI;
	}
	// People paste the base URI with or without the /restapi suffix userinfo's base_uri lacks.
	baseUri = baseUri.replace(/\/+$/, '').replace(/\/restapi(\/.*)?$/, '');
	return `${baseUri}/restapi/v2.1/accounts/${encodeURIComponent(accountId)}`;
}

/** The same rule as an n8n expression over `$credentials`, for the credential's test request. */
export const DOCUSIGN_ACCOUNT_BASE_URL_EXPRESSION = `={{ ($credentials.baseUri ? $credentials.baseUri.replace(/\\/+$/, '').replace(/\\/restapi(\\/.*)?$/, '') : '${DOCUSIGN_DEMO_BASE_URI}') + '/restapi/v2.1/accounts/' + encodeURIComponent($credentials.accountId) }}`;
