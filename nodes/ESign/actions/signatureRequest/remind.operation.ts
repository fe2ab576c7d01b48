import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { assertEmail, documentIdProperty, requiredString, requireMethod } from '../common';
import { documentJson } from '../document/get.operation';
import type { OperationContext } from '../types';

export const description: INodeProperties[] = [
	documentIdProperty(
		'signatureRequest',
		['remind'],
		'The ID of the signature request (the Send operation outputs it as "ID")',
	),
	{
		displayName: 'Signer Email',
		name: 'signerEmail',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		required: true,
		description: 'The signer who has not signed yet and gets the invitation email again',
		displayOptions: { show: { resource: ['signatureRequest'], operation: ['remind'] } },
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const remind = requireMethod(this, adapter, adapter.signatureRequest?.remind, 'Signature Request → Remind', itemIndex);
	const documentId = requiredString(this, 'documentId', 'Document ID', itemIndex);
	const email = assertEmail(this, requiredString(this, 'signerEmail', 'Signer Email', itemIndex), 'signer email', itemIndex);
	const document = await remind(client, { documentId, email });
	return [{ json: { ...documentJson(adapter.provider, document), remindedEmail: email } }];
}
