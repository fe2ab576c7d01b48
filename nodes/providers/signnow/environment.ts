/**
 * SignNow's hosts. Shared by the three SignNow credentials (their URL expressions) and the
 * adapter (the API base URL), so a host changes in one place.
 */
export const SIGNNOW_API_HOSTS = {
	production: 'https://api.signnow.com',
	sandbox: 'https://api-eval.signnow.com',
} as const;

/** Where the "Connect" button sends the user for the authorization-code grant. */
export const SIGNNOW_AUTHORIZE_URLS = {
	production: 'https://app.signnow.com/authorize',
	sandbox: 'https://app-eval.signnow.com/authorize',
} as const;

export type SignNowEnvironment = keyof typeof SIGNNOW_API_HOSTS;

/** The API base URL a credential points at: its custom base URL, else its environment's host. */
export function signNowApiBaseUrl(credentials: Readonly<Record<string, unknown>>): string {
	const custom = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	if (custom !== '') return custom.replace(/\/+$/, '');
	return credentials.environment === 'sandbox' ? SIGNNOW_API_HOSTS.sandbox : SIGNNOW_API_HOSTS.production;
}

/**
 * The same rule as an n8n expression over `$credentials`, for credential `test` requests and
 * `preAuthentication` (where only the credential's own values are known).
 */
export const SIGNNOW_BASE_URL_EXPRESSION = `={{ $credentials.baseUrl ? $credentials.baseUrl.replace(/\\/+$/, '') : ($credentials.environment === 'sandbox' ? '${SIGNNOW_API_HOSTS.sandbox}' : '${SIGNNOW_API_HOSTS.production}') }}`;
