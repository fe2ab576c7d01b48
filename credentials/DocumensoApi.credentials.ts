import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Documenso with an API token (Settings → API Tokens, or the team's settings for team
 * documents). Documenso takes the token as the whole `Authorization` header value.
 */
export class DocumensoApi implements ICredentialType {
	name = 'documensoApi';

	displayName = 'Documenso API';

	icon = { light: 'file:../nodes/Documenso/documenso.svg', dark: 'file:../nodes/Documenso/documenso.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/documenso.md#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'api_xxxxxxxxxxxxxxxx',
			description: 'Documenso → Settings → API Tokens',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://app.documenso.com/api/v2',
			description: 'Change it for a self-hosted Documenso: https://your-domain.com/api/v2',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '={{$credentials.apiToken}}',
			},
		},
	};

	// Listing (at most) one envelope proves the token without touching anything.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/envelope',
			method: 'GET',
			qs: { perPage: 1 },
		},
	};
}
