/** Parameters Send From Template and Bulk Send share: prefilled fields and the email options. */
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

export function prefillFieldsProperty(operation: string): INodeProperties {
	return {
		displayName: 'Prefill Fields',
		name: 'prefillFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		description: "Values written into the template's fields before it is sent (merge fields, text tabs), usually expressions from the input item",
		displayOptions: { show: { resource: ['signatureRequest'], operation: [operation] } },
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'e.g. company_name',
						description: 'The field\'s name in the template (Template → Get lists them as "fields")',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: 'e.g. {{ $json.company }}',
					},
				],
			},
		],
	};
}

export function templateSendOptionsProperty(operation: string): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show: { resource: ['signatureRequest'], operation: [operation] } },
		options: [
			{
				displayName: 'Message',
				name: 'message',
				type: 'string',
				typeOptions: { rows: 3 },
				default: '',
				description: 'Body of the invitation email. Defaults to the template\'s.',
			},
			{
				displayName: 'Subject',
				name: 'subject',
				type: 'string',
				default: '',
				description: 'Subject of the invitation email. Defaults to the template\'s.',
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
				description: 'Name of the new document at the provider. Defaults to the template\'s name.',
			},
		],
	};
}

export interface TemplateSendOptions {
	title?: string;
	subject?: string;
	message?: string;
	testMode?: boolean;
}

export function readTemplateSendOptions(context: IExecuteFunctions, itemIndex: number): TemplateSendOptions {
	const options = context.getNodeParameter('options', itemIndex, {}) as TemplateSendOptions;
	const text = (value: string | undefined) => (typeof value === 'string' ? value.trim() : '') || undefined;
	return {
		title: text(options.title),
		subject: text(options.subject),
		message: text(options.message),
		testMode: options.testMode === true,
	};
}

/** The Prefill Fields of one item, by name; a name given twice or left empty is an error. */
export function readPrefillFields(context: IExecuteFunctions, itemIndex: number): Record<string, string> {
	const raw = (context.getNodeParameter('prefillFields.field', itemIndex, []) as Array<{ name?: string; value?: unknown }>) ?? [];
	const values: Record<string, string> = {};
	raw.forEach((field, index) => {
		const name = String(field.name ?? '').trim();
		if (name === '') {
			throw new NodeOperationError(context.getNode(), `Prefill field ${index + 1}: the name is empty`, { itemIndex });
		}
		if (name in values) {
			throw new NodeOperationError(context.getNode(), `Prefill field "${name}" is given twice`, { itemIndex });
		}
		values[name] = field.value === undefined || field.value === null ? '' : String(field.value);
	});
	return values;
}
