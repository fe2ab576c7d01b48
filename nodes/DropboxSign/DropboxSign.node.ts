import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../ESign/provider-node';
import { dropboxSignAdapter } from '../providers/dropbox-sign/api';

/** Dropbox Sign's own node: its credentials and the operations its adapter implements. */
export class DropboxSign implements INodeType {
	description: INodeTypeDescription = {
		...providerNodeDescription(dropboxSignAdapter),
		displayName: 'Dropbox Sign',
		name: 'dropboxSign',
		icon: { light: 'file:dropboxsign.svg', dark: 'file:dropboxsign.dark.svg' },
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		usableAsTool: true,
	};

	execute = providerNodeExecute(dropboxSignAdapter);
}
