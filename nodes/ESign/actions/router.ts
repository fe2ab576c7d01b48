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

/**
 * A provider's own node passes its adapter (its `provider` is fixed, whatever the parameters
 * say); the provider-agnostic E-Signature node passes none and reads its Provider field.
 */
export async function router(this: IExecuteFunctions, fixedAdapter?: ProviderAdapter): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const output: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		try {
			const provider = fixedAdapter ? fixedAdapter.provider : (this.getNodeParameter('provider', itemIndex) as string);
			const adapter = fixedAdapter ?? findAdapter(provider);
			if (!adapter) {
				throw new NodeOperationError(this.getNode(), `Unknown e-signature provider "${provider}"`, { itemIndex });
			}
			const operation = pickOperation(
				this,
				this.getNodeParameter('resource', itemIndex) as string,
				this.getNodeParameter('operation', itemIndex) as string,
			);
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
			const httpCode = (nodeError as NodeApiError).httpCode ?? undefined;
			output.push({
				json: {
					error: nodeError.message,
					description: (nodeError as NodeOperationError).description ?? undefined,
					httpCode,
				},
				pairedItem: { item: itemIndex },
			});
		}
	}
	return [output];
}
