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

/** An operation file's exports plus how the Operation dropdown lists it. */
export interface OperationDefinition {
	value: string;
	name: string;
	action: string;
	description: string;
	properties: INodeProperties[];
	execute: OperationExecute;
}
