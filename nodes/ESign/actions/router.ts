/**
 * Runs the chosen operation once per input item: picks the provider's adapter and credential,
 * keeps every output paired with its input item, and turns failures into n8n errors (or error
 * items when the node is set to continue on fail).
 */
import {
	NodeApiError,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

import { ProviderInputError, type ProviderAdapter } from '../../providers/adapter';
import { findAdapter } from '../../providers/adapters';
import { createProviderClient } from '../transport';
import { resources } from './resources';
import type { OperationDefinition } from './types';

function pickOperation(context: IExecuteFunctions, resource: string, operation: string): OperationDefinition {
	const found = resources.find((candidate) => candidate.value === resource)?.operations.find(
		(candidate) => candidate.value === operation,
	);
	if (!found) {
		throw new NodeOperationError(context.getNode(), `The operation "${resource} → ${operation}" is not known`);
	}
	return found;
}

function pickCredentialType(context: IExecuteFunctions, adapter: ProviderAdapter, itemIndex: number): string {
	const authentication = context.getNodeParameter('authentication', itemIndex, adapter.credentials[0].value) as string;
	const option = adapter.credentials.find((candidate) => candidate.value === authentication);
	if (!option) {
		throw new NodeOperationError(
			context.getNode(),
			`${adapter.displayName} has no authentication method "${authentication}"`,
			{ itemIndex },
		);
	}
	return option.credentialType;
}

function toNodeError(context: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (error.context.itemIndex === undefined) error.context.itemIndex = itemIndex;
		return error;
	}
	if (error instanceof ProviderInputError) {
		return new NodeOperationError(context.getNode(), error.message, { itemIndex, description: error.description });
	}
	return new NodeOperationError(context.getNode(), error as Error, { itemIndex });
}

function errorJson(nodeError: Error) {
	return {
		error: nodeError.message,
		description: (nodeError as NodeOperationError).description ?? undefined,
		httpCode: (nodeError as NodeApiError).httpCode ?? undefined,
	};
}

function resolveAdapter(context: IExecuteFunctions, fixedAdapter: ProviderAdapter | undefined, itemIndex: number): ProviderAdapter {
	const provider = fixedAdapter ? fixedAdapter.provider : (context.getNodeParameter('provider', itemIndex) as string);
	const adapter = fixedAdapter ?? findAdapter(provider);
	if (!adapter) {
		throw new NodeOperationError(context.getNode(), `Unknown e-signature provider "${provider}"`, { itemIndex });
	}
	return adapter;
}

/**
 * An operation that makes one provider call for every item (Bulk Send): provider, credential and
 * operation come from the first item (they cannot be expressions); each result is paired with
 * its item. A failure of the whole call fails the node, or gives every item an error item.
 */
async function runBatch(
	context: IExecuteFunctions,
	fixedAdapter: ProviderAdapter | undefined,
	itemCount: number,
): Promise<INodeExecutionData[][]> {
	const indices = Array.from({ length: itemCount }, (_, index) => index);
	const output: INodeExecutionData[] = [];
	try {
		const adapter = resolveAdapter(context, fixedAdapter, 0);
		const operation = pickOperation(
			context,
			context.getNodeParameter('resource', 0) as string,
			context.getNodeParameter('operation', 0) as string,
		);
		if (!operation.batch) throw new NodeOperationError(context.getNode(), 'The operation does not run once for all items');
		const client = await createProviderClient(context, {
			adapter,
			credentialType: pickCredentialType(context, adapter, 0),
			itemIndex: 0,
		});
		const results = await operation.execute.call(context, indices, { adapter, client });
		results.forEach((result, itemIndex) => {
			if ('error' in result) {
				const nodeError = toNodeError(context, result.error, itemIndex);
				if (!context.continueOnFail()) throw nodeError;
				output.push({ json: errorJson(nodeError), pairedItem: { item: itemIndex } });
			} else {
				output.push({ json: result.json, pairedItem: { item: itemIndex } });
			}
		});
	} catch (error) {
		const nodeError = toNodeError(context, error, 0);
		if (!context.continueOnFail()) throw nodeError;
		return [indices.map((itemIndex) => ({ json: errorJson(nodeError), pairedItem: { item: itemIndex } }))];
	}
	return [output];
}

/**
 * A provider's own node passes its adapter (its `provider` is fixed, whatever the parameters
 * say); the provider-agnostic E-Signature node passes none and reads its Provider field.
 */
export async function router(this: IExecuteFunctions, fixedAdapter?: ProviderAdapter): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	if (items.length === 0) return [[]];
	// Fallbacks: an unknown provider hides Resource and Operation; the loop below reports it.
	const first = resources
		.find((candidate) => candidate.value === this.getNodeParameter('resource', 0, ''))
		?.operations.find((candidate) => candidate.value === this.getNodeParameter('operation', 0, ''));
	if (first?.batch) return await runBatch(this, fixedAdapter, items.length);
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const adapter = resolveAdapter(this, fixedAdapter, itemIndex);
			const operation = pickOperation(
				this,
				this.getNodeParameter('resource', itemIndex) as string,
				this.getNodeParameter('operation', itemIndex) as string,
			);
			if (operation.batch) throw new NodeOperationError(this.getNode(), 'The operation runs once for all items', { itemIndex });
			const client = await createProviderClient(this, {
				adapter,
				credentialType: pickCredentialType(this, adapter, itemIndex),
				itemIndex,
			});
			const results = await operation.execute.call(this, itemIndex, { adapter, client });
			for (const result of results) output.push({ ...result, pairedItem: { item: itemIndex } });
		} catch (error) {
			const nodeError = toNodeError(this, error, itemIndex);
			if (!this.continueOnFail()) throw nodeError;
			output.push({ json: errorJson(nodeError), pairedItem: { item: itemIndex } });
		}
	}
	return [output];
}
