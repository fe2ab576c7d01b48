import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	INodeProperties,
} from 'n8n-workflow';

import {
	SIGNNOW_BASE_URL_EXPRESSION,
	signNowApiBaseUrl,
	signNowEnvironmentProperties,
} from '../nodes/providers/signnow/environment';

/**
 * SignNow with an application's client id/secret and a SignNow user's email/password
 * (OAuth2 password grant). n8n fetches the access token itself (`preAuthentication`), keeps it
 * in the hidden `accessToken` field and fetches a new one whenever SignNow answers 401.
 */
export class SignNowApi implements ICredentialType {
	name = 'signNowApi';

	displayName = 'SignNow (Password Grant) API';

	icon = { light: 'file:../nodes/SignNow/signnow.svg', dark: 'file:../nodes/SignNow/signnow.dark.svg' } as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/providers/signnow.md#credentials';

	properties: INodeProperties[] = [
		...signNowEnvironmentProperties(
			'Leave empty to use the environment above. Set it for a gateway in front of SignNow.',
		),
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'From your application in the SignNow API dashboard',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Username (Email)',
			name: 'username',
			type: 'string',
			placeholder: 'name@email.com',
			default: '',
			required: true,
			description: 'The SignNow user the workflow acts as; invites are sent from this address',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const basic = Buffer.from(`${String(credentials.clientId)}:${String(credentials.clientSecret)}`).toString(
			'base64',
		);
		const answer = (await this.helpers.httpRequest({
			method: 'POST',
			url: `${signNowApiBaseUrl(credentials)}/oauth2/token`,
			headers: {
				Authorization: `Basic ${basic}`,
				'Content-Type': 'application/x-www-form-urlencoded',
				Accept: 'application/json',
			},
			body: new URLSearchParams({
				grant_type: 'password',
				username: String(credentials.username),
				password: String(credentials.password),
				scope: '*',
			}).toString(),
			json: true,
		})) as { access_token?: string };
		return { accessToken: answer.access_token };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	// Reading the user's own profile needs a valid token and changes nothing.
	test: ICredentialTestRequest = {
		request: {
			baseURL: SIGNNOW_BASE_URL_EXPRESSION,
			url: '/user',
			method: 'GET',
		},
	};
}
