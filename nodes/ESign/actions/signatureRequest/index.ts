import type { OperationDefinition } from '../types';
import * as remind from './remind.operation';
import * as send from './send.operation';

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
		value: 'remind',
		name: 'Remind',
		action: 'Remind a signer',
		description: 'Email a signer who has not signed yet again',
		properties: remind.description,
		execute: remind.execute,
	},
];
