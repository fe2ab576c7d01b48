import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerTriggerDescription, providerTriggerMethods } from '../ESignTrigger/provider-trigger';
import { signOsAdapter } from '../providers/signos/api';

const methods = providerTriggerMethods(signOsAdapter);

/** Starts a workflow on SignOS's events, delivered by the relay (or registered directly where SignOS allows). */
export class SignOsTrigger implements INodeType {
	description: INodeTypeDescription = {
		...providerTriggerDescription(signOsAdapter),
		displayName: 'SignOS Trigger',
		name: 'signOsTrigger',
		icon: { light: 'file:signos.svg', dark: 'file:signos.dark.svg' },
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		inputs: [],
	};

	webhookMethods = methods.webhookMethods;

	webhook = methods.webhook;
}
