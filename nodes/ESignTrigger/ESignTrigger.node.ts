import { NodeConnectionTypes, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { triggerCredentials, triggerProperties } from './description';
import { triggerWebhook, triggerWebhookMethods } from './trigger';

/**
 * The provider-agnostic trigger of the first releases. Each provider now has its own trigger
 * (SignNow Trigger, DocuSign Trigger…); this one stays loadable, hidden from the nodes panel, so
 * workflows built on it keep running.
 */
export class ESignTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'E-Signature Trigger',
		name: 'eSignTrigger',
		icon: { light: 'file:esignTrigger.svg', dark: 'file:esignTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		description:
			'Starts the workflow when a document is signed, viewed, declined… at your e-signature provider',
		defaults: { name: 'E-Signature Trigger' },
		hidden: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: triggerCredentials,
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'webhook',
			},
		],
		properties: triggerProperties,
	};

	webhookMethods = triggerWebhookMethods();

	webhook = triggerWebhook();
}
