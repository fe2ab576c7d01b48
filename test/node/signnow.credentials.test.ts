/**
 * The three SignNow credentials as n8n uses them: the password grant's token fetched by
 * `preAuthentication` into the hidden expirable field and fetched again after a 401, OAuth2's
 * refresh through n8n-core, the API key as a Bearer token, bad credentials, and each credential's
 * "Test" button.
 */
import { SignNowApiKeyApi } from '../../credentials/SignNowApiKeyApi.credentials';
import { SignNowOAuth2Api } from '../../credentials/SignNowOAuth2Api.credentials';
import { testCredential, TestCredentialsHelper, binaryItem, contractPdf } from '../helpers';
import { simulatorControl } from '../simulators/signnow';
import { credentialData, ok, setUp, type Fixture } from './signnow-fixture';

let fx: Fixture | undefined;

afterEach(async () => {
	await fx?.close();
	fx = undefined;
});

const getUser = async (f: Fixture) => {
	const [item] = ok(await f.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(contractPdf(), 'c.pdf')]));
	return ok(await f.run({ resource: 'document', operation: 'get', documentId: item.json.id as string }))[0];
};

describe('Password grant (preAuthentication + expirable token)', () => {
	test('fetches a token once with Basic client auth, stores it, and reuses it', async () => {
		fx = await setUp('passwordGrant');
		await getUser(fx);
		expect(fx.sim.state.tokenGrants).toEqual(['password']);
		const stored = fx.credentials.stored(fx.credential);
		expect(typeof stored.accessToken).toBe('string');
		expect(fx.sim.state.tokens.get(stored.accessToken as string)?.kind).toBe('oauth');
		// Every API call carried that token.
		const apiCalls = fx.sim.state.requests.filter((r) => r.path !== '/oauth2/token');
		expect(apiCalls.length).toBeGreaterThan(0);
		expect(apiCalls.every((r) => r.authorization === `Bearer ${String(stored.accessToken)}`)).toBe(true);
		ok(await fx.run({ resource: 'webhook', operation: 'list' }));
		expect(fx.sim.state.tokenGrants).toEqual(['password']);
	});

	test('a token SignNow no longer accepts (401) is fetched again and the call succeeds', async () => {
		fx = await setUp('passwordGrant');
		await getUser(fx);
		const firstToken = fx.credentials.stored(fx.credential).accessToken;
		await simulatorControl(fx.sim).expireTokens();
		const items = ok(await fx.run({ resource: 'webhook', operation: 'list' }));
		expect(items).toEqual([]);
		expect(fx.sim.state.tokenGrants).toEqual(['password', 'password']);
		const secondToken = fx.credentials.stored(fx.credential).accessToken;
		expect(secondToken).not.toBe(firstToken);
		expect(fx.sim.state.requests.filter((r) => r.status === 401)).toHaveLength(1);
	});

	test('an upload (multipart body) is re-sent after the token refresh', async () => {
		fx = await setUp('passwordGrant');
		await getUser(fx);
		await simulatorControl(fx.sim).expireTokens();
		const pdf = contractPdf('After expiry');
		const [item] = ok(await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(pdf, 'after.pdf')]));
		expect(fx.sim.state.documents.get(item.json.id as string)?.original.equals(pdf)).toBe(true);
	});

	test('a wrong password fails with SignNow\'s 401 and a hint to check the credential', async () => {
		fx = await setUp('passwordGrant');
		fx.credentials.stored(fx.credential).password = 'wrong';
		const run = await fx.run({ resource: 'webhook', operation: 'list' });
		expect(run.error?.httpCode).toBe('401');
		expect(run.error?.message).toMatch(/SignNow rejected the credentials \(HTTP 401\)/);
		expect(run.error?.description).toMatch(/Check the credential/);
		expect(fx.sim.state.requests.some((r) => r.path === '/v2/event-subscriptions')).toBe(false);
	});

	test('a wrong client secret is refused at the token endpoint', async () => {
		fx = await setUp('passwordGrant');
		fx.credentials.stored(fx.credential).clientSecret = 'not-the-secret';
		const run = await fx.run({ resource: 'webhook', operation: 'list' });
		expect(run.error?.httpCode).toBe('401');
		expect(fx.sim.state.requests.filter((r) => r.path === '/oauth2/token').map((r) => r.status)).toContain(401);
		expect(fx.sim.state.tokens.size).toBe(1); // only the API key: no token was issued
	});
});

describe('API key', () => {
	test('is sent as a Bearer token', async () => {
		fx = await setUp('apiKey');
		await getUser(fx);
		expect(fx.sim.state.requests.every((r) => r.authorization === `Bearer ${fx!.sim.apiKey}`)).toBe(true);
		expect(fx.sim.state.tokenGrants).toEqual([]);
	});

	test('an unknown key is a 401 with SignNow\'s message', async () => {
		fx = await setUp('apiKey');
		fx.credentials.stored(fx.credential).apiKey = 'sn_api_revoked';
		const run = await fx.run({ resource: 'webhook', operation: 'list' });
		expect(run.error?.httpCode).toBe('401');
		expect(run.error?.message).toBe('SignNow rejected the credentials (HTTP 401): invalid_token (code 1537)');
	});
});

describe('OAuth2 (authorization code)', () => {
	test('uses the connected token, and n8n refreshes it with the refresh token after a 401', async () => {
		fx = await setUp('oAuth2');
		await getUser(fx);
		// The code was exchanged once, at "Connect"; using the token needs no other grant.
		expect(fx.sim.state.tokenGrants).toEqual(['authorization_code']);
		await simulatorControl(fx.sim).expireTokens();
		ok(await fx.run({ resource: 'webhook', operation: 'list' }));
		expect(fx.sim.state.tokenGrants).toEqual(['authorization_code', 'refresh_token']);
		const stored = fx.credentials.stored(fx.credential).oauthTokenData as { access_token: string };
		expect(fx.sim.state.tokens.get(stored.access_token)?.expiresAt).toBeGreaterThan(Date.now());
	});

	test('the hidden URLs follow the environment and the custom base URL', () => {
		const helper = new TestCredentialsHelper([new SignNowOAuth2Api()]);
		const production = helper.applyDefaults('signNowOAuth2Api', { environment: 'production' });
		expect(production).toMatchObject({
			authUrl: 'https://app.signnow.com/authorize',
			accessTokenUrl: 'https://api.signnow.com/oauth2/token',
			grantType: 'authorizationCode',
			authentication: 'header',
			scope: '*',
		});
		const sandbox = helper.applyDefaults('signNowOAuth2Api', { environment: 'sandbox' });
		expect(sandbox).toMatchObject({ authUrl: 'https://app-eval.signnow.com/authorize', accessTokenUrl: 'https://api-eval.signnow.com/oauth2/token' });
		const custom = helper.applyDefaults('signNowOAuth2Api', { environment: 'sandbox', baseUrl: 'http://gateway.local:8080/' });
		expect(custom.accessTokenUrl).toBe('http://gateway.local:8080/oauth2/token');
	});
});

describe('"Test credential" button', () => {
	test.each(['apiKey', 'passwordGrant'] as const)('%s: succeeds with good values and fails with bad ones', async (authentication) => {
		fx = await setUp(authentication);
		const type = authentication === 'apiKey' ? 'signNowApiKeyApi' : 'signNowApi';
		const good = await testCredential(fx.credentials, type, credentialData(fx.sim, authentication));
		expect(good).toEqual({ status: 'OK', message: 'Connection tested successfully' });
		expect(fx.sim.state.requests.some((r) => r.path === '/user' && r.status === 200)).toBe(true);
		const badData = { ...credentialData(fx.sim, authentication), apiKey: 'nope', password: 'nope' };
		const bad = await testCredential(fx.credentials, type, badData);
		expect(bad.status).toBe('Error');
		expect(bad.httpCode).toBe('401');
	});

	test('the password grant fetches a fresh token on every test, even with one stored', async () => {
		fx = await setUp('passwordGrant');
		await testCredential(fx.credentials, 'signNowApi', { ...credentialData(fx.sim, 'passwordGrant'), accessToken: 'stale' });
		expect(fx.sim.state.tokenGrants).toEqual(['password']);
	});

	test('the API key credential points at production by default', () => {
		const helper = new TestCredentialsHelper([new SignNowApiKeyApi()]);
		const values = helper.applyDefaults('signNowApiKeyApi', { apiKey: 'k' });
		const test = new SignNowApiKeyApi().test.request;
		expect(helper.resolve(test.baseURL as string, values)).toBe('https://api.signnow.com');
		expect(helper.resolve(test.baseURL as string, { ...values, environment: 'sandbox' })).toBe('https://api-eval.signnow.com');
	});
});
