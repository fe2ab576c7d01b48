/**
 * The node's description is assembled from the provider registry: check that what the UI offers
 * is exactly what each adapter implements, and that the package registers what exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeProperties } from 'n8n-workflow';

import { ESign } from '../../nodes/ESign/ESign.node';
import { supports, type ResourceName } from '../../nodes/providers/adapter';
import { providerAdapters } from '../../nodes/providers/adapters';

const description = new ESign().description;
const shown = (property: INodeProperties, key: string) => property.displayOptions?.show?.[key] as string[] | undefined;
/** Adapter methods the node uses inside another operation (Download's audit certificate) rather than offering as one. */
const NOT_OPERATIONS: Partial<Record<ResourceName, string[]>> = { document: ['auditCertificate'] };

test('each provider offers exactly the operations its adapter implements', () => {
	for (const adapter of providerAdapters) {
		for (const resource of ['document', 'invite', 'webhook'] as ResourceName[]) {
			const property = description.properties.find(
				(p) => p.name === 'operation' && shown(p, 'provider')?.includes(adapter.provider) && shown(p, 'resource')?.includes(resource),
			);
			const offered = (property?.options ?? []).map((option) => (option as { value: string }).value).sort();
			const implemented = Object.keys(adapter[resource] as Record<string, unknown>).filter((operation) => supports(adapter, resource, operation) && !(NOT_OPERATIONS[resource] ?? []).includes(operation)).sort();
			expect({ provider: adapter.provider, resource, offered }).toEqual({ provider: adapter.provider, resource, offered: implemented });
		}
	}
});

test('each provider credential is offered under its Authentication choice', () => {
	for (const adapter of providerAdapters) {
		for (const option of adapter.credentials) {
			expect(description.credentials).toContainEqual({
				name: option.credentialType,
				required: true,
				displayOptions: { show: { provider: [adapter.provider], authentication: [option.value] } },
			});
		}
	}
});

test('operation parameters only show for their own resource and operation', () => {
	const global = new Set(['provider', 'authentication', 'resource', 'operation']);
	for (const property of description.properties.filter((p) => !global.has(p.name))) {
		expect({ name: property.name, resource: shown(property, 'resource'), operation: shown(property, 'operation') }).toEqual({
			name: property.name,
			resource: expect.any(Array),
			operation: expect.any(Array),
		});
	}
});

test('the node is usable as an AI tool and every option has an action label', () => {
	expect(description.usableAsTool).toBe(true);
	for (const property of description.properties.filter((p) => p.name === 'operation')) {
		for (const option of property.options ?? []) expect((option as { action?: string }).action).toMatch(/\w/);
	}
});

test('package.json registers the node and the SignNow credentials, and their sources exist', () => {
	const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
		dependencies?: Record<string, string>;
	};
	expect(pkg.n8n.nodes).toContain('dist/nodes/ESign/ESign.node.js');
	for (const name of ['SignNowOAuth2Api', 'SignNowApi', 'SignNowApiKeyApi']) {
		expect(pkg.n8n.credentials).toContain(`dist/credentials/${name}.credentials.js`);
	}
	for (const entry of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
		expect(existsSync(join(__dirname, '../..', entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
	}
	expect(Object.keys(pkg.dependencies ?? {})).toEqual([]);
});
