/**
 * Issue 14's node-side additions as n8n's forms show them: Template operations, Send From
 * Template, Bulk Send and Get Signing Link only on the nodes whose adapters implement them;
 * anchor-text placement and the audit certificate only where the adapter declares them; no
 * `/provider` condition left in a provider's own node; the legacy node still loads.
 */
import type { INodeProperties } from 'n8n-workflow';

import { ESign } from '../../nodes/ESign/ESign.node';
import { forProvider } from '../../nodes/ESign/actions/description';
import { anchorTextProviders } from '../../nodes/ESign/actions/document/anchor-fields';
import { supports } from '../../nodes/providers/adapter';
import { providerAdapters } from '../../nodes/providers/adapters';
import { signNowAdapter } from '../../nodes/providers/signnow/api';
import { providerNodes } from '../helpers/provider-nodes';

const shown = (property: INodeProperties, key: string) => property.displayOptions?.show?.[key] as string[] | undefined;

/** Every parameter and nested collection value, with the collection it sits in. */
function walk(properties: readonly INodeProperties[], parent?: string): Array<{ property: INodeProperties; parent?: string }> {
	return properties.flatMap((property) => {
		const nested = (property.options ?? []).flatMap((option) => {
			if ('values' in option && Array.isArray(option.values)) return walk(option.values, property.name);
			if ('type' in option && 'displayName' in option) return walk([option as INodeProperties], property.name);
			return [];
		});
		return [{ property, parent }, ...nested];
	});
}

function operationOptions(properties: INodeProperties[], resource: string): string[] {
	const operation = properties.find((p) => p.name === 'operation' && shown(p, 'resource')?.includes(resource));
	return (operation?.options ?? []).map((option) => (option as { value: string }).value);
}

const NEW_OPERATIONS = [
	['template', 'list'],
	['template', 'get'],
	['signatureRequest', 'sendFromTemplate'],
	['signatureRequest', 'bulkSend'],
	['invite', 'signingLink'],
] as const;

describe.each(providerNodes)('$displayName node', ({ provider, node }) => {
	const adapter = providerAdapters.find((candidate) => candidate.provider === provider)!;
	const properties = node.description.properties;
	const all = walk(properties);

	test.each(NEW_OPERATIONS)('%s → %s is offered exactly when the adapter implements it', (resource, operation) => {
		expect(operationOptions(properties, resource).includes(operation)).toBe(supports(adapter, resource, operation));
	});

	test('no parameter, at any depth, keeps a provider condition', () => {
		for (const { property } of all) {
			expect({ name: property.name, provider: shown(property, '/provider') ?? shown(property, 'provider') }).toEqual({
				name: property.name,
				provider: undefined,
			});
		}
	});

	test('anchor-text placement shows in both Fields collections exactly when the adapter declares it', () => {
		const anchored = adapter.fieldPlacement?.anchorText === true;
		for (const collection of ['fields', 'signatureFields']) {
			if (!properties.some((p) => p.name === collection)) continue;
			const names = all.filter((entry) => entry.parent === collection).map((entry) => entry.property.name);
			expect(names).toEqual(expect.arrayContaining(['role', 'type', 'width', 'height']));
			for (const name of ['placement', 'anchorText', 'anchorOffsetX', 'anchorOffsetY']) {
				expect({ collection, name, shown: names.includes(name) }).toEqual({ collection, name, shown: anchored });
			}
		}
	});

	test('Download offers the audit certificate exactly when the adapter has one, and always the wait', () => {
		if (!supports(adapter, 'document', 'download')) return;
		const download = properties.find((p) => p.name === 'options' && shown(p, 'operation')?.includes('download'))!;
		const names = (download.options ?? []).map((option) => (option as INodeProperties).name);
		expect(names).toContain('waitForFileSeconds');
		expect(names.includes('includeAuditCertificate')).toBe(supports(adapter, 'document', 'auditCertificate'));
	});
});

test('the registry lists as anchor-text providers exactly the adapters that declare it', () => {
	expect(anchorTextProviders.sort()).toEqual(
		providerAdapters.filter((adapter) => adapter.fieldPlacement?.anchorText === true).map((adapter) => adapter.provider).sort(),
	);
});

test('forProvider keeps a collection value for the providers its /provider condition names, and drops the condition', () => {
	const property: INodeProperties = {
		displayName: 'Fields',
		name: 'fields',
		type: 'fixedCollection',
		default: {},
		displayOptions: { show: { resource: ['document'] } },
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{ displayName: 'Kept', name: 'kept', type: 'string', default: '' },
					{ displayName: 'Anchor', name: 'anchor', type: 'string', default: '', displayOptions: { show: { '/provider': ['signnow'], placement: ['anchorText'] } } },
					{ displayName: 'Other', name: 'other', type: 'string', default: '', displayOptions: { show: { '/provider': ['docusign'] } } },
				],
			},
		],
	};
	const narrowed = forProvider(property, signNowAdapter)!;
	const values = (narrowed.options![0] as { values: INodeProperties[] }).values;
	expect(values.map((value) => value.name)).toEqual(['kept', 'anchor']);
	expect(values[1].displayOptions).toEqual({ show: { placement: ['anchorText'] } });
	expect(forProvider({ ...property, displayOptions: { show: { provider: ['docusign'] } } }, signNowAdapter)).toBeUndefined();
});

describe('the hidden legacy E-Signature node', () => {
	const properties = new ESign().description.properties;

	test('loads, with the new operations in each provider\'s Operation lists where implemented', () => {
		for (const adapter of providerAdapters) {
			for (const [resource, operation] of NEW_OPERATIONS) {
				const list = properties.find(
					(p) => p.name === 'operation' && shown(p, 'provider')?.includes(adapter.provider) && shown(p, 'resource')?.includes(resource),
				);
				const offered = (list?.options ?? []).some((option) => (option as { value: string }).value === operation);
				expect({ provider: adapter.provider, operation, offered }).toEqual({
					provider: adapter.provider,
					operation,
					offered: supports(adapter, resource, operation),
				});
			}
		}
	});

	test('shows anchor-text placement by its Provider field (a root /provider condition)', () => {
		const placement = walk(properties).filter((entry) => entry.property.name === 'placement');
		expect(placement.length).toBe(2);
		for (const { property } of placement) expect(shown(property, '/provider')).toEqual(anchorTextProviders);
	});
});
