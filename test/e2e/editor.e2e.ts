/**
 * What a person sees in n8n's editor, in a real browser: Chromium driven by Playwright against
 * a real n8n 2.40.7 with the package installed as Settings → Community Nodes installs it (the
 * packed tarball, npm-installed into the user folder's .n8n/nodes). One n8n and one browser for
 * every check of this file.
 *
 * Screenshots of what each check looked at go to $E2E_SCREENSHOTS (docs/images refreshes the
 * ones docs/node.md shows), else to a temporary folder printed at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { packPackage } from './harness/community-package';
import { Editor, UI_TIMEOUT, type PanelItem } from './harness/editor';
import { installN8n, N8nProcess, type WorkflowRef } from './harness/n8n';
import { freePort } from './harness/util';

/** The contract of issue 11: one action node and one trigger per provider, found by the provider's name. */
const PROVIDERS = [
	{ name: 'SignNow', node: 'signNow' },
	{ name: 'DocuSign', node: 'docuSign' },
	{ name: 'Dropbox Sign', node: 'dropboxSign' },
	{ name: 'Documenso', node: 'documenso' },
	{ name: 'DocuSeal', node: 'docuSeal' },
	{ name: 'SignOS', node: 'signOs' },
] as const;

type Provider = (typeof PROVIDERS)[number];

/** The relay's credential, which every trigger may use beside its provider's own. */
const RELAY_CREDENTIAL = 'E-Signature Relay API';

/** Credential types are named after their provider ("SignNow OAuth2 API", "SignNow (Password Grant) API"…). */
function isProvidersCredential(provider: Provider, credentialType: string): boolean {
	return credentialType === provider.name || credentialType.startsWith(`${provider.name} `);
}

let n8n: N8nProcess;
let editor: Editor;
let workDir: string;
let shotsDir: string;

function typeOf(node: string): string {
	return `${n8n.nodeTypePrefix}${node}`;
}

function shot(name: string): string {
	return join(shotsDir, `${name}.png`);
}

/** A saved workflow with one Manual Trigger: "What happens next?" opens after it. Fresh per visit. */
async function manualWorkflow(): Promise<WorkflowRef> {
	return await n8n.createWorkflow({
		name: 'Action panel',
		nodes: [
			{
				id: randomUUID(),
				name: 'When clicking',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
		],
		connections: {},
	});
}

/**
 * One visit of the editor records what several checks assert (one n8n, one browser, one page
 * load per panel and provider: the checks share a 2-core machine). A step that fails stops the
 * visit; the checks that need what it would have seen fail with its error and a screenshot.
 */
interface Visit {
	/** The node entries the search found. */
	found?: PanelItem[];
	/** The entries of the provider's node once opened (its actions, or its triggers). */
	opened?: PanelItem[];
	/** The credential picker's choices of the first action / trigger added. */
	credentials?: Array<{ label: string; credentialType: string }>;
	error?: Error;
}

function seen<K extends keyof Visit>(visit: Visit, key: K): NonNullable<Visit[K]> {
	if (visit[key] === undefined) throw visit.error ?? new Error(`the visit recorded no ${String(key)}`);
	return visit[key] as NonNullable<Visit[K]>;
}

async function visit(
	name: string,
	steps: (record: Visit) => Promise<void>,
): Promise<Visit> {
	const record: Visit = {};
	try {
		await steps(record);
	} catch (error) {
		record.error = error as Error;
		await editor.shootPage(shot(`failed-${name}`));
		record.error.message += `\n(screenshot: ${shot(`failed-${name}`)})`;
	}
	return record;
}

const visits = new Map<string, Promise<Visit>>();

/** What happens next? → search the provider → open its node → add its first action → credential picker. */
function actionPanel(provider: Provider): Promise<Visit> {
	const key = `actions-${provider.node}`;
	if (!visits.has(key)) {
		visits.set(
			key,
			visit(key, async (record) => {
				await editor.openActionPanel((await manualWorkflow()).id);
				record.found = await editor.search(provider.name);
				await editor.openNode(provider.name);
				await editor.expandSections();
				record.opened = await editor.listed('action');
				await editor.shoot(editor.page.getByTestId('node-creator'), shot(`node-panel-${provider.node}`));
				await editor.addAction(record.opened[0].name);
				record.credentials = await editor.credentialChoices(
					provider.node === 'signNow' ? shot('credential-picker-signnow') : undefined,
				);
			}),
		);
	}
	return visits.get(key)!;
}

/** What triggers this workflow? → search the provider → open its entry → add its trigger → credential picker. */
function triggerPanel(provider: Provider): Promise<Visit> {
	const key = `triggers-${provider.node}`;
	if (!visits.has(key)) {
		visits.set(
			key,
			visit(key, async (record) => {
				await editor.openTriggerPanel();
				record.found = await editor.search(provider.name);
				record.opened = await editor.openNode(provider.name);
				await editor.shoot(editor.page.getByTestId('node-creator'), shot(`node-panel-${provider.node}-trigger`));
				await editor.addAction(record.opened[0].name);
				record.credentials = await editor.credentialChoices();
			}),
		);
	}
	return visits.get(key)!;
}

function repeated(names: string[]): string[] {
	return names.filter((name, index) => names.indexOf(name) !== index);
}

beforeAll(async () => {
	const installDir = installN8n();
	workDir = mkdtempSync(join(tmpdir(), 'esign-e2e-editor-'));
	shotsDir = resolve(process.env.E2E_SCREENSHOTS ?? join(workDir, 'screenshots'));
	mkdirSync(shotsDir, { recursive: true });
	const tarball = packPackage(workDir);
	try {
		n8n = await N8nProcess.start({ installDir, communityPackage: tarball });
	} finally {
		// Installed (or failed): only the screenshots stay in the work folder.
		rmSync(tarball, { force: true });
	}
	await n8n.setupOwner();
	editor = await Editor.launch(n8n.baseUrl);
	await editor.signIn();
}, 15 * 60_000);

afterAll(async () => {
	await editor?.close();
	await n8n?.dispose();
	if (workDir) {
		if (!process.env.E2E_SCREENSHOTS) console.log(`editor screenshots: ${shotsDir}`);
		else rmSync(workDir, { recursive: true, force: true });
	}
}, 5 * 60_000);

describe('the node panel finds each provider by its name', () => {
	test.each(PROVIDERS)('searching "$name" finds the $name node and its trigger', async (provider) => {
		const triggers = await triggerPanel(provider);
		expect(seen(triggers, 'found').filter((item) => item.name === provider.name).map((item) => item.nodeType)).toEqual([
			typeOf(provider.node),
		]);
		const opened = seen(triggers, 'opened');
		expect(opened.length).toBeGreaterThan(0);
		expect([...new Set(opened.map((trigger) => trigger.nodeType))]).toEqual([typeOf(`${provider.node}Trigger`)]);

		const actions = await actionPanel(provider);
		expect(seen(actions, 'found').filter((item) => item.name === provider.name).map((item) => item.nodeType)).toEqual([
			typeOf(provider.node),
		]);
	});

	// n8n merges a node and its trigger into one entry and may show the trigger's description on
	// it (issue 11: "Starts the workflow when a document is signed…" on the action node). After a
	// trigger, where one looks for actions, the entry must not read as the trigger alone.
	test.each(PROVIDERS)('the $name entry of the action panel describes the node, not only its trigger', async (provider) => {
		const [entry] = seen(await actionPanel(provider), 'found').filter((item) => item.name === provider.name);
		expect(entry).toBeDefined();
		expect(entry.description).toContain(provider.name);
		expect(entry.description).not.toMatch(/^starts the workflow/i);
	});
});

describe("each node's actions are its own and named once", () => {
	test.each(PROVIDERS)('the $name node lists each action once, all of them its own', async (provider) => {
		const actions = seen(await actionPanel(provider), 'opened');
		expect(actions.length).toBeGreaterThan(0);
		const names = actions.map((action) => action.name);
		expect(names.filter((name) => name.length === 0)).toEqual([]);
		expect(repeated(names)).toEqual([]);
		expect([...new Set(actions.map((action) => action.nodeType))]).toEqual([typeOf(provider.node)]);
	});
});

describe("each node's credential picker offers only its provider's credentials", () => {
	test.each(PROVIDERS)('the $name node offers only $name credentials, each named once', async (provider) => {
		const choices = seen(await actionPanel(provider), 'credentials');
		expect(choices.length).toBeGreaterThan(0);
		expect(repeated(choices.map((choice) => choice.label))).toEqual([]);
		expect(choices.filter((choice) => !isProvidersCredential(provider, choice.credentialType))).toEqual([]);
	});

	test.each(PROVIDERS)('the $name Trigger offers only the relay and $name credentials', async (provider) => {
		const choices = seen(await triggerPanel(provider), 'credentials');
		expect(choices.length).toBeGreaterThan(0);
		expect(repeated(choices.map((choice) => choice.label))).toEqual([]);
		expect(
			choices.filter(
				(choice) => choice.credentialType !== RELAY_CREDENTIAL && !isProvidersCredential(provider, choice.credentialType),
			),
		).toEqual([]);
	});
});

describe('activating a trigger with the relay down', () => {
	test('says which relay URL could not be reached and what to fix', async () => {
		// Nothing listens there: the relay is down (connection refused).
		const relayUrl = `http://127.0.0.1:${await freePort()}`;
		const credential = await n8n.createCredential('E-Signature Relay', 'eSignRelayApi', {
			url: relayUrl,
			apiToken: randomBytes(24).toString('hex'),
		});
		const workflow = await n8n.createWorkflow({
			name: 'SignNow via a relay that is down',
			nodes: [
				{
					id: 'b0c8a3a6-2f55-4d0e-9a51-6a8f1f6f0002',
					name: 'SignNow Trigger',
					type: typeOf('signNowTrigger'),
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
					credentials: { eSignRelayApi: { id: credential.id, name: credential.name } },
				},
			],
			connections: {},
		});
		const page = await editor.freshPage();
		await page.goto(`${n8n.baseUrl}/workflow/${workflow.id}`);
		await page.getByTestId('canvas-node').first().waitFor();
		await page.getByTestId('workflow-open-publish-modal-button').click();
		await page.getByTestId('workflow-publish-button').click();
		const toast = page.getByRole('alert').filter({ hasText: /could not be activated/i });
		await toast.waitFor({ timeout: UI_TIMEOUT });
		await toast.screenshot({ path: shot('relay-down-error') });
		const text = (await toast.innerText()).replace(/\s+/g, ' ');
		// The URL that failed, and the place to fix it (the relay credential's Relay URL).
		expect(text).toContain(relayUrl);
		expect(text).toMatch(/Relay URL/);
		expect(text).toMatch(/start the relay/i);
	});
});
