import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import {
	SIGNNOW_API_HOSTS,
	SIGNNOW_AUTHORIZE_URLS,
	SIGNNOW_BASE_URL_EXPRESSION,
	signNowEnvironmentProperties,
} from '../nodes/providers/signnow/environment';

/**
 * SignNow through n8n's OAuth2 "Connect" button (authorization-code grant). SignNow wants the
 * client id and secret as HTTP Basic auth on its token endpoint, hence `authentication: header`.
 */
export class SignNowOAuth2Api implements ICredentialType {
	name = 'signNowOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'SignNow OAuth2 API';

	icon = { light: 'file:../nodes/SignNow/signnow.svg', dark: 'file:../nodes/SignNow/signnow.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/signnow.md#credentials';

	properties: INodeProperties[] = [
		...signNowEnvironmentProperties(
			'Leave empty to use the environment above. When set, API calls and the token endpoint go to this URL instead.',
			true,
		),
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
			default: `={{ $self["environment"] === "sandbox" ? "${SIGNNOW_AUTHORIZE_URLS.sandbox}" : "${SIGNNOW_AUTHORIZE_URLS.production}" }}`,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: `={{ ($self["baseUrl"] ? $self["baseUrl"].replace(/\\/+$/, "") : ($self["environment"] === "sandbox" ? "${SIGNNOW_API_HOSTS.sandbox}" : "${SIGNNOW_API_HOSTS.production}")) + "/oauth2/token" }}`,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: '*',
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

	test: ICredentialTestRequest = {
		request: {
			baseURL: SIGNNOW_BASE_URL_EXPRESSION,
			url: '/user',
			method: 'GET',
		},
	};
}
