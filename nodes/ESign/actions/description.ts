/**
 * The parts of the node's description assembled from the provider registry: each provider contributes its
 * credentials, its Authentication choices and the operations it implements, so adding a provider
 * never touches this file.
 */
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { supports } from '../../providers/adapter';
import { providerAdapters } from '../../providers/adapters';
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

const authenticationProperties: INodeProperties[] = providerAdapters.map((adapter) => {
	const property: INodeProperties = {
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: adapter.credentials.map((option) => ({ name: option.displayName, value: option.value })),
		default: '',
		displayOptions: { show: { provider: [adapter.provider] } },
	};
	// Each provider's first credential is its default.
	property.default = adapter.credentials[0].value;
	return property;
});

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
