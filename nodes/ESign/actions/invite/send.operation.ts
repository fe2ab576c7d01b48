import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import type { SignerInput } from '../../../providers/adapter';
import { assertEmail, documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';
import { inviteOptionsProperty, readInviteOptions } from './options';

export const description: INodeProperties[] = [
	documentIdProperty('invite', ['send']),
	{
		displayName: 'Signers',
		name: 'signers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Signer',
		default: {},
		required: true,
		displayOptions: { show: { resource: ['invite'], operation: ['send'] } },
		options: [
			{
				displayName: 'Signer',
				name: 'signer',
				values: [
					{
						displayName: 'Email',
						name: 'email',
						type: 'string',
						placeholder: 'name@email.com',
						default: '',
					},
					{
						displayName: 'Role',
						name: 'role',
						type: 'string',
						default: 'Signer 1',
						description: 'The role name used when adding the fields',
					},
					{
						displayName: 'Signing Order',
						name: 'order',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: "Who signs first (1, 2, …); signers with the same number sign in parallel. 0 keeps the document's order.",
					},
				],
			},
		],
	},
	inviteOptionsProperty('send', true),
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const send = requireMethod(this, adapter, adapter.invite.send, 'Invite → Send', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const raw = (this.getNodeParameter('signers.signer', itemIndex, []) as Array<{
		email?: string;
		role?: string;
		order?: number;
	}>) ?? [];
	if (raw.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Add at least one signer', { itemIndex });
	}
	const signers: SignerInput[] = raw.map((signer, index) => {
		const role = String(signer.role ?? '').trim();
		if (role === '') throw new NodeOperationError(this.getNode(), `Signer ${index + 1}: the role is empty`, { itemIndex });
		return {
			email: assertEmail(this, String(signer.email ?? ''), `signer ${index + 1}`, itemIndex),
			role,
			order: signer.order && signer.order > 0 ? signer.order : undefined,
		};
	});
	const options = readInviteOptions(this.getNodeParameter('options', itemIndex, {}) as Record<string, unknown>);
	const result = await send(client, { documentId, signers, ...options });
	return [
		{
			json: {
				provider: adapter.provider,
				documentId,
				inviteId: result.inviteId,
				status: result.status,
				signers: signers.map((signer) => ({ ...signer })),
			},
		},
	];
}
