import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Dropbox Sign through n8n's OAuth2 "Connect" button (authorization-code grant on an API app
 * with OAuth enabled). Requests then carry `Authorization: Bearer <access token>`.
 */
export class DropboxSignOAuth2Api implements ICredentialType {
	name = 'dropboxSignOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Dropbox Sign OAuth2 API';

	icon = { light: 'file:../nodes/DropboxSign/dropboxsign.svg', dark: 'file:../nodes/DropboxSign/dropboxsign.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/dropbox-sign.md#credentials';

	properties: INodeProperties[] = [
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'https://api.hellosign.com/v3' },
		{
			displayName: 'Embedded Signing Client ID',
			name: 'embeddedClientId',
			type: 'string',
			default: '',
			description:
				'Client ID of the API app to create embedded requests with (usually this OAuth app\'s). When set, Send From Template creates embedded requests (no email to signers: get each signer\'s link with Invite → Get Signing Link) and webhooks are registered on the app\'s callback URL.',
		},
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: 'https://app.hellosign.com/oauth/authorize' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: 'https://app.hellosign.com/oauth/token' },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: 'basic_account_info,request_signature' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: '' },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/account',
			method: 'GET',
		},
	};
}
