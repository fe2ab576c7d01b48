import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * SignOS with an API key (Dashboard → Settings → API Keys; shown once). SignOS takes it as a
 * Bearer token on every call; API access needs the Growth or Enterprise plan.
 */
export class SignOsApi implements ICredentialType {
	name = 'signOsApi';

	displayName = 'SignOS API';

	icon = { light: 'file:../nodes/SignOs/signos.svg', dark: 'file:../nodes/SignOs/signos.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/signos.md#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'so_live_xxxxxxxxxxxxxxxx',
			description: 'SignOS Dashboard → Settings → API Keys (a live key, or a test key for trials)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.signosplatform.com',
			description: 'Leave as is unless SignOS gave you another API host',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiKey}}',
			},
		},
	};

	// Listing at most one document proves the key without changing anything.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/v1/documents',
			method: 'GET',
			qs: { limit: 1 },
		},
	};
}
