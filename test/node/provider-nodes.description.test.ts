/**
 * One action node per provider, generated from its adapter: what n8n's panel and forms show for
 * each (names, icon, credentials, Authentication choices, resources, operations, codex) is
 * exactly that provider's, and the package registers all of them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { NodeHelpers, type INode, type INodeProperties } from 'n8n-workflow';

import { ESign } from '../../nodes/ESign/ESign.node';
import { supports, type ResourceName } from '../../nodes/providers/adapter';
import { providerAdapters } from '../../nodes/providers/adapters';
import { providerNodes } from '../helpers/provider-nodes';

const ROOT = join(__dirname, '../..');
const RESOURCES: ResourceName[] = ['document', 'invite', 'webhook', 'signatureRequest', 'template'];
/** Adapter methods the node uses inside another operation rather than offering as one. */
const NOT_OPERATIONS: Partial<Record<ResourceName, string[]>> = { document: ['auditCertificate'] };
const operationsOf = (adapter: (typeof providerAdapters)[number], r: ResourceName) =>
	Object.keys((adapter[r] ?? {}) as Record<string, unknown>).filter(
		(op) => supports(adapter, r, op) && !(NOT_OPERATIONS[r] ?? []).includes(op),
	);
const shown = (property: INodeProperties, key: string) => property.displayOptions?.show?.[key] as string[] | undefined;
const values = (property?: INodeProperties) => (property?.options ?? []).map((option) => (option as { value: string }).value);

function credentialClass(type: string): { displayName: string; documentationUrl?: string; icon?: unknown } {
	const files = readFileSync(join(ROOT, 'package.json'), 'utf8');
	const pkg = JSON.parse(files) as { n8n: { credentials: string[] } };
	for (const entry of pkg.n8n.credentials) {
		const source = join(ROOT, entry.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
		// eslint-disable-next-line @typescript-eslint/no-require-imports
		const module = require(source) as Record<string, new () => { name: string; displayName: string; documentationUrl?: string; icon?: unknown }>;
		for (const Class of Object.values(module)) {
			const instance = new Class();
			if (instance.name === type) return instance;
		}
	}
	throw new Error(`no credential class named ${type}`);
}

test('every adapter in the registry has its own node, and every node its adapter', () => {
	expect(providerNodes.map((entry) => entry.provider).sort()).toEqual(providerAdapters.map((adapter) => adapter.provider).sort());
});

describe.each(providerNodes)('$displayName node', ({ provider, displayName, name, className, node }) => {
	const adapter = providerAdapters.find((candidate) => candidate.provider === provider)!;
	const description = node.description;

	test('has the names, subtitle, icon and tool flag the panel shows', () => {
		expect(description).toMatchObject({
			displayName,
			name,
			subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
			usableAsTool: true,
			defaults: { name: displayName },
		});
		expect(description.hidden).toBeUndefined();
		expect(description.description).toContain(displayName);
		const icon = description.icon as { light: string; dark: string };
		expect(icon.light).not.toEqual(icon.dark);
		for (const file of [icon.light, icon.dark]) {
			const path = join(ROOT, 'nodes', className, file.replace(/^file:/, ''));
			expect(readFileSync(path, 'utf8')).toMatch(/^<svg /);
		}
	});

	test('offers exactly the resources and operations its adapter implements', () => {
		const resource = description.properties.find((p) => p.name === 'resource');
		const implementedResources = RESOURCES.filter((r) => operationsOf(adapter, r).length > 0);
		expect(values(resource).sort()).toEqual([...implementedResources].sort());
		for (const r of RESOURCES) {
			const operation = description.properties.find((p) => p.name === 'operation' && shown(p, 'resource')?.includes(r));
			const implemented = operationsOf(adapter, r);
			expect({ r, offered: values(operation).sort() }).toEqual({ r, offered: implemented.sort() });
		}
	});

	test('action texts are unique within the node and every operation has one', () => {
		const actions = description.properties
			.filter((p) => p.name === 'operation')
			.flatMap((p) => (p.options ?? []).map((option) => (option as { action?: string }).action));
		for (const action of actions) expect(action).toMatch(/\w/);
		expect(new Set(actions).size).toBe(actions.length);
	});

	test('has no Provider field, and parameters show only for their own resource and operation', () => {
		const global = new Set(['authentication', 'resource', 'operation']);
		for (const property of description.properties) {
			expect(property.name).not.toBe('provider');
			expect(shown(property, 'provider')).toBeUndefined();
			if (global.has(property.name)) continue;
			expect({ name: property.name, resource: shown(property, 'resource'), operation: shown(property, 'operation') }).toEqual({
				name: property.name,
				resource: expect.any(Array),
				operation: expect.any(Array),
			});
		}
	});

	test('lists only its own credentials, each named after the provider', () => {
		const types = (description.credentials ?? []).map((credential) => credential.name);
		expect(types.sort()).toEqual(adapter.credentials.map((option) => option.credentialType).sort());
		for (const type of types) {
			const credential = credentialClass(type);
			expect(credential.displayName.startsWith(displayName)).toBe(true);
			expect(credential.documentationUrl).toContain(`/docs/providers/${provider}.md`);
			expect(JSON.stringify(credential.icon)).not.toContain('esign.svg');
		}
	});

	test('needs an Authentication field only with several credentials, with unambiguous choices', () => {
		const authentication = description.properties.filter((p) => p.name === 'authentication');
		if (adapter.credentials.length === 1) {
			expect(authentication).toEqual([]);
			expect(description.credentials).toEqual([{ name: adapter.credentials[0].credentialType, required: true }]);
			return;
		}
		expect(authentication).toHaveLength(1);
		const names = (authentication[0].options ?? []).map((option) => option.name);
		expect(new Set(names).size).toBe(names.length);
		expect(names.length).toBe(adapter.credentials.length);
	});

	test('n8n activates exactly one credential type for each Authentication choice', () => {
		for (const option of adapter.credentials) {
			const parameters = NodeHelpers.getNodeParameters(
				description.properties,
				adapter.credentials.length > 1 ? { authentication: option.value } : {},
				true,
				false,
				null,
				description,
			);
			const nodeShape = { parameters, name: displayName, type: name, typeVersion: 1 } as unknown as INode;
			expect([...(NodeHelpers.getActiveCredentialTypes(nodeShape, description) ?? [])]).toEqual([option.credentialType]);
		}
	});

	test('its codex names the node type, the aliases people search for and its documentation page', () => {
		const codex = JSON.parse(readFileSync(join(ROOT, 'nodes', className, `${className}.node.json`), 'utf8')) as {
			node: string;
			categories: string[];
			alias: string[];
			resources: { primaryDocumentation: Array<{ url: string }> };
		};
		expect(codex.node).toBe(`n8n-nodes-esign.${name}`);
		expect(codex.categories.length).toBeGreaterThan(0);
		expect(codex.alias).toEqual(expect.arrayContaining(['e-signature', 'esign', 'signature', 'contract', 'PDF']));
		const url = codex.resources.primaryDocumentation[0].url;
		expect(url).toMatch(new RegExp(`/docs/providers/${provider}\\.md$`));
		expect(existsSync(join(ROOT, 'docs/providers', `${provider}.md`))).toBe(true);
	});
});

test('package.json registers every provider node; the legacy E-Signature node stays loadable but hidden', () => {
	const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	for (const { className } of providerNodes) {
		expect(pkg.n8n.nodes).toContain(`dist/nodes/${className}/${className}.node.js`);
	}
	expect(pkg.n8n.nodes).toContain('dist/nodes/ESign/ESign.node.js');
	expect(new ESign().description).toMatchObject({ name: 'eSign', hidden: true });
});
