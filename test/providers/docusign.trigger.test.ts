/**
 * The DocuSign Trigger in Direct mode against the DocuSign simulator, through n8n-core's hook
 * context: activation makes a Connect custom configuration for n8n's webhook URL (the adapter's
 * `webhook.register`), a restart finds it (`list`), deactivation removes it (`delete`); the
 * callbacks are verified with the credential's Connect HMAC key, which DocuSign's API cannot set.
 */
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import { DocuSignOAuth2Api } from '../../credentials/DocuSignOAuth2Api.credentials';
import { DocuSignTrigger } from '../../nodes/DocuSign/DocuSignTrigger.node';
import { connectAuthorizationCode, oAuth2ApiCredentialType, TestCredentialsHelper } from '../helpers';
import { triggerHooks } from '../helpers/trigger';
import { startDocuSignSimulator, type DocuSignSimulator } from '../simulators/docusign/simulator';

let simulator: DocuSignSimulator;

beforeEach(async () => {
	simulator = await startDocuSignSimulator();
});

afterEach(async () => {
	await simulator.close();
});

async function hooksFor(extra: ICredentialDataDecryptedObject, eventTypes: string[]) {
	const helper = new TestCredentialsHelper([new DocuSignOAuth2Api(), oAuth2ApiCredentialType]);
	const oauthTokenData = await connectAuthorizationCode({
		authUrl: `${simulator.url}/oauth/auth`,
		accessTokenUrl: `${simulator.url}/oauth/token`,
		clientId: simulator.state.application.integrationKey,
		clientSecret: simulator.state.application.secretKey,
		scope: 'signature extended',
	});
	const credential = helper.add('docuSignOAuth2Api', {
		environment: 'demo',
		accountId: simulator.state.accountId,
		baseUri: simulator.baseUri,
		clientId: simulator.state.application.integrationKey,
		clientSecret: simulator.state.application.secretKey,
		authUrl: `${simulator.url}/oauth/auth`,
		accessTokenUrl: `${simulator.url}/oauth/token`,
		oauthTokenData,
		...extra,
	});
	return triggerHooks({
		type: 'docuSignTrigger',
		nodeType: new DocuSignTrigger(),
		parameters: { mode: 'direct', eventTypes },
		credentials: { docuSignOAuth2Api: credential },
		credentialsHelper: helper,
	});
}

describe('DocuSign Trigger, direct mode (DocuSign simulator)', () => {
	test('activation makes one Connect configuration for the webhook URL and the chosen events; a restart keeps it; deactivation deletes it', async () => {
		const hooks = await hooksFor({ connectHmacSecret: 'pasted-connect-key' }, ['document.completed', 'invite.signed']);
		await hooks.activate();
		const configurations = [...simulator.state.connectConfigurations.values()];
		expect(configurations).toHaveLength(1);
		expect(configurations[0].json).toMatchObject({ urlToPublishTo: hooks.webhookUrl, events: ['envelope-completed', 'recipient-completed'], includeHMAC: 'true' });
		expect(await hooks.call('checkExists')).toBe(true);
		await hooks.activate();
		expect(simulator.state.connectConfigurations.size).toBe(1);
		await hooks.call('delete');
		expect(simulator.state.connectConfigurations.size).toBe(0);
		// Deleting the shared id once per event row sent one DELETE.
		expect(simulator.state.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
	});

	test('without a Connect HMAC key in the credential, activation stops before registering and says where the key goes', async () => {
		const hooks = await hooksFor({}, ['document.completed']);
		await expect(hooks.activate()).rejects.toThrow('The DocuSign credential has no "connectHmacSecret", which its callbacks are signed with');
		expect(simulator.state.connectConfigurations.size).toBe(0);
	});
});
