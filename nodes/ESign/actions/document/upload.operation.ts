import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { OperationContext } from '../types';
import { requireMethod } from '../common';

const show = { resource: ['document'], operation: ['upload'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the input binary field containing the PDF to upload',
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
				displayName: 'Extract Fields From Text Tags',
				name: 'extractFieldsFromTags',
				type: 'boolean',
				default: false,
				description:
					'Whether to turn text tags written in the PDF (e.g. {{t:s;r:y;o:"Signer 1";}}) into fillable fields',
			},
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'contract.pdf',
				description: 'Name of the document in the provider. Defaults to the binary file name.',
			},
		],
	},
];

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const upload = requireMethod(this, adapter, adapter.document.upload, 'Document → Upload', itemIndex);
	const property = this.getNodeParameter('binaryPropertyName', itemIndex) as string;
	const options = this.getNodeParameter('options', itemIndex, {}) as {
		extractFieldsFromTags?: boolean;
		fileName?: string;
	};
	const binary = this.helpers.assertBinaryData(itemIndex, property);
	const data = await this.helpers.getBinaryDataBuffer(itemIndex, property);
	const fileName = options.fileName?.trim() || binary.fileName || 'document.pdf';
	const document = await upload(client, {
		file: { data, fileName, mimeType: binary.mimeType || 'application/pdf' },
		extractFieldsFromTags: options.extractFieldsFromTags === true,
	});
	return [
		{
			json: { provider: adapter.provider, id: document.id, name: document.name ?? fileName, fileName, fileSize: data.length },
		},
	];
}
