import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerTriggerDescription, providerTriggerMethods } from '../ESignTrigger/provider-trigger';
import { docuSignAdapter } from '../providers/docusign/api';

const methods = providerTriggerMethods(docuSignAdapter);

/** Starts a workflow on DocuSign's events, delivered by the relay (or registered directly where DocuSign allows). */
export class DocuSignTrigger implements INodeType {
	description: INodeTypeDescription = {
		...providerTriggerDescription(docuSignAdapter),
		displayName: 'DocuSign Trigger',
		name: 'docuSignTrigger',
		icon: { light: 'file:docusign.svg', dark: 'file:docusign.dark.svg' },
		subtitle: '={{$parameter["mode"] === "direct" ? "Direct" : "Via relay"}}',
		inputs: [],
	};

	webhookMethods = methods.webhookMethods;

	webhook = methods.webhook;
}
