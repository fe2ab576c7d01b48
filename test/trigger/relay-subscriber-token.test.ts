/**
 * The E-Signature Relay credential holding a subscriber token instead of the admin token:
 * n8n's credential test passes, and the trigger's relay calls (nodes/ESignTrigger/relay/api.ts)
 * create, find and delete its subscription through n8n core's real request helper, against a
 * real relay; another tenant's subscription looks gone, and the cap is a readable error.
 */
import type { IExecuteFunctions, IHookFunctions, INodeType, NodeConnectionType } from 'n8n-workflow';

import { ESignRelayApi } from '../../credentials/ESignRelayApi.credentials';
import { RELAY_CREDENTIAL, createSubscription, deleteSubscription, getSubscription } from '../../nodes/ESignTrigger/relay/api';
import type { Relay } from '../../relay/src/app';
import { api, cleanRedis, startRelay, uniquePrefix } from '../../relay/test/helpers';
import { TestCredentialsHelper, runWorkflow, testCredential } from '../helpers';

const prefix = uniquePrefix('trigger-token');
let relay: Relay;
let token: string;

beforeAll(async () => {
	relay = await startRelay(prefix);
	const created = await api(relay, 'POST', '/v1/tokens', { name: 'n8n under test', maxSubscriptions: 1 });
	expect(created.status).toBe(201);
	token = created.json.token as string;
});

afterAll(async () => {
	await relay.stop();
	await cleanRedis(prefix);
});

/** Runs `body` inside a node's execution, with the relay credential, as the trigger's hooks do. */
async function withRelayCredential<T>(apiToken: string, body: (context: IHookFunctions) => Promise<T>): Promise<T> {
	const credentials = new TestCredentialsHelper([new ESignRelayApi()]);
	const details = credentials.add(RELAY_CREDENTIAL, { url: `${relay.url}/`, apiToken });
	let result: { value?: T; error?: unknown } = {};
	const node: INodeType = {
		description: {
			displayName: 'Relay caller',
			name: 'test.relayCaller',
			group: ['transform'],
			version: 1,
			description: 'Calls the relay API the way the trigger does',
			defaults: { name: 'Relay caller' },
			inputs: ['main' as NodeConnectionType],
			outputs: ['main' as NodeConnectionType],
			properties: [],
			credentials: [{ name: RELAY_CREDENTIAL, required: true }],
		},
		async execute(this: IExecuteFunctions) {
			try {
				// The calls use only getCredentials, getNode and httpRequestWithAuthentication, which both contexts have.
				result = { value: await body(this as unknown as IHookFunctions) };
			} catch (error) {
				result = { error };
			}
			return [[{ json: {} }]];
		},
	};
	await runWorkflow({
		nodes: [
			{
				id: 'caller',
				name: 'Relay caller',
				type: 'test.relayCaller',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
				credentials: { [RELAY_CREDENTIAL]: details },
			},
		],
		connections: {},
		nodeTypes: { 'test.relayCaller': node },
		credentialsHelper: credentials,
	});
	if ('error' in result && result.error !== undefined) throw result.error;
	return result.value as T;
}

it("passes n8n's credential test with a subscriber token, and fails it with a revoked or mistyped one", async () => {
	const helper = new TestCredentialsHelper([new ESignRelayApi()]);
	expect(await testCredential(helper, RELAY_CREDENTIAL, { url: relay.url, apiToken: token })).toMatchObject({ status: 'OK' });
	const wrong = await testCredential(helper, RELAY_CREDENTIAL, { url: relay.url, apiToken: `${token.slice(0, -1)}x` });
	expect(wrong).toMatchObject({ status: 'Error', httpCode: '403' });
});

it('creates, finds and deletes its own subscription; another tenant\'s is "gone"; the cap is explained', async () => {
	const filter = { sources: ['signnow'], providers: [], eventTypes: ['document.completed'] };
	const created = await withRelayCredential(token, (context) =>
		createSubscription(context, 'http://127.0.0.1:5678/webhook/abc', filter, 'workflow 1'),
	);
	expect(created).toMatchObject({ id: expect.stringMatching(/^sub_/), secret: expect.stringMatching(/^whsec_/), sources: ['signnow'] });
	expect(await withRelayCredential(token, (context) => getSubscription(context, created.id))).toMatchObject({ id: created.id });

	// The token's cap is 1: a second activation fails with the relay's explanation.
	await expect(
		withRelayCredential(token, (context) => createSubscription(context, 'http://127.0.0.1:5678/webhook/def', filter, 'workflow 2')),
	).rejects.toMatchObject({ httpCode: '409', description: expect.stringContaining('subscription_limit') });

	// A subscription of the admin (or of another tenant) is invisible: the trigger would re-create its own.
	const foreign = await api(relay, 'POST', '/v1/subscriptions', { url: 'http://127.0.0.1:5678/webhook/other' });
	expect(await withRelayCredential(token, (context) => getSubscription(context, foreign.json.id as string))).toBeUndefined();
	await withRelayCredential(token, (context) => deleteSubscription(context, foreign.json.id as string));
	expect((await api(relay, 'GET', `/v1/subscriptions/${foreign.json.id as string}`)).status).toBe(200);

	await withRelayCredential(token, (context) => deleteSubscription(context, created.id));
	expect((await api(relay, 'GET', `/v1/subscriptions/${created.id}`)).status).toBe(404);
});
