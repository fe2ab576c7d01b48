import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { ProviderAdapter, ProviderClient } from '../../providers/adapter';

/** What every operation receives besides the item index: the chosen provider and a client for it. */
export interface OperationContext {
	adapter: ProviderAdapter;
	client: ProviderClient;
}

export type OperationExecute = (
	this: IExecuteFunctions,
	itemIndex: number,
	context: OperationContext,
) => Promise<INodeExecutionData[]>;

/**
 * An operation that makes one provider call for all input items (Bulk Send: every item is one
 * row). It returns one entry per input item, in input order; the router pairs each with its item.
 * A row the provider refused is an `error` entry: the router fails the node on it, or (continue
 * on fail) outputs it as that item's error item.
 */
export type BatchOperationExecute = (
	this: IExecuteFunctions,
	itemIndices: number[],
	context: OperationContext,
) => Promise<BatchRowResult[]>;

export type BatchRowResult = { json: INodeExecutionData['json'] } | { error: Error };

interface OperationBase {
	value: string;
	name: string;
	action: string;
	description: string;
	properties: INodeProperties[];
}

/** An operation file's exports plus how the Operation dropdown lists it. */
export type OperationDefinition =
	| (OperationBase & { batch?: false; execute: OperationExecute })
	| (OperationBase & { batch: true; execute: BatchOperationExecute });
