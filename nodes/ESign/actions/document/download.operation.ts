import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';

const show = { resource: ['document'], operation: ['download'] };

export const description: INodeProperties[] = [
	documentIdProperty('document', ['download']),
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the output binary field to put the signed PDF in',
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
				displayName: 'Download Anyway',
				name: 'downloadAnyway',
				type: 'boolean',
				default: false,
				description: 'Whether to download the document even if not everyone has signed it yet',
			},
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'signed-contract.pdf',
				description: "Name of the output file. Defaults to the document's name.",
			},
			{
				displayName: 'Include Audit Trail',
				name: 'withHistory',
				type: 'boolean',
				default: false,
				description: "Whether to append the provider's signing history to the PDF",
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const download = requireMethod(this, adapter, adapter.document.download, 'Document → Download', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const property = String(this.getNodeParameter('binaryPropertyName', itemIndex)).trim();
	const options = this.getNodeParameter('options', itemIndex, {}) as {
		downloadAnyway?: boolean;
		fileName?: string;
		withHistory?: boolean;
	};
	let status: string | undefined;
	if (adapter.document.get) {
		status = (await adapter.document.get(client, documentId)).status;
		if (status !== 'completed' && options.downloadAnyway !== true) {
			throw new NodeOperationError(this.getNode(), `Document ${documentId} is not signed yet (status: ${status})`, {
				itemIndex,
				description:
					'Wait until every signer has signed (e.g. start this step from the provider’s trigger on "Document Completed"), or turn on "Download Anyway" to get the current version.',
			});
		}
	}
	const file = await download(client, { documentId, withHistory: options.withHistory === true });
	const fileName = options.fileName?.trim() || file.fileName;
	const binary = await this.helpers.prepareBinaryData(file.data, fileName, file.mimeType);
	return [
		{
			json: {
				provider: adapter.provider,
				id: documentId,
				status,
				fileName,
				mimeType: file.mimeType,
				fileSize: file.data.length,
				withHistory: options.withHistory === true,
			},
			binary: { [property]: binary },
		},
	];
}
