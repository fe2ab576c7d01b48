import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerTriggerDescription, providerTriggerMethods } from '../ESignTrigger/provider-trigger';
import { documensoAdapter } from '../providers/documenso/api';

const methods = providerTriggerMethods(documensoAdapter);

/** Starts a workflow on Documenso's events, delivered by the relay (or registered directly where Documenso allows). */
export class DocumensoTrigger implements INodeType {
	description: INodeTypeDescription = {
		...providerTriggerDescription(documensoAdapter),
		displayName: 'Documenso Trigger',
		name: 'documensoTrigger',
		icon: { light: 'file:documenso.svg', dark: 'file:documenso.dark.svg' },
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		inputs: [],
	};

	webhookMethods = methods.webhookMethods;

	webhook = methods.webhook;
}
