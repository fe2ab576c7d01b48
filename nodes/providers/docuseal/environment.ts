/**
 * DocuSeal's API hosts, shared by the credential (its test request) and the adapter, so a host
 * changes in one place. Cloud keys are per region; self-hosted DocuSeal serves the API at `/api`.
 */
export const DOCUSEAL_API_HOSTS = {
	cloudUs: 'https://api.docuseal.com',
	cloudEu: 'https://api.docuseal.eu',
} as const;

/** The API base URL a credential points at (no trailing slash). */
export function docuSealBaseUrl(credentials: Readonly<Record<string, unknown>>): string {
	if (credentials.deployment === 'selfHosted') {
		const custom = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
		return custom.replace(/\/+$/, '');
	}
	return credentials.deployment === 'cloudEu' ? DOCUSEAL_API_HOSTS.cloudEu : DOCUSEAL_API_HOSTS.cloudUs;
}

/** The same rule as an n8n expression over `$credentials`, for the credential's test request. */
export const DOCUSEAL_BASE_URL_EXPRESSION = `={{ $credentials.deployment === 'selfHosted' ? $credentials.baseUrl.replace(/\\/+$/, '') : ($credentials.deployment === 'cloudEu' ? '${DOCUSEAL_API_HOSTS.cloudEu}' : '${DOCUSEAL_API_HOSTS.cloudUs}') }}`;
