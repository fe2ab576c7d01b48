import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

import { SIGNNOW_BASE_URL_EXPRESSION, signNowEnvironmentProperties } from '../nodes/providers/signnow/environment';

/**
 * SignNow with an API key generated in the SignNow API dashboard. SignNow takes it as a Bearer
 * token, like an access token that does not expire until it is revoked.
 */
export class SignNowApiKeyApi implements ICredentialType {
	name = 'signNowApiKeyApi';

	displayName = 'SignNow API Key API';

	icon = { light: 'file:../nodes/SignNow/signnow.svg', dark: 'file:../nodes/SignNow/signnow.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/signnow.md#credentials';

	properties: INodeProperties[] = [
		...signNowEnvironmentProperties(
			'Leave empty to use the environment above. Set it for a gateway in front of SignNow.',
		),
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'SignNow API dashboard → Apps and Keys → your application → API Keys tab',
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

	test: ICredentialTestRequest = {
		request: {
			baseURL: SIGNNOW_BASE_URL_EXPRESSION,
			url: '/user',
			method: 'GET',
		},
	};
}
