import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerTriggerDescription, providerTriggerMethods } from '../ESignTrigger/provider-trigger';
import { dropboxSignAdapter } from '../providers/dropbox-sign/api';

const methods = providerTriggerMethods(dropboxSignAdapter);

/** Starts a workflow on Dropbox Sign's events, delivered by the relay (or registered directly where Dropbox Sign allows). */
export class DropboxSignTrigger implements INodeType {
	description: INodeTypeDescription = {
		...providerTriggerDescription(dropboxSignAdapter),
		displayName: 'Dropbox Sign Trigger',
		name: 'dropboxSignTrigger',
		icon: { light: 'file:dropboxsign.svg', dark: 'file:dropboxsign.dark.svg' },
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		inputs: [],
	};

	webhookMethods = methods.webhookMethods;

	webhook = methods.webhook;
}
