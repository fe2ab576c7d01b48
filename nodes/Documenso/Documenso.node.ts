import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../ESign/provider-node';
import { documensoAdapter } from '../providers/documenso/api';

/** Documenso's own node: its credentials and the operations its adapter implements. */
export class Documenso implements INodeType {
	description: INodeTypeDescription = {
		...providerNodeDescription(documensoAdapter),
		displayName: 'Documenso',
		name: 'documenso',
		icon: { light: 'file:documenso.svg', dark: 'file:documenso.dark.svg' },
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		usableAsTool: true,
	};

	execute = providerNodeExecute(documensoAdapter);
}
