/**
 * n8n's own `oAuth2Api` credential type, as far as a credential that `extends` it needs it (its
 * property names and defaults): the test harness has no n8n-nodes-base to load it from. n8n-core
 * reads these values (token URL, client id/secret, `authentication`) to refresh a token after a 401.
 */
import type { ICredentialType, IDataObject } from 'n8n-workflow';

export const oAuth2ApiCredentialType = {
	name: 'oAuth2Api',
	displayName: 'OAuth2 API',
	properties: [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'string', default: '' },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'string', default: '' },
		{ displayName: 'Client ID', name: 'clientId', type: 'string', default: '' },
		{ displayName: 'Client Secret', name: 'clientSecret', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Scope', name: 'scope', type: 'string', default: '' },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'string', default: '' },
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{ name: 'Body', value: 'body' },
				{ name: 'Header', value: 'header' },
			],
			default: 'header',
		},
	],
} as ICredentialType;

/**
 * What n8n's OAuth2 callback does after the user clicks "Connect" and approves: follow the
 * authorization URL's redirect for a code, then exchange it at the token URL with the client id
 * and secret as HTTP Basic auth (`authentication: header`). Returns what n8n stores as `oauthTokenData`.
 */
export async function connectAuthorizationCode(options: {
	authUrl: string;
	accessTokenUrl: string;
	clientId: string;
	clientSecret: string;
	scope?: string;
	redirectUri?: string;
}): Promise<IDataObject> {
	const redirectUri = options.redirectUri ?? 'http://localhost:5678/rest/oauth2-credential/callback';
	const authorize = new URL(options.authUrl);
	authorize.searchParams.set('client_id', options.clientId);
	authorize.searchParams.set('response_type', 'code');
	authorize.searchParams.set('redirect_uri', redirectUri);
	if (options.scope) authorize.searchParams.set('scope', options.scope);
	authorize.searchParams.set('state', 'n8n-state');
	const redirect = await fetch(authorize, { redirect: 'manual' });
	const code = new URL(redirect.headers.get('location') ?? 'http://invalid/').searchParams.get('code');
	if (!code) throw new Error(`the authorization URL did not redirect with a code (HTTP ${redirect.status})`);
	const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString('base64');
	const answer = await fetch(options.accessTokenUrl, {
		method: 'POST',
		headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
	});
	if (!answer.ok) throw new Error(`code exchange failed: HTTP ${answer.status} ${await answer.text()}`);
	return (await answer.json()) as IDataObject;
}
