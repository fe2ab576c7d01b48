import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { TemplateSummary } from '../../../providers/adapter';
import { requireMethod } from '../common';
import type { OperationContext } from '../types';

const show = { resource: ['template'], operation: ['list'] };

/** The most a Template → List reads, whatever Limit says (the adapters page through the list). */
export const MAX_TEMPLATES = 1000;

export const description: INodeProperties[] = [
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: MAX_TEMPLATES },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Search',
				name: 'search',
				type: 'string',
				default: '',
				placeholder: 'e.g. NDA',
				description: 'Only templates whose name contains this text',
			},
		],
	},
];

/** The provider-neutral summary both template operations output. */
export function templateJson(provider: string, template: TemplateSummary, includeRaw = false): IDataObject {
	const json: IDataObject = {
		provider,
		id: template.id,
		name: template.name,
		roles: template.roles,
		fields: template.fields,
		createdAt: template.createdAt,
		updatedAt: template.updatedAt,
	};
	if (includeRaw) json.providerResponse = template.raw as IDataObject;
	return json;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const list = requireMethod(this, adapter, adapter.template?.list, 'Template → List', itemIndex);
	const limit = Number(this.getNodeParameter('limit', itemIndex, 50));
	if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TEMPLATES) {
		throw new NodeOperationError(this.getNode(), `"Limit" must be a whole number from 1 to ${MAX_TEMPLATES}`, {
			itemIndex,
		});
	}
	const filters = this.getNodeParameter('filters', itemIndex, {}) as { search?: string };
	const search = String(filters.search ?? '').trim() || undefined;
	const templates = await list(client, { limit, search });
	return templates.slice(0, limit).map((template) => ({ json: templateJson(adapter.provider, template) }));
}
