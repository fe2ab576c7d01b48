/**
 * Helpers shared by the operation files: parameter building blocks and the one check that a
 * provider offers what the user picked.
 */
import { NodeOperationError, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { ProviderAdapter } from '../../providers/adapter';

/** The Document ID parameter, shown for the given resource's operations. */
export function documentIdProperty(
	resource: string,
	operations: string[],
	description = 'The ID of the document in the provider (the Upload operation outputs it as "ID")',
): INodeProperties {
	return {
		displayName: 'Document ID',
		name: 'documentId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 9e5c2f1b7a…',
		description,
		displayOptions: { show: { resource: [resource], operation: operations } },
	};
}

/** Returns the adapter method, or fails with a message that names provider and operation. */
export function requireMethod<T>(
	context: IExecuteFunctions,
	adapter: ProviderAdapter,
	method: T | undefined,
	what: string,
	itemIndex: number,
): T {
	if (method === undefined) {
		throw new NodeOperationError(context.getNode(), `${adapter.displayName} does not support "${what}"`, {
			itemIndex,
			description: 'Choose another operation or another provider.',
		});
	}
	return method;
}

/** A trimmed, non-empty string parameter, or a NodeOperationError naming the field. */
export function requiredString(
	context: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
): string {
	const value = String(context.getNodeParameter(name, itemIndex, '') ?? '').trim();
	if (value === '') {
		throw new NodeOperationError(context.getNode(), `"${label}" is empty`, {
			itemIndex,
			description: `Fill in "${label}" (it may come from an expression that resolved to nothing).`,
		});
	}
	return value;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function assertEmail(context: IExecuteFunctions, value: string, label: string, itemIndex: number): string {
	const email = value.trim();
	if (!EMAIL.test(email)) {
		throw new NodeOperationError(context.getNode(), `"${email}" is not a valid email address (${label})`, {
			itemIndex,
		});
	}
	return email;
}
