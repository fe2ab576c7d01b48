/**
 * Bulk Send From Template: one provider call for all input items, each item one signer (one row
 * of a sheet) who gets their own document. Rows are checked before anything is sent: a bad row
 * fails the node (nothing sent), or with continue-on-fail becomes that item's error item and the
 * other rows are sent. A row the provider refuses after the call does not fail the node (the
 * other rows are on their way; failing would invite a re-run that sends them twice): its item
 * says `status: "failed"` and `error`.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { BulkSendRow } from '../../../providers/adapter';
import { assertEmail, requiredString, requireMethod } from '../common';
import { templateIdProperty } from '../template/get.operation';
import type { BatchRowResult, OperationContext } from '../types';
import {
	prefillFieldsProperty,
	readPrefillFields,
	readTemplateSendOptions,
	templateSendOptionsProperty,
} from './template-options';

const show = { resource: ['signatureRequest'], operation: ['bulkSend'] };

export const description: INodeProperties[] = [
	{
		displayName:
			'Runs once for all input items: each item is one signer, who gets their own document from the template, in one request to the provider',
		name: 'bulkSendNotice',
		type: 'notice',
		default: '',
		displayOptions: { show },
	},
	templateIdProperty('signatureRequest', ['bulkSend']),
	{
		displayName: 'Role',
		name: 'role',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Signer',
		description: "The template's role each item's signer fills (Template → Get lists the roles)",
		displayOptions: { show },
	},
	{
		displayName: 'Signer Email',
		name: 'signerEmail',
		type: 'string',
		required: true,
		default: '={{ $json.email }}',
		description: "The item's signer's email address",
		displayOptions: { show },
	},
	{
		displayName: 'Signer Name',
		name: 'signerName',
		type: 'string',
		required: true,
		default: '={{ $json.name }}',
		description: "The item's signer's name",
		displayOptions: { show },
	},
	prefillFieldsProperty('bulkSend'),
	templateSendOptionsProperty('bulkSend'),
];

function readRow(context: IExecuteFunctions, itemIndex: number): BulkSendRow {
	const email = assertEmail(context, String(context.getNodeParameter('signerEmail', itemIndex, '') ?? ''), 'signer email', itemIndex);
	const name = String(context.getNodeParameter('signerName', itemIndex, '') ?? '').trim();
	if (name === '') {
		throw new NodeOperationError(context.getNode(), `The signer name of item ${itemIndex + 1} is empty`, {
			itemIndex,
			description: 'Providers show the name in the invitation and the audit trail, and require it.',
		});
	}
	return { email, name, fieldValues: readPrefillFields(context, itemIndex) };
}

export async function execute(
	this: IExecuteFunctions,
	itemIndices: number[],
	{ adapter, client }: OperationContext,
): Promise<BatchRowResult[]> {
	const bulkSend = requireMethod(
		this,
		adapter,
		adapter.signatureRequest?.bulkSend,
		'Signature Request → Bulk Send From Template',
		0,
	);
	const templateId = requiredString(this, 'templateId', 'Template ID', 0);
	const role = requiredString(this, 'role', 'Role', 0);
	const options = readTemplateSendOptions(this, 0);

	const results: BatchRowResult[] = [];
	const rows: BulkSendRow[] = [];
	/** rows[n] came from item sentFrom[n]. */
	const sentFrom: number[] = [];
	for (const itemIndex of itemIndices) {
		try {
			rows.push(readRow(this, itemIndex));
			sentFrom.push(itemIndex);
			results[itemIndex] = { json: {} };
		} catch (error) {
			// Nothing has been sent yet: without continue-on-fail, the whole node stops here.
			const rowError = new NodeOperationError(this.getNode(), error as Error, { itemIndex });
			if (!this.continueOnFail()) throw rowError;
			results[itemIndex] = { error: rowError };
		}
	}
	if (rows.length === 0) return results;

	const result = await bulkSend(client, { templateId, role, ...options, rows });
	for (let row = 0; row < rows.length; row++) {
		const itemIndex = sentFrom[row];
		const answer = result.rows.find((candidate) => candidate.index === row);
		results[itemIndex] = {
			json: {
				provider: adapter.provider,
				index: itemIndex,
				email: rows[row].email,
				status: answer?.status ?? 'failed',
				documentId: answer?.documentId,
				batchId: result.batchId,
				templateId,
				error: answer ? answer.error : `${adapter.displayName} did not report on this row`,
			},
		};
	}
	return results;
}
