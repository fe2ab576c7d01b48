import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerTriggerDescription, providerTriggerMethods } from '../ESignTrigger/provider-trigger';
import { signNowAdapter } from '../providers/signnow/api';

const methods = providerTriggerMethods(signNowAdapter);

/** Starts a workflow on SignNow's events, delivered by the relay (or registered directly where SignNow allows). */
export class SignNowTrigger implements INodeType {
	description: INodeTypeDescription = {
		...providerTriggerDescription(signNowAdapter),
		displayName: 'SignNow Trigger',
		name: 'signNowTrigger',
		icon: { light: 'file:signnow.svg', dark: 'file:signnow.dark.svg' },
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		inputs: [],
	};

	webhookMethods = methods.webhookMethods;

	webhook = methods.webhook;
}
