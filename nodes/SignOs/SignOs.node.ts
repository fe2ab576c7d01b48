import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../ESign/provider-node';
import { signOsAdapter } from '../providers/signos/api';

/** SignOS's own node: its credentials and the operations its adapter implements. */
export class SignOs implements INodeType {
	description: INodeTypeDescription = {
		...providerNodeDescription(signOsAdapter),
		displayName: 'SignOS',
		name: 'signOs',
		icon: { light: 'file:signos.svg', dark: 'file:signos.dark.svg' },
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		usableAsTool: true,
	};

	execute = providerNodeExecute(signOsAdapter);
}
