import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import type { TemplateRecipient } from '../../../providers/adapter';
import { assertEmail, requiredString, requireMethod } from '../common';
import { documentJson } from '../document/get.operation';
import { templateIdProperty } from '../template/get.operation';
import type { OperationContext } from '../types';
import { embeddedSigningProperty } from './embeddedSigning';
import {
	prefillFieldsProperty,
	readPrefillFields,
	readTemplateSendOptions,
	templateSendOptionsProperty,
} from './template-options';

const show = { resource: ['signatureRequest'], operation: ['sendFromTemplate'] };

export const description: INodeProperties[] = [
	templateIdProperty('signatureRequest', ['sendFromTemplate']),
	{
		displayName: 'Recipients',
		name: 'templateRecipients',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, sortable: true },
		placeholder: 'Add Recipient',
		default: {},
		required: true,
		description: "Who fills each of the template's roles",
		displayOptions: { show },
		options: [
			{
				displayName: 'Recipient',
				name: 'recipient',
				values: [
					{
						displayName: 'Role',
						name: 'role',
						type: 'string',
						default: '',
						placeholder: 'e.g. Client',
						description: 'The template\'s role name (Template → Get lists them as "roles")',
					},
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
						displayName: 'Signing Order',
						name: 'order',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: "Who signs first (1, 2, …). 0 keeps the template's order.",
					},
				],
			},
		],
	},
	prefillFieldsProperty('sendFromTemplate'),
	templateSendOptionsProperty('sendFromTemplate'),
	embeddedSigningProperty('sendFromTemplate'),
];

interface RecipientParameter {
	role?: string;
	email?: string;
	name?: string;
	order?: number;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const sendFromTemplate = requireMethod(
		this,
		adapter,
		adapter.signatureRequest?.sendFromTemplate,
		'Signature Request → Send From Template',
		itemIndex,
	);
	const templateId = requiredString(this, 'templateId', 'Template ID', itemIndex);
	const raw = (this.getNodeParameter('templateRecipients.recipient', itemIndex, []) as RecipientParameter[]) ?? [];
	if (raw.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Add at least one recipient', {
			itemIndex,
			description: "Fill each of the template's roles with a person (Template → Get lists the roles).",
		});
	}
	const roles = new Set<string>();
	const recipients: TemplateRecipient[] = raw.map((recipient, index) => {
		const role = String(recipient.role ?? '').trim();
		if (role === '') throw new NodeOperationError(this.getNode(), `Recipient ${index + 1}: the role is empty`, { itemIndex });
		if (roles.has(role)) {
			throw new NodeOperationError(this.getNode(), `The role "${role}" is filled twice`, { itemIndex });
		}
		roles.add(role);
		const email = assertEmail(this, String(recipient.email ?? ''), `recipient ${index + 1}`, itemIndex);
		const name = String(recipient.name ?? '').trim();
		if (name === '') {
			throw new NodeOperationError(this.getNode(), `Recipient ${index + 1}: the name is empty`, {
				itemIndex,
				description: 'Providers show the name in the invitation and the audit trail, and require it.',
			});
		}
		return { role, email, name, order: recipient.order && recipient.order > 0 ? recipient.order : undefined };
	});
	const options = readTemplateSendOptions(this, itemIndex);
	const document = await sendFromTemplate(client, {
		templateId,
		...options,
		recipients,
		fieldValues: readPrefillFields(this, itemIndex),
		// Only the DocuSign node has the parameter; elsewhere the fallback applies.
		// Only when asked: other providers' inputs stay as they were.
		...(this.getNodeParameter('embeddedSigning', itemIndex, false) === true ? { embeddedSigning: true } : {}),
	});
	return [{ json: { ...documentJson(adapter.provider, document), templateId } }];
}
