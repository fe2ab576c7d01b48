import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { assertEmail, documentIdProperty, requiredString, requireMethod } from '../common';
import type { OperationContext } from '../types';
import { inviteOptionsProperty, readInviteOptions } from './options';

export const description: INodeProperties[] = [
	documentIdProperty('invite', ['sendFreeForm']),
	{
		displayName: 'Signer Email',
		name: 'to',
		type: 'string',
		placeholder: 'name@email.com',
		default: '',
		required: true,
		description: 'Who is asked to sign; they place their own signature anywhere on the document',
		displayOptions: { show: { resource: ['invite'], operation: ['sendFreeForm'] } },
	},
	inviteOptionsProperty('sendFreeForm', false),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const sendFreeForm = requireMethod(this, adapter, adapter.invite.sendFreeForm, 'Invite → Send Free Form', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const to = assertEmail(this, requiredString(this, 'to', 'Signer Email', itemIndex), 'signer email', itemIndex);
	const options = readInviteOptions(this.getNodeParameter('options', itemIndex, {}) as Record<string, unknown>);
	const result = await sendFreeForm(client, { documentId, to, ...options });
	return [
		{ json: { provider: adapter.provider, documentId, inviteId: result.inviteId, status: result.status, to } },
	];
}
