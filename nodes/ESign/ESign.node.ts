import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { credentials, properties } from './actions/description';
import { router } from './actions/router';

export class ESign implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'E-Signature',
		name: 'eSign',
		icon: { light: 'file:esign.svg', dark: 'file:esign.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Upload documents, place signature fields, invite signers and download signed PDFs',
		defaults: { name: 'E-Signature' },
		// Replaced by one node per provider (SignNow, DocuSign…); kept loadable so workflows built on
		// it still run, but no longer offered in the nodes panel.
		hidden: true,
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials,
		properties,
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
