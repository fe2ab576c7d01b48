/** The provider credential and API client, from the hook and webhook contexts of the trigger. */
import {
	NodeOperationError,
	type IHookFunctions,
	type IWebhookFunctions,
} from 'n8n-workflow';

import type { ProviderClient } from '../providers/adapter';
import { createProviderClient } from '../ESign/transport';
import { triggerProvider, type TriggerProvider } from './providers';

export function selectedProvider(context: IHookFunctions | IWebhookFunctions): TriggerProvider {
	const name = String(context.getNodeParameter('provider', 'signnow'));
	const provider = triggerProvider(name);
	if (!provider) {
		throw new NodeOperationError(context.getNode(), `The provider "${name}" is not supported by this trigger`);
	}
	return provider;
}

export async function providerClient(
	context: IHookFunctions | IWebhookFunctions,
	provider: TriggerProvider,
): Promise<ProviderClient> {
	const authentication = String(
		context.getNodeParameter('authentication', provider.adapter.credentials[0].value),
	);
	const option = provider.adapter.credentials.find((credential) => credential.value === authentication);
	if (!option) {
		throw new NodeOperationError(context.getNode(), `Unknown authentication "${authentication}"`, {
			description: `Choose one of: ${provider.adapter.credentials.map((c) => c.value).join(', ')}`,
		});
	}
	return await createProviderClient(context, {
		adapter: provider.adapter,
		credentialType: option.credentialType,
		itemIndex: 0,
	});
}
