import type { OperationDefinition } from '../types';
import * as remove from './delete.operation';
import * as list from './list.operation';
import * as register from './register.operation';

export const webhookOperations: OperationDefinition[] = [
	{
		value: 'register',
		name: 'Register',
		action: 'Register a webhook',
		description: 'Ask the provider to call a URL when signing events happen',
		properties: register.description,
		execute: register.execute,
	},
	{
		value: 'list',
		name: 'List',
		action: 'List webhooks',
		description: 'List the webhooks registered with the provider',
		properties: list.description,
		execute: list.execute,
	},
	{
		value: 'delete',
		name: 'Delete',
		action: 'Delete a webhook',
		description: 'Stop the provider calling a webhook URL',
		properties: remove.description,
		execute: remove.execute,
	},
];
