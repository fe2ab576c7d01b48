import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { DocumentDetails } from '../../../providers/adapter';
import { documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';

export const description: INodeProperties[] = [
	documentIdProperty('document', ['get']),
	{
		displayName: 'Include Provider Response',
		name: 'includeRaw',
		type: 'boolean',
		default: false,
		description: "Whether to add the provider's full answer under \"providerResponse\"",
		displayOptions: { show: { resource: ['document'], operation: ['get'] } },
	},
];

/** The provider-neutral summary every document operation outputs. */
export function documentJson(provider: string, document: DocumentDetails, includeRaw = false): IDataObject {
	const json: IDataObject = {
		provider,
		id: document.id,
		name: document.name,
		status: document.status,
		signed: document.status === 'completed',
		pageCount: document.pageCount,
		fieldCount: document.fieldCount,
		roles: document.roles as unknown as IDataObject[],
		invites: document.invites as unknown as IDataObject[],
		createdAt: document.createdAt,
		updatedAt: document.updatedAt,
	};
	if (includeRaw) json.providerResponse = document.raw as IDataObject;
	return json;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const get = requireMethod(this, adapter, adapter.document.get, 'Document → Get', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const includeRaw = this.getNodeParameter('includeRaw', itemIndex, false) as boolean;
	return [{ json: documentJson(adapter.provider, await get(client, documentId), includeRaw) }];
}
