/**
 * SignNow's hosts. Shared by the three SignNow credentials (their URL expressions and their
 * Environment / Custom Base URL fields) and the adapter (the API base URL), so a host changes
 * in one place.
 */
import type { INodeProperties } from 'n8n-workflow';

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

function hostName(url: string): string {
	return url.replace(/^https:\/\//, '').replace(/\/.*$/, '');
}

/**
 * The Environment and Custom Base URL fields every SignNow credential starts with.
 * `baseUrlDescription` says what a custom base URL replaces in that credential; an OAuth2
 * credential also names the host its "Connect" button opens.
 */
export function signNowEnvironmentProperties(baseUrlDescription: string, withAuthorizeHost = false): INodeProperties[] {
	const hosts = (environment: SignNowEnvironment) =>
		withAuthorizeHost
			? `${hostName(SIGNNOW_AUTHORIZE_URLS[environment])} / ${hostName(SIGNNOW_API_HOSTS[environment])}`
			: hostName(SIGNNOW_API_HOSTS[environment]);
	return [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Production', value: 'production', description: hosts('production') },
				{ name: 'Sandbox (Eval)', value: 'sandbox', description: hosts('sandbox') },
			],
			default: 'production',
		},
		{
			displayName: 'Custom Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://signnow-gateway.example.com',
			description: baseUrlDescription,
		},
	];
}
