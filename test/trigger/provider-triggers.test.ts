/**
 * One trigger per provider, generated from its adapter by the shared trigger code: what n8n
 * shows (names, modes, events in the provider's words, credentials) and what activation does,
 * through n8n-core's hook context — against a real relay (real Redis), the SignNow simulator
 * (direct mode), and a relay that is not running.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { NodeHelpers, type INode, type INodeParameters, type INodeType } from 'n8n-workflow';

import { ESignRelayApi } from '../../credentials/ESignRelayApi.credentials';
import { SignNowApiKeyApi } from '../../credentials/SignNowApiKeyApi.credentials';
import { DocuSealTrigger } from '../../nodes/DocuSeal/DocuSealTrigger.node';
import { DocuSignTrigger } from '../../nodes/DocuSign/DocuSignTrigger.node';
import { DocumensoTrigger } from '../../nodes/Documenso/DocumensoTrigger.node';
import { DropboxSignTrigger } from '../../nodes/DropboxSign/DropboxSignTrigger.node';
import { triggerProperties } from '../../nodes/ESignTrigger/description';
import { offersDirect } from '../../nodes/ESignTrigger/providers';
import { ESignTrigger } from '../../nodes/ESignTrigger/ESignTrigger.node';
import { SignNowTrigger } from '../../nodes/SignNow/SignNowTrigger.node';
import { SignOsTrigger } from '../../nodes/SignOs/SignOsTrigger.node';
import { providerAdapters } from '../../nodes/providers/adapters';
import type { Relay } from '../../relay/src/app';
import { cleanRedis, startRelay, TOKEN, uniquePrefix } from '../../relay/test/helpers';
import { TestCredentialsHelper } from '../helpers';
import { triggerHooks } from '../helpers/trigger';
import { startSignNowSimulator, type SignNowSimulator } from '../simulators/signnow';

const ROOT = join(__dirname, '../..');

const triggers: Array<{ provider: string; displayName: string; name: string; folder: string; node: INodeType; direct: boolean }> = [
	{ provider: 'signnow', displayName: 'SignNow Trigger', name: 'signNowTrigger', folder: 'SignNow', node: new SignNowTrigger(), direct: true },
	{ provider: 'docusign', displayName: 'DocuSign Trigger', name: 'docuSignTrigger', folder: 'DocuSign', node: new DocuSignTrigger(), direct: true },
	{ provider: 'dropbox-sign', displayName: 'Dropbox Sign Trigger', name: 'dropboxSignTrigger', folder: 'DropboxSign', node: new DropboxSignTrigger(), direct: true },
	{ provider: 'documenso', displayName: 'Documenso Trigger', name: 'documensoTrigger', folder: 'Documenso', node: new DocumensoTrigger(), direct: false },
	{ provider: 'docuseal', displayName: 'DocuSeal Trigger', name: 'docuSealTrigger', folder: 'DocuSeal', node: new DocuSealTrigger(), direct: false },
	{ provider: 'signos', displayName: 'SignOS Trigger', name: 'signOsTrigger', folder: 'SignOs', node: new SignOsTrigger(), direct: false },
];

function activeCredentials(node: INodeType, parameters: INodeParameters): string[] {
	const description = node.description;
	const resolved = NodeHelpers.getNodeParameters(description.properties, parameters, true, false, null, description);
	const shape = { parameters: resolved, name: 'Trigger', type: description.name, typeVersion: 1 } as unknown as INode;
	return [...(NodeHelpers.getActiveCredentialTypes(shape, description) ?? [])].sort();
}

test('Direct mode is offered by the triggers whose adapters declare it (directWebhook + register + delete): SignNow at least', () => {
	for (const trigger of triggers) {
		const adapter = providerAdapters.find((candidate) => candidate.provider === trigger.provider)!;
		const declared =
			adapter.directWebhook !== undefined &&
			typeof adapter.webhook.register === 'function' &&
			typeof adapter.webhook.delete === 'function';
		expect({ provider: trigger.provider, direct: trigger.direct }).toEqual({ provider: trigger.provider, direct: declared });
		expect(offersDirect(adapter)).toBe(declared);
	}
	expect(triggers.find((trigger) => trigger.provider === 'signnow')?.direct).toBe(true);
});

test('every adapter has its trigger', () => {
	expect(triggers.map((t) => t.provider).sort()).toEqual(providerAdapters.map((a) => a.provider).sort());
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	for (const { folder } of triggers) expect(pkg.n8n.nodes).toContain(`dist/nodes/${folder}/${folder}Trigger.node.js`);
	expect(pkg.n8n.nodes).toContain('dist/nodes/ESignTrigger/ESignTrigger.node.js');
	expect(new ESignTrigger().description).toMatchObject({ name: 'eSignTrigger', hidden: true });
});

describe.each(triggers)('$displayName', ({ provider, displayName, name, folder, node, direct }) => {
	const adapter = providerAdapters.find((candidate) => candidate.provider === provider)!;
	const description = node.description;
	const visible = (parameters: INodeParameters) =>
		NodeHelpers.getNodeParameters(description.properties, parameters, true, false, null, description) ?? {};

	test('is named, iconed and documented as the provider', () => {
		expect(description).toMatchObject({ displayName, name, group: ['trigger'], inputs: [], defaults: { name: displayName } });
		expect(description.hidden).toBeUndefined();
		expect(description.usableAsTool).toBeUndefined();
		expect(description.description).toContain(adapter.displayName);
		// n8n's panel shows the trigger's description on the entry it merges with the action node.
		expect(description.description).toMatch(/send documents for signature.*start workflows/);
		const codex = JSON.parse(readFileSync(join(ROOT, 'nodes', folder, `${folder}Trigger.node.json`), 'utf8')) as {
			node: string;
			alias: string[];
			resources: { primaryDocumentation: Array<{ url: string }> };
		};
		expect(codex.node).toBe(`n8n-nodes-esign.${name}`);
		expect(codex.alias).toEqual(expect.arrayContaining(['e-signature', 'esign', 'signature', 'contract', 'PDF']));
		expect(codex.resources.primaryDocumentation[0].url).toContain(`/docs/providers/${provider}.md`);
	});

	test(direct ? 'offers Via Relay (default) and Direct' : 'works via the relay, with no Mode field', () => {
		const mode = description.properties.find((p) => p.name === 'mode')!;
		if (direct) {
			expect(mode.type).toBe('options');
			expect(mode.default).toBe('relay');
			expect((mode.options ?? []).map((o) => (o as { value: string }).value)).toEqual(['relay', 'direct']);
		} else {
			expect(mode).toMatchObject({ type: 'hidden', default: 'relay' });
		}
		expect(description.properties.find((p) => p.name === 'provider')).toMatchObject({ type: 'hidden', default: provider });
	});

	test("lists the provider's event names beside each canonical type it can send", () => {
		const options = (description.properties.find((p) => p.name === 'eventTypes')!.options ?? []) as Array<{ name: string; value: string; description: string }>;
		expect(options.at(-1)?.value).toBe('other');
		expect(options.find((o) => o.value === 'document.completed')).toBeDefined();
		for (const option of options.filter((o) => o.value !== 'other')) {
			expect(option.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ \(.+\)$/);
			expect(option.description).toContain(`${adapter.displayName} events: `);
		}
		expect(new Set(options.map((o) => o.name)).size).toBe(options.length);
	});

	test('needs the relay credential via the relay, and its own credential only to download or register', () => {
		const own = adapter.credentials.map((option) => option.credentialType);
		expect(activeCredentials(node, {})).toEqual(['eSignRelayApi']);
		expect(activeCredentials(node, { attachSignedPdf: true })).toEqual(['eSignRelayApi', own[0]].sort());
		for (const option of adapter.credentials) {
			const parameters = adapter.credentials.length > 1 ? { authentication: option.value } : {};
			expect(activeCredentials(node, { attachSignedPdf: true, ...parameters })).toEqual(['eSignRelayApi', option.credentialType].sort());
			if (direct) expect(activeCredentials(node, { mode: 'direct', ...parameters })).toEqual([option.credentialType]);
		}
		const types = (description.credentials ?? []).map((credential) => credential.name).sort();
		expect(types).toEqual(['eSignRelayApi', ...own].sort());
		// One credential: no Authentication field to fill in.
		const authentication = description.properties.filter((p) => p.name === 'authentication');
		for (const property of authentication) expect(property.type).toBe(adapter.credentials.length > 1 ? 'options' : 'hidden');
		expect(visible({}).authentication).toBeUndefined();
	});
});

test('each trigger shows the shared trigger notices that apply to its provider, in the shared order', () => {
	const notices = triggerProperties.filter((property) => property.type === 'notice');
	for (const { provider, node } of triggers) {
		const applying = notices.filter((notice) => {
			const providers = notice.displayOptions?.show?.provider as string[] | undefined;
			return providers === undefined || providers.includes(provider);
		});
		expect(node.description.properties.filter((property) => property.type === 'notice')).toEqual(applying);
	}
	// The parameters a user fills in come in the shared trigger's order.
	const order = (names: string[]) => names.filter((name) => ['mode', 'sources', 'eventTypes', 'documentId', 'attachSignedPdf', 'binaryPropertyName'].includes(name));
	expect(order(new SignNowTrigger().description.properties.map((p) => p.name))).toEqual(order(triggerProperties.map((p) => p.name)));
});

test("SignNow's event names are shown in SignNow's words", () => {
	const options = (new SignNowTrigger().description.properties.find((p) => p.name === 'eventTypes')!.options ?? []) as Array<{ name: string; value: string }>;
	expect(options.find((o) => o.value === 'document.completed')?.name).toBe('Document Completed (document.complete, user.document.complete)');
	const docuSign = (new DocuSignTrigger().description.properties.find((p) => p.name === 'eventTypes')!.options ?? []) as Array<{ name: string; value: string }>;
	expect(docuSign.find((o) => o.value === 'document.completed')?.name).toBe('Document Completed (envelope-completed)');
	// DocuSign sends no "expired" event: its trigger does not offer one.
	expect(docuSign.map((o) => o.value)).not.toContain('invite.expired');
});

/* ------------------------------------------------------------------------------------------ */
/* Activation                                                                                  */
/* ------------------------------------------------------------------------------------------ */

async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	await new Promise<void>((resolve) => server.close(() => resolve()));
	return port;
}

function relayCredentials(url: string) {
	const helper = new TestCredentialsHelper([new ESignRelayApi(), new SignNowApiKeyApi()]);
	const relay = helper.add('eSignRelayApi', { url, apiToken: TOKEN }, 'E-Signature Relay');
	return { helper, relay };
}

test('activating with the relay down fails with the URL and what to do', async () => {
	const url = `http://127.0.0.1:${await closedPort()}`;
	for (const { node, name } of [triggers[0], triggers[4]]) {
		const { helper, relay } = relayCredentials(url);
		const hooks = triggerHooks({ type: name, nodeType: node, parameters: {}, credentials: { eSignRelayApi: relay }, credentialsHelper: helper });
		const failure = await hooks.activate().then(() => undefined, (error: Error) => error);
		expect(failure?.message).toBe(
			`Could not reach the relay at ${url}: the connection was refused (nothing listens there). Start the relay, or fix the Relay URL in the "E-Signature Relay API" credential.`,
		);
		expect(hooks.staticData()).toEqual({});
	}
});

describe('via a real relay', () => {
	let prefix: string;
	let relay: Relay;

	beforeEach(async () => {
		prefix = uniquePrefix('provider-trigger');
		relay = await startRelay(prefix);
	});

	afterEach(async () => {
		await relay.stop();
		await cleanRedis(prefix);
	});

	async function subscriptions(): Promise<Array<Record<string, unknown>>> {
		const answer = await fetch(`${relay.url}/v1/subscriptions`, { headers: { authorization: `Bearer ${TOKEN}` } });
		const body = (await answer.json()) as { data?: Array<Record<string, unknown>> } | Array<Record<string, unknown>>;
		return Array.isArray(body) ? body : (body.data ?? []);
	}

	test("a provider's trigger subscribes its webhook URL to that provider's events only, and unsubscribes", async () => {
		const { helper, relay: credential } = relayCredentials(relay.url);
		const hooks = triggerHooks({
			type: 'docuSignTrigger',
			nodeType: new DocuSignTrigger(),
			parameters: { eventTypes: ['document.completed', 'invite.declined'] },
			credentials: { eSignRelayApi: credential },
			credentialsHelper: helper,
		});
		await hooks.activate();
		const [subscription] = await subscriptions();
		expect(subscription).toMatchObject({
			url: hooks.webhookUrl,
			providers: ['docusign'],
			eventTypes: ['document.completed', 'invite.declined'],
		});
		expect(hooks.staticData()).toMatchObject({ subscriptionId: subscription.id, secret: expect.stringMatching(/^whsec_/) });
		// Activating again (n8n restart) keeps the one subscription.
		await hooks.activate();
		expect(await subscriptions()).toHaveLength(1);
		await hooks.call('delete');
		expect(await subscriptions()).toEqual([]);
		expect(hooks.staticData()).toEqual({});
	});

	test('the legacy E-Signature Trigger still subscribes to every provider', async () => {
		const { helper, relay: credential } = relayCredentials(relay.url);
		const hooks = triggerHooks({
			type: 'eSignTrigger',
			nodeType: new ESignTrigger(),
			parameters: { mode: 'relay', eventTypes: ['document.completed'] },
			credentials: { eSignRelayApi: credential },
			credentialsHelper: helper,
		});
		await hooks.activate();
		const [subscription] = await subscriptions();
		expect(subscription).toMatchObject({ url: hooks.webhookUrl, providers: [], eventTypes: ['document.completed'] });
		await hooks.call('delete');
		expect(await subscriptions()).toEqual([]);
	});
});

describe('SignNow Trigger, direct mode (SignNow simulator)', () => {
	let sim: SignNowSimulator;

	beforeEach(async () => {
		sim = await startSignNowSimulator();
	});

	afterEach(async () => {
		await sim.close();
	});

	test('activation registers SignNow event subscriptions for the webhook URL; deactivation removes them', async () => {
		const helper = new TestCredentialsHelper([new ESignRelayApi(), new SignNowApiKeyApi()]);
		const credential = helper.add('signNowApiKeyApi', { environment: 'sandbox', baseUrl: sim.url, apiKey: sim.apiKey });
		const hooks = triggerHooks({
			type: 'signNowTrigger',
			nodeType: new SignNowTrigger(),
			parameters: { mode: 'direct', authentication: 'apiKey', eventTypes: ['document.completed'] },
			credentials: { signNowApiKeyApi: credential },
			credentialsHelper: helper,
		});
		await hooks.activate();
		const registered = [...sim.state.subscriptions.values()];
		expect(registered.map((s) => [s.event, s.attributes.callback])).toEqual([['user.document.complete', hooks.webhookUrl]]);
		expect(await hooks.call('checkExists')).toBe(true);
		await hooks.call('delete');
		expect(sim.state.subscriptions.size).toBe(0);
	});

	test('a pasted workflow naming another provider is refused, not run with the wrong provider', async () => {
		const helper = new TestCredentialsHelper([new ESignRelayApi(), new SignNowApiKeyApi()]);
		const credential = helper.add('signNowApiKeyApi', { environment: 'sandbox', baseUrl: sim.url, apiKey: sim.apiKey });
		const hooks = triggerHooks({
			type: 'signNowTrigger',
			nodeType: new SignNowTrigger(),
			parameters: { mode: 'direct', provider: 'docusign', authentication: 'apiKey' },
			credentials: { signNowApiKeyApi: credential },
			credentialsHelper: helper,
		});
		await expect(hooks.activate()).rejects.toThrow('This trigger listens to signnow, but its parameters name "docusign"');
		expect(sim.state.subscriptions.size).toBe(0);
	});
});
