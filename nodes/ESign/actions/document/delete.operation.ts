import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';

export const description: INodeProperties[] = [documentIdProperty('document', ['delete'])];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const remove = requireMethod(this, adapter, adapter.document.delete, 'Document → Delete', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	await remove(client, documentId);
	return [{ json: { provider: adapter.provider, id: documentId, deleted: true } }];
}
