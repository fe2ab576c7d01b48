/**
 * Shared set-up for the SignNow node tests: a fresh simulator, the three credential types saved
 * as a user would, and `run()` that executes the E-Signature node in a real workflow.
 */
import type { ICredentialDataDecryptedObject, INodeCredentialsDetails, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { SignNowApi } from '../../credentials/SignNowApi.credentials';
import { SignNowApiKeyApi } from '../../credentials/SignNowApiKeyApi.credentials';
import { SignNowOAuth2Api } from '../../credentials/SignNowOAuth2Api.credentials';
import { SignNow } from '../../nodes/SignNow/SignNow.node';
import { runNode, TestCredentialsHelper, type NodeRun } from '../helpers';
import { startSignNowSimulator, type SignNowSimulator, type SignNowSimulatorOptions } from '../simulators/signnow';

/** n8n's own oAuth2Api, as far as a credential that extends it needs it (its property names). */
const oAuth2Api = {
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
		{ displayName: 'Authentication', name: 'authentication', type: 'options', options: [{ name: 'Body', value: 'body' }, { name: 'Header', value: 'header' }], default: 'header' },
	],
} as const;

export type Authentication = 'apiKey' | 'passwordGrant' | 'oAuth2';

export const CREDENTIAL_TYPE: Record<Authentication, string> = {
	apiKey: 'signNowApiKeyApi',
	passwordGrant: 'signNowApi',
	oAuth2: 'signNowOAuth2Api',
};

export interface Fixture {
	sim: SignNowSimulator;
	credentials: TestCredentialsHelper;
	credential: INodeCredentialsDetails;
	authentication: Authentication;
	/** Parameters as the node's form would hold them (loosely typed: fixedCollections nest objects). */
	run(parameters: Record<string, unknown>, input?: INodeExecutionData[], continueOnFail?: boolean): Promise<NodeRun>;
	close(): Promise<void>;
}

/** What the user types into each credential's form, pointed at the simulator. */
export function credentialData(sim: SignNowSimulator, authentication: Authentication): ICredentialDataDecryptedObject {
	if (authentication === 'apiKey') return { environment: 'sandbox', baseUrl: sim.url, apiKey: sim.apiKey };
	if (authentication === 'passwordGrant') {
		return {
			environment: 'sandbox',
			baseUrl: sim.url,
			clientId: sim.application.clientId,
			clientSecret: sim.application.clientSecret,
			username: sim.user.email,
			password: sim.user.password,
		};
	}
	return { environment: 'sandbox', baseUrl: sim.url, clientId: sim.application.clientId, clientSecret: sim.application.clientSecret };
}

/**
 * What n8n's OAuth2 callback does after the user clicks "Connect" and approves: follow the
 * authorize redirect for a code, exchange it at the token URL with Basic client auth.
 */
export async function connectOAuth2(sim: SignNowSimulator): Promise<ICredentialDataDecryptedObject> {
	const redirectUri = 'http://localhost:5678/rest/oauth2-credential/callback';
	const authorize = await fetch(
		`${sim.url}/authorize?client_id=${sim.application.clientId}&response_type=code&redirect_uri=${encodeURIComponent(redirectUri)}&state=xyz`,
		{ redirect: 'manual' },
	);
	const code = new URL(authorize.headers.get('location') ?? '').searchParams.get('code');
	if (!code) throw new Error('the simulator did not redirect with a code');
	const basic = Buffer.from(`${sim.application.clientId}:${sim.application.clientSecret}`).toString('base64');
	const answer = await fetch(`${sim.url}/oauth2/token`, {
		method: 'POST',
		headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }).toString(),
	});
	if (!answer.ok) throw new Error(`code exchange failed: ${answer.status}`);
	return (await answer.json()) as ICredentialDataDecryptedObject;
}

export async function setUp(
	authentication: Authentication = 'apiKey',
	options: SignNowSimulatorOptions & { data?: ICredentialDataDecryptedObject } = {},
): Promise<Fixture> {
	const sim = await startSignNowSimulator(options);
	const credentials = new TestCredentialsHelper([
		new SignNowApiKeyApi(),
		new SignNowApi(),
		new SignNowOAuth2Api(),
		oAuth2Api as never,
	]);
	const data = options.data ?? credentialData(sim, authentication);
	if (authentication === 'oAuth2' && !options.data) data.oauthTokenData = await connectOAuth2(sim);
	const credential = credentials.add(CREDENTIAL_TYPE[authentication], data);
	const node = new SignNow();
	return {
		sim,
		credentials,
		credential,
		authentication,
		run: async (parameters, input, continueOnFail) =>
			await runNode({
				node: {
					type: 'signNow',
					parameters: { authentication, ...parameters } as INodeParameters,
					credentials: { [CREDENTIAL_TYPE[authentication]]: credential },
					continueOnFail,
				},
				nodeTypes: { signNow: node },
				credentialsHelper: credentials,
				input,
			}),
		close: () => sim.close(),
	};
}

/** Throws with the workflow's error when the node failed, so a test shows why. */
export function ok(run: NodeRun): INodeExecutionData[] {
	if (run.error) throw new Error(`the node failed: ${run.error.message} — ${String(run.error.description ?? '')}`);
	return run.items;
}
