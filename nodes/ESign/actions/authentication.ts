import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import type { ProviderAdapter } from '../../providers/adapter';

/**
 * A provider's Authentication choice (one option per credential it accepts), shared by the
 * provider nodes, the provider triggers and the hidden legacy nodes, so the choice reads the
 * same everywhere. The default is set after the literal: the provider's first credential.
 */
export function authenticationProperty(adapter: ProviderAdapter, show?: IDisplayOptions['show']): INodeProperties {
	const property: INodeProperties = {
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: adapter.credentials.map((option) => ({ name: option.displayName, value: option.value })),
		default: '',
	};
	if (show) property.displayOptions = { show };
	property.default = adapter.credentials[0].value;
	return property;
}
