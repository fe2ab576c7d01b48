import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import { DOCUSIGN_ACCOUNT_BASE_URL_EXPRESSION, DOCUSIGN_OAUTH_HOSTS } from '../nodes/providers/docusign/environment';

/**
 * DocuSign eSignature through n8n's OAuth2 "Connect" button (authorization-code grant).
 * DocuSign wants the integration key and secret as HTTP Basic auth on its token endpoint, hence
 * `authentication: header`. `extended` lets the refresh token renew itself, so a workflow keeps
 * working past the 30 days a plain refresh token lives.
 */
export class DocuSignOAuth2Api implements ICredentialType {
	name = 'docuSignOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'DocuSign OAuth2 API';

	icon = { light: 'file:../nodes/DocuSign/docusign.svg', dark: 'file:../nodes/DocuSign/docusign.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/docusign.md#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Developer (Demo)', value: 'demo', description: 'account-d.docusign.com / demo.docusign.net' },
				{ name: 'Production', value: 'production', description: 'account.docusign.com / your account\'s base URI' },
			],
			default: 'demo',
		},
		{
			displayName: 'API Account ID',
			name: 'accountId',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'e.g. 2a4b6c8d-1e3f-4a5b-9c7d-0e1f2a3b4c5d',
			description: 'DocuSign → Settings → Apps and Keys → "API Account ID"',
		},
		{
			displayName: 'Account Base URI',
			name: 'baseUri',
			type: 'string',
			default: '',
			placeholder: 'https://na3.docusign.net',
			description:
				'DocuSign → Settings → Apps and Keys → "Account Base URI". Leave empty in the developer environment (https://demo.docusign.net); required in production.',
		},
		{
			displayName: 'Connect HMAC Key',
			name: 'connectHmacSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Only for the trigger\'s Direct mode: a key from DocuSign Admin → Connect → Connect Keys (shown once, when added). DocuSign signs every Connect message with the account\'s keys; the API cannot choose one.',
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: `={{ ($self["environment"] === "production" ? "${DOCUSIGN_OAUTH_HOSTS.production}" : "${DOCUSIGN_OAUTH_HOSTS.demo}") + "/oauth/auth" }}`,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: `={{ ($self["environment"] === "production" ? "${DOCUSIGN_OAUTH_HOSTS.production}" : "${DOCUSIGN_OAUTH_HOSTS.demo}") + "/oauth/token" }}`,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'signature extended',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
	];

	// Reading the account proves the token, the account id and the base URI together.
	test: ICredentialTestRequest = {
		request: {
			baseURL: DOCUSIGN_ACCOUNT_BASE_URL_EXPRESSION,
			url: '',
			method: 'GET',
		},
	};
}
