/**
 * Get Signing Link: an embedded-signing URL for one signer. Whoever holds it signs as that
 * signer, so the output says so in itself (`secret: true`, `note`), for anyone reading an
 * execution log or wiring the link into an email.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { assertEmail, documentIdProperty, requiredString, requireMethod } from '../common';
import type { OperationContext } from '../types';

const show = { resource: ['invite'], operation: ['signingLink'] };

export const description: INodeProperties[] = [
	documentIdProperty('invite', ['signingLink'], 'The ID of the sent document (or envelope / signature request)'),
	{
		displayName: 'Signer Email',
		name: 'signerEmail',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'name@email.com',
		description: 'The signer the link is for: one of the document\'s recipients',
		displayOptions: { show },
	},
	{
		displayName:
			'Anyone with the link can sign as this signer. Send it only to them, and keep it out of logs and shared channels.',
		name: 'signingLinkNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Return URL',
				name: 'returnUrl',
				type: 'string',
				default: '',
				placeholder: 'https://example.com/thank-you',
				description: 'Where the provider sends the signer after signing, where it takes one',
			},
		],
	},
];

export function signingLinkNote(email: string): string {
	return `Secret: anyone with this link can sign as ${email}. Send it only to them; do not log or share it.`;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const signingLink = requireMethod(this, adapter, adapter.invite.signingLink, 'Invite → Get Signing Link', itemIndex);
	const documentId = requiredString(this, 'documentId', 'Document ID', itemIndex);
	const email = assertEmail(this, requiredString(this, 'signerEmail', 'Signer Email', itemIndex), 'signer email', itemIndex);
	const options = this.getNodeParameter('options', itemIndex, {}) as { returnUrl?: string };
	const returnUrl = String(options.returnUrl ?? '').trim() || undefined;
	const link = await signingLink(client, { documentId, email, returnUrl });
	return [
		{
			json: {
				provider: adapter.provider,
				documentId: link.documentId,
				email: link.email,
				signingLink: link.url,
				expiresAt: link.expiresAt,
				secret: true,
				note: signingLinkNote(link.email),
			},
		},
	];
}
