import type { OperationDefinition } from '../types';
import * as bulkSend from './bulkSend.operation';
import * as remind from './remind.operation';
import * as send from './send.operation';
import * as sendFromTemplate from './sendFromTemplate.operation';

export const signatureRequestOperations: OperationDefinition[] = [
	{
		value: 'send',
		name: 'Send',
		action: 'Send a document for signature',
		description: 'Upload a PDF and invite its signers in one step',
		properties: send.description,
		execute: send.execute,
	},
	{
		value: 'sendFromTemplate',
		name: 'Send From Template',
		action: 'Send a document from a template',
		description: 'Create a document from a template, fill its roles and fields, and send it',
		properties: sendFromTemplate.description,
		execute: sendFromTemplate.execute,
	},
	{
		value: 'bulkSend',
		name: 'Bulk Send From Template',
		action: 'Bulk send a template',
		description: 'Send a template to every input item\'s signer in one request (one document each)',
		properties: bulkSend.description,
		batch: true,
		execute: bulkSend.execute,
	},
	{
		value: 'remind',
		name: 'Remind',
		action: 'Remind a signer',
		description: 'Email a signer who has not signed yet again',
		properties: remind.description,
		execute: remind.execute,
	},
];
