import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../ESign/provider-node';
import { docuSealAdapter } from '../providers/docuseal/api';

/** DocuSeal's own node: its credentials and the operations its adapter implements. */
export class DocuSeal implements INodeType {
	description: INodeTypeDescription = {
		...providerNodeDescription(docuSealAdapter),
		displayName: 'DocuSeal',
		name: 'docuSeal',
		icon: { light: 'file:docuseal.svg', dark: 'file:docuseal.dark.svg' },
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		usableAsTool: true,
	};

	execute = providerNodeExecute(docuSealAdapter);
}
