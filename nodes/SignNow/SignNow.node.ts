import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../ESign/provider-node';
import { signNowAdapter } from '../providers/signnow/api';

/** SignNow's own node: its credentials and the operations its adapter implements. */
export class SignNow implements INodeType {
	description: INodeTypeDescription = {
		...providerNodeDescription(signNowAdapter),
		displayName: 'SignNow',
		name: 'signNow',
		icon: { light: 'file:signnow.svg', dark: 'file:signnow.dark.svg' },
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		usableAsTool: true,
	};

	execute = providerNodeExecute(signNowAdapter);
}
