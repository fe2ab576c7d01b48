import type { OperationDefinition } from '../types';
import * as cancel from './cancel.operation';
import * as send from './send.operation';
import * as sendFreeForm from './sendFreeForm.operation';
import * as signingLink from './signingLink.operation';

export const inviteOperations: OperationDefinition[] = [
	{
		value: 'send',
		name: 'Send',
		action: 'Send an invite to sign',
		description: 'Invite signers by role to fill the fields placed on the document',
		properties: send.description,
		execute: send.execute,
	},
	{
		value: 'sendFreeForm',
		name: 'Send Free Form',
		action: 'Send a free form invite',
		description: 'Invite one person to sign a document that has no fields',
		properties: sendFreeForm.description,
		execute: sendFreeForm.execute,
	},
	{
		value: 'cancel',
		name: 'Cancel',
		action: 'Cancel an invite',
		description: 'Cancel the pending invites of a document',
		properties: cancel.description,
		execute: cancel.execute,
	},
	{
		value: 'signingLink',
		name: 'Get Signing Link',
		action: 'Get a signing link',
		description: 'Get an embedded signing link for one signer (a secret: whoever holds it can sign)',
		properties: signingLink.description,
		execute: signingLink.execute,
	},
];
