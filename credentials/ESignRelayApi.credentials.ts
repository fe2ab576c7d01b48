import type {
	IAuthenticateGeneric,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
} from 'n8n-workflow';

/**
 * The self-hosted e-signature relay (`esign-relay`): where it listens and the API token the
 * E-Signature Trigger uses to subscribe its own webhook URL to the relay's events: a subscriber
 * token (only this n8n's own subscriptions) or the relay's admin token.
 */
export class ESignRelayApi implements ICredentialType {
	name = 'eSignRelayApi';

	displayName = 'E-Signature Relay API';

	icon = {
		light: 'file:../nodes/ESignTrigger/relay.svg',
		dark: 'file:../nodes/ESignTrigger/relay.dark.svg',
	} as const;

	documentationUrl = 'https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/trigger.md';

	properties: INodeProperties[] = [
		{
			displayName: 'Relay URL',
			name: 'url',
			type: 'string',
			default: '',
			placeholder: 'https://relay.example.com',
			description:
				'Base URL of your relay (scheme, host and port, no path). n8n must reach it, and it must reach n8n.',
			required: true,
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"A subscriber token from 'esign-relay token create' (it can manage only the subscriptions it creates), or the relay's admin token (RELAY_API_TOKEN)",
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.apiToken}}',
			},
		},
	};

	// Listing subscriptions needs the token and touches nothing: a wrong URL or token fails here.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.url.replace(/\\/+$/, "")}}',
			url: '/v1/subscriptions',
			method: 'GET',
		},
	};
}
