import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { requiredString, requireMethod } from '../common';
import type { OperationContext } from '../types';
import { templateJson } from './list.operation';

export const templateIdProperty = (resource: string, operations: string[]): INodeProperties => ({
	displayName: 'Template ID',
	name: 'templateId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. 5f2a9c…',
	description: 'The ID of the template in the provider (Template → List outputs it as "ID")',
	displayOptions: { show: { resource: [resource], operation: operations } },
});

export const description: INodeProperties[] = [
	templateIdProperty('template', ['get']),
	{
		displayName: 'Include Provider Response',
		name: 'includeRaw',
		type: 'boolean',
		default: false,
		description: "Whether to add the provider's full answer under \"providerResponse\"",
		displayOptions: { show: { resource: ['template'], operation: ['get'] } },
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const get = requireMethod(this, adapter, adapter.template?.get, 'Template → Get', itemIndex);
	const templateId = requiredString(this, 'templateId', 'Template ID', itemIndex);
	const includeRaw = this.getNodeParameter('includeRaw', itemIndex, false) as boolean;
	return [{ json: templateJson(adapter.provider, await get(client, templateId), includeRaw) }];
}
