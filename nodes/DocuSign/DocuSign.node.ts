import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../ESign/provider-node';
import { docuSignAdapter } from '../providers/docusign/api';

/** DocuSign's own node: its credentials and the operations its adapter implements. */
export class DocuSign implements INodeType {
	description: INodeTypeDescription = {
		...providerNodeDescription(docuSignAdapter),
		displayName: 'DocuSign',
		name: 'docuSign',
		icon: { light: 'file:docusign.svg', dark: 'file:docusign.dark.svg' },
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		usableAsTool: true,
	};

	execute = providerNodeExecute(docuSignAdapter);
}
