import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * Dropbox Sign with an API key (Settings → API). Dropbox Sign takes it as the user name of HTTP
 * Basic auth with an empty password. The same key verifies its event callbacks in the relay.
 */
export class DropboxSignApi implements ICredentialType {
	name = 'dropboxSignApi';

	displayName = 'Dropbox Sign API';

	icon = { light: 'file:../nodes/DropboxSign/dropboxsign.svg', dark: 'file:../nodes/DropboxSign/dropboxsign.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/dropbox-sign.md#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Dropbox Sign → Settings → API → API key',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.hellosign.com/v3',
		},
		{
			displayName: 'Embedded Signing Client ID',
			name: 'embeddedClientId',
			type: 'string',
			default: '',
			description:
				'Client ID of one of your Dropbox Sign API apps. When set, Send From Template creates embedded requests of that app (no email to signers: get each signer\'s link with Invite → Get Signing Link) and webhooks are registered on the app\'s callback URL.',
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			auth: {
				username: '={{$credentials.apiKey}}',
				password: '',
			},
		},
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '/account',
			method: 'GET',
		},
	};
}
