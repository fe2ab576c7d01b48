import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerTriggerDescription, providerTriggerMethods } from '../ESignTrigger/provider-trigger';
import { docuSealAdapter } from '../providers/docuseal/api';

const methods = providerTriggerMethods(docuSealAdapter);

/** Starts a workflow on DocuSeal's events, delivered by the relay (or registered directly where DocuSeal allows). */
export class DocuSealTrigger implements INodeType {
	description: INodeTypeDescription = {
		...providerTriggerDescription(docuSealAdapter),
		displayName: 'DocuSeal Trigger',
		name: 'docuSealTrigger',
		icon: { light: 'file:docuseal.svg', dark: 'file:docuseal.dark.svg' },
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		inputs: [],
	};

	webhookMethods = methods.webhookMethods;

	webhook = methods.webhook;
}
