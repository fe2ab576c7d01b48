import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { FIELD_TYPES, type FieldInput, type FieldType, type ProviderAdapter } from '../../../providers/adapter';
import { documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';
import { withAnchorValues } from './anchor-fields';
import { documentJson } from './get.operation';

const show = { resource: ['document'], operation: ['addFields'] };

/** Where people get lost placing fields: units, origin and page numbering, with the docs' picture. */
export const FIELD_PLACEMENT_HINT =
	'Positions are in PDF points (72 points = 1 inch), measured from the <b>top-left</b> corner of the page; pages count from 1. A US Letter page is 612 × 792, A4 is 595 × 842. <a href="https://github.com/n8n-nodes-esign/n8n-nodes-esign/blob/main/docs/field-placement.md" target="_blank">How to find coordinates</a>';

export const description: INodeProperties[] = [
	documentIdProperty('document', ['addFields']),
	{
		displayName: 'Fields',
		hint: FIELD_PLACEMENT_HINT,
		name: 'fields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		required: true,
		displayOptions: { show },
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: withAnchorValues([
					{
						displayName: 'Height',
						name: 'height',
						type: 'number',
						default: 40,
						description: 'In points, downwards from Y (40 points ≈ 14 mm)',
					},
					{
						displayName: 'Label',
						name: 'label',
						type: 'string',
						default: '',
						description: 'Text shown to the signer on the field',
					},
					{
						displayName: 'Page',
						name: 'page',
						type: 'number',
						default: 1,
						description: 'Page number, counting from 1 (the first page is 1)',
					},
					{
						displayName: 'Required',
						name: 'required',
						type: 'boolean',
						default: true,
						description: 'Whether the signer must fill the field before finishing',
					},
					{
						displayName: 'Role',
						name: 'role',
						type: 'string',
						default: 'Signer 1',
						description: 'Who fills the field. The same name is used when sending the invite.',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: [
							{
								name: 'Checkbox',
								value: 'checkbox',
							},
							{
								name: 'Date',
								value: 'date',
							},
							{
								name: 'Initials',
								value: 'initials',
							},
							{
								name: 'Signature',
								value: 'signature',
							},
							{
								name: 'Text',
								value: 'text',
							},
						],
						default: 'signature',
					},
					{
						displayName: 'Width',
						name: 'width',
						type: 'number',
						default: 200,
						description: 'In points, rightwards from X (200 points ≈ 2.8 inches)',
					},
					{
						displayName: 'X',
						name: 'x',
						type: 'number',
						default: 100,
						description: 'Points from the left edge of the page to the left edge of the field (72 points = 1 inch)',
					},
					{
						displayName: 'Y',
						name: 'y',
						type: 'number',
						default: 600,
						description: 'Points from the top edge of the page down to the top edge of the field (not from the bottom, as some PDF tools count)',
					},
				]),
			},
		],
	},
];

export interface FieldParameter {
	type?: string;
	role?: string;
	page?: number;
	x?: number;
	y?: number;
	width?: number;
	height?: number;
	required?: boolean;
	label?: string;
	placement?: string;
	anchorText?: string;
	anchorOffsetX?: number;
	anchorOffsetY?: number;
}

export function toFieldInput(
	context: IExecuteFunctions,
	raw: FieldParameter,
	index: number,
	itemIndex: number,
	adapter: ProviderAdapter,
): FieldInput {
	const fail = (message: string, description?: string) =>
		new NodeOperationError(context.getNode(), `Field ${index + 1}: ${message}`, { itemIndex, description });
	const type = raw.type as FieldType;
	if (!FIELD_TYPES.includes(type)) throw fail(`unknown type "${String(raw.type)}"`);
	const role = String(raw.role ?? '').trim();
	if (role === '') throw fail('the role is empty');
	const placement = raw.placement ?? 'coordinates';
	if (placement !== 'coordinates' && placement !== 'anchorText') throw fail(`unknown placement "${String(placement)}"`);
	const anchored = placement === 'anchorText';
	if (anchored && adapter.fieldPlacement?.anchorText !== true) {
		throw fail(`${adapter.displayName} cannot place fields next to a text`, 'Set Placement to "Coordinates" and give page, X and Y.');
	}
	// An anchored field's page and position come from the text: page/x/y are not asked for.
	const numbers = anchored
		? { page: 1, x: 0, y: 0, width: raw.width ?? 0, height: raw.height ?? 0 }
		: { page: raw.page ?? 1, x: raw.x ?? 0, y: raw.y ?? 0, width: raw.width ?? 0, height: raw.height ?? 0 };
	for (const [name, value] of Object.entries(numbers)) {
		if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(`${name} must be a number`);
	}
	if (!Number.isInteger(numbers.page) || numbers.page < 1) throw fail('pages are counted from 1');
	if (numbers.x < 0 || numbers.y < 0) throw fail('x and y cannot be negative');
	if (numbers.width <= 0 || numbers.height <= 0) throw fail('width and height must be greater than 0');
	const field: FieldInput = { type, role, ...numbers, required: raw.required !== false, label: raw.label?.trim() || undefined };
	if (anchored) {
		const text = String(raw.anchorText ?? '').trim();
		if (text === '') throw fail('the anchor text is empty', 'Give the text in the PDF the field goes next to, e.g. "Signature:".');
		const offsetX = raw.anchorOffsetX ?? 0;
		const offsetY = raw.anchorOffsetY ?? 0;
		for (const [name, value] of Object.entries({ 'anchor offset X': offsetX, 'anchor offset Y': offsetY })) {
			if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(`${name} must be a number`);
		}
		field.anchor = { text, offsetX, offsetY };
	}
	return field;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const addFields = requireMethod(this, adapter, adapter.document.addFields, 'Document → Add Fields', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const raw = (this.getNodeParameter('fields.field', itemIndex, []) as FieldParameter[]) ?? [];
	if (raw.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Add at least one field', { itemIndex });
	}
	const fields = raw.map((field, index) => toFieldInput(this, field, index, itemIndex, adapter));
	const document = await addFields(client, { documentId, fields });
	return [{ json: { ...documentJson(adapter.provider, document), fieldsAdded: fields.length } }];
}
