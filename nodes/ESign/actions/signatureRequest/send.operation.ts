import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import type { SignatureRequestSigner } from '../../../providers/adapter';
import { assertEmail, requireMethod } from '../common';
import { FIELD_PLACEMENT_HINT, toFieldInput, type FieldParameter } from '../document/addFields.operation';
import { withAnchorValues } from '../document/anchor-fields';
import { documentJson } from '../document/get.operation';
import type { OperationContext } from '../types';
import { embeddedSigningProperty } from './embeddedSigning';

const show = { resource: ['signatureRequest'], operation: ['send'] };

export const description: INodeProperties[] = [
	{
		displayName: 'Input Binary Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the input binary field containing the PDF to send',
		displayOptions: { show },
	},
	{
		displayName: 'Signers',
		name: 'requestSigners',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Signer',
		default: {},
		required: true,
		displayOptions: { show },
		options: [
			{
				displayName: 'Signer',
				name: 'signer',
				values: [
					{
						displayName: 'Email',
						name: 'email',
						type: 'string',
						placeholder: 'name@email.com',
						default: '',
					},
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						description: 'Shown in the invitation email and the audit trail',
					},
					{
						displayName: 'Role',
						name: 'role',
						type: 'string',
						default: '',
						placeholder: 'e.g. Tenant',
						description: 'Names the signer for the fields (and the PDF\'s text tags). Defaults to "Signer 1", "Signer 2"… in list order.',
					},
					{
						displayName: 'Signing Order',
						name: 'order',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: 'Who signs first (1, 2, …); signers with the same number sign in parallel. 0 lets everyone sign at once.',
					},
				],
			},
		],
	},
	{
		displayName: 'Fields',
		name: 'signatureFields',
		hint: FIELD_PLACEMENT_HINT,
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		description: 'Where each signer signs. Leave empty to use text tags in the PDF, or (Dropbox Sign, DocuSign) to let the signers place their signature.',
		displayOptions: { show },
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: withAnchorValues([
					{ displayName: 'Height', name: 'height', type: 'number', default: 40 },
					{ displayName: 'Label', name: 'label', type: 'string', default: '', description: 'Text shown to the signer on the field' },
					{ displayName: 'Page', name: 'page', type: 'number', default: 1, description: 'Page number, counting from 1' },
					{
						displayName: 'Required',
						name: 'required',
						type: 'boolean',
						default: true,
						description: 'Whether the signer must fill the field before finishing',
					},
					{
						displayName: 'Signer',
						name: 'role',
						type: 'string',
						default: 'Signer 1',
						description: 'The role or email address of the signer who fills the field',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: [
							{ name: 'Checkbox', value: 'checkbox' },
							{ name: 'Date', value: 'date' },
							{ name: 'Initials', value: 'initials' },
							{ name: 'Signature', value: 'signature' },
							{ name: 'Text', value: 'text' },
						],
						default: 'signature',
					},
					{ displayName: 'Width', name: 'width', type: 'number', default: 200 },
					{
						displayName: 'X',
						name: 'x',
						type: 'number',
						default: 100,
						description: 'Points from the left edge of the page (72 points = 1 inch)',
					},
					{ displayName: 'Y', name: 'y', type: 'number', default: 600, description: 'Points from the top edge of the page' },
				]),
			},
		],
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
				description: 'Whether to turn text tags written in the PDF into fields (Dropbox Sign and DocuSeal)',
			},
			{
				displayName: 'Message',
				name: 'message',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: 'Body of the invitation email',
			},
			{
				displayName: 'Subject',
				name: 'subject',
				type: 'string',
				default: '',
				description: 'Subject of the invitation email',
			},
			{
				displayName: 'Test Mode',
				name: 'testMode',
				type: 'boolean',
				default: false,
				description: 'Whether to send a request that is not legally binding (Dropbox Sign\'s test mode; free plans require it)',
			},
			{
				displayName: 'Title',
				name: 'title',
				type: 'string',
				default: '',
				description: 'Name of the document at the provider. Defaults to the file name.',
			},
		],
	},
	embeddedSigningProperty('send'),
];

interface SignerParameter {
	email?: string;
	name?: string;
	role?: string;
	order?: number;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const send = requireMethod(this, adapter, adapter.signatureRequest?.send, 'Signature Request → Send', itemIndex);
	const property = String(this.getNodeParameter('binaryPropertyName', itemIndex)).trim();
	const rawSigners = (this.getNodeParameter('requestSigners.signer', itemIndex, []) as SignerParameter[]) ?? [];
	if (rawSigners.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Add at least one signer', { itemIndex });
	}
	const signers: SignatureRequestSigner[] = rawSigners.map((signer, index) => {
		const email = assertEmail(this, String(signer.email ?? ''), `signer ${index + 1}`, itemIndex);
		const name = String(signer.name ?? '').trim();
		if (name === '') {
			throw new NodeOperationError(this.getNode(), `Signer ${index + 1}: the name is empty`, {
				itemIndex,
				description: 'Providers show the name in the invitation and the audit trail, and require it.',
			});
		}
		return {
			email,
			name,
			role: String(signer.role ?? '').trim() || `Signer ${index + 1}`,
			order: signer.order && signer.order > 0 ? signer.order : undefined,
		};
	});
	const rawFields = (this.getNodeParameter('signatureFields.field', itemIndex, []) as FieldParameter[]) ?? [];
	const fields = rawFields.map((field, index) => toFieldInput(this, field, index, itemIndex, adapter));
	const options = this.getNodeParameter('options', itemIndex, {}) as {
		extractFieldsFromTags?: boolean;
		message?: string;
		subject?: string;
		testMode?: boolean;
		title?: string;
	};
	const binary = this.helpers.assertBinaryData(itemIndex, property);
	const data = await this.helpers.getBinaryDataBuffer(itemIndex, property);
	const fileName = binary.fileName || 'document.pdf';
	const text = (value: string | undefined) => value?.trim() || undefined;
	const document = await send(client, {
		file: { data, fileName, mimeType: binary.mimeType || 'application/pdf' },
		title: text(options.title),
		subject: text(options.subject),
		message: text(options.message),
		signers,
		fields,
		extractFieldsFromTags: options.extractFieldsFromTags === true,
		testMode: options.testMode === true,
		// Only the DocuSign node has the parameter; elsewhere the fallback applies.
		// Only when asked: other providers' inputs stay as they were.
		...(this.getNodeParameter('embeddedSigning', itemIndex, false) === true ? { embeddedSigning: true } : {}),
	});
	return [{ json: { ...documentJson(adapter.provider, document), fileName, fieldsAdded: fields.length } }];
}
