/**
 * The parts of the nodes' descriptions assembled from the provider registry: each provider contributes its
 * credentials, its Authentication choices and the operations it implements, so adding a provider
 * never touches this file. `providerProperties`/`providerCredentials` build one provider's own node
 * (SignNow, DocuSign…); `properties`/`credentials` build the hidden, provider-agnostic E-Signature
 * node that workflows made before the split still load.
 */
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { supports, type ProviderAdapter } from '../../providers/adapter';
import { providerAdapters } from '../../providers/adapters';
import { authenticationProperty } from './authentication';
import { capabilityOf } from './capability';
import { resources } from './resources';

const providerProperty: INodeProperties = {
	displayName: 'Provider',
	name: 'provider',
	type: 'options',
	noDataExpression: true,
	options: providerAdapters.map((adapter) => ({ name: adapter.displayName, value: adapter.provider })),
	default: 'signnow',
	description: 'The e-signature service to use',
};

const authenticationProperties: INodeProperties[] = providerAdapters.map((adapter) =>
	authenticationProperty(adapter, { provider: [adapter.provider] }),
);

/** One Resource list per provider: a resource none of whose operations it implements is not offered. */
const resourceProperties: INodeProperties[] = providerAdapters.map((adapter) => {
	const offered = resources.filter((resource) =>
		resource.operations.some((operation) => supports(adapter, resource.value, operation.value)),
	);
	const property: INodeProperties = {
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: offered.map(({ name, value }) => ({ name, value })),
		default: 'document',
		displayOptions: { show: { provider: [adapter.provider] } },
	};
	property.default = offered[0]?.value ?? 'document';
	return property;
});

/** One Operation list per provider and resource, offering only what the provider implements. */
const operationProperties: INodeProperties[] = providerAdapters.flatMap((adapter) =>
	resources
		.map((resource) => ({
			resource,
			operations: resource.operations.filter((operation) => supports(adapter, resource.value, operation.value)),
		}))
		.filter(({ operations }) => operations.length > 0)
		.map(({ resource, operations }) => ({
			displayName: 'Operation',
			name: 'operation',
			type: 'options' as const,
			noDataExpression: true,
			displayOptions: { show: { provider: [adapter.provider], resource: [resource.value] } },
			options: operations.map(({ value, name, action, description }) => ({ name, value, action, description })),
			default: operations[0].value,
		})),
);

export const credentials: INodeTypeDescription['credentials'] = providerAdapters.flatMap((adapter) =>
	adapter.credentials.map((option) => ({
		name: option.credentialType,
		required: true,
		displayOptions: { show: { provider: [adapter.provider], authentication: [option.value] } },
	})),
);

export const properties: INodeProperties[] = [
	providerProperty,
	...authenticationProperties,
	...resourceProperties,
	...operationProperties,
	...resources.flatMap((resource) => resource.operations.flatMap((operation) => operation.properties)),
];

/* ------------------------------------------------------------------------------------------ */
/* One provider's own node                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** The resources and operations `adapter` implements, in the order the dropdowns list them. */
function offeredResources(adapter: ProviderAdapter) {
	return resources
		.map((resource) => ({
			resource,
			operations: resource.operations.filter((operation) => supports(adapter, resource.value, operation.value)),
		}))
		.filter(({ operations }) => operations.length > 0);
}

/**
 * Whether a parameter applies to `adapter` by its `key` display condition (`provider` at the top
 * level, `/provider` inside a collection, naming the root parameter), and the condition without
 * that key, as a provider's own node has no Provider field.
 */
function narrow<T extends { displayOptions?: INodeProperties['displayOptions'] }>(
	property: T,
	adapter: ProviderAdapter,
	key: string,
): T | undefined {
	const show = property.displayOptions?.show;
	if (!show || !(key in show)) return property;
	// A parameter offered by capability asks the adapter; otherwise the condition's list decides.
	const capability = capabilityOf(property);
	const providers = show[key] as unknown[];
	if (capability ? !capability(adapter) : !providers.includes(adapter.provider)) return undefined;
	const rest = Object.fromEntries(Object.entries(show).filter(([name]) => name !== key));
	return { ...property, displayOptions: { ...property.displayOptions, show: rest } };
}

/** A collection's or fixed collection's values, narrowed to `adapter` (`/provider` conditions). */
function narrowOptions(property: INodeProperties, adapter: ProviderAdapter): INodeProperties {
	if (property.type !== 'collection' && property.type !== 'fixedCollection') return property;
	type Option = NonNullable<INodeProperties['options']>[number];
	const options = (property.options ?? []).flatMap((option): Option[] => {
		if ('values' in option && Array.isArray(option.values)) {
			const values = option.values.flatMap((value) => {
				const kept = narrow(value, adapter, '/provider');
				return kept ? [narrowOptions(kept, adapter)] : [];
			});
			return [{ ...option, values }];
		}
		if ('type' in option && 'name' in option) {
			const kept = narrow(option as INodeProperties, adapter, '/provider');
			return kept ? [narrowOptions(kept, adapter)] : [];
		}
		return [option];
	});
	return { ...property, options } as INodeProperties;
}

/**
 * An operation parameter as this provider's node shows it: parameters written for another
 * provider (their `provider` display condition names someone else) are dropped, and the
 * `provider` condition itself goes, as the node has no Provider field; the same for values of
 * collections (a `/provider` condition: anchor-text placement of fields).
 */
export function forProvider(property: INodeProperties, adapter: ProviderAdapter): INodeProperties | undefined {
	const kept = narrow(property, adapter, 'provider');
	return kept ? narrowOptions(kept, adapter) : undefined;
}

export function providerProperties(adapter: ProviderAdapter): INodeProperties[] {
	const offered = offeredResources(adapter);
	const properties: INodeProperties[] = [];
	// Each provider's first choice is its default (set after the literals).
	if (adapter.credentials.length > 1) properties.push(authenticationProperty(adapter));
	const resource: INodeProperties = {
		displayName: 'Resource',
		name: 'resource',
		type: 'options',
		noDataExpression: true,
		options: offered.map((entry) => ({ name: entry.resource.name, value: entry.resource.value })),
		default: '',
	};
	resource.default = offered[0]?.resource.value ?? 'document';
	properties.push(resource);
	for (const entry of offered) {
		const operation: INodeProperties = {
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			displayOptions: { show: { resource: [entry.resource.value] } },
			options: entry.operations.map(({ value, name, action, description }) => ({ name, value, action, description })),
			default: '',
		};
		operation.default = entry.operations[0].value;
		properties.push(operation);
	}
	// An operation file may share one parameter object between operations: list it once.
	const seen = new Set<INodeProperties>();
	for (const { operations } of offered) {
		for (const operation of operations) {
			for (const property of operation.properties) {
				if (seen.has(property)) continue;
				seen.add(property);
				const shown = forProvider(property, adapter);
				if (shown) properties.push(shown);
			}
		}
	}
	return properties;
}

/** Only this provider's credentials; with several, the Authentication field picks one. */
export function providerCredentials(adapter: ProviderAdapter): NonNullable<INodeTypeDescription['credentials']> {
	if (adapter.credentials.length === 1) {
		return [{ name: adapter.credentials[0].credentialType, required: true }];
	}
	return adapter.credentials.map((option) => ({
		name: option.credentialType,
		required: true,
		displayOptions: { show: { authentication: [option.value] } },
	}));
}
