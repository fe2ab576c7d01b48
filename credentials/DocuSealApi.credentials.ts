import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { DOCUSEAL_BASE_URL_EXPRESSION } from '../nodes/providers/docuseal/environment';

/**
 * DocuSeal with an API key (Console → API for the cloud, Settings → API when self-hosted),
 * sent as the `X-Auth-Token` header. Cloud keys belong to one region (US or EU).
 */
export class DocuSealApi implements ICredentialType {
	name = 'docuSealApi';

	displayName = 'DocuSeal API';

	icon = { light: 'file:../nodes/DocuSeal/docuseal.svg', dark: 'file:../nodes/DocuSeal/docuseal.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/docuseal.md#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'DocuSeal Console → API (cloud), or Settings → API on your own DocuSeal',
		},
		{
			displayName: 'Deployment',
			name: 'deployment',
			type: 'options',
			options: [
				{ name: 'Cloud (Global)', value: 'cloudUs', description: 'api.docuseal.com' },
				{ name: 'Cloud (EU)', value: 'cloudEu', description: 'api.docuseal.eu' },
				{ name: 'Self-Hosted', value: 'selfHosted', description: 'Your own DocuSeal server' },
			],
			default: 'cloudUs',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://docuseal.example.com/api',
			description: 'Your DocuSeal address followed by /api',
			displayOptions: { show: { deployment: ['selfHosted'] } },
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				'X-Auth-Token': '={{$credentials.apiKey}}',
			},
		},
	};

	// Listing (at most) one submission proves the key and the host without changing anything.
	test: ICredentialTestRequest = {
		request: {
			baseURL: DOCUSEAL_BASE_URL_EXPRESSION,
			url: '/submissions',
			method: 'GET',
			qs: { limit: 1 },
		},
	};
}
