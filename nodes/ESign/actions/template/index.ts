import type { OperationDefinition } from '../types';
import * as get from './get.operation';
import * as list from './list.operation';

export const templateOperations: OperationDefinition[] = [
	{
		value: 'list',
		name: 'List',
		action: 'List templates',
		description: 'List the templates of the account, with their roles and prefillable fields',
		properties: list.description,
		execute: list.execute,
	},
	{
		value: 'get',
		name: 'Get',
		action: 'Get a template',
		description: 'Get the roles and prefillable fields of one template',
		properties: get.description,
		execute: get.execute,
	},
];
