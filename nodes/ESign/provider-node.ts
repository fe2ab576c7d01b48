/**
 * Builds one provider's action node (SignNow, DocuSign…) from its adapter: the node offers only
 * that provider's credentials and only the resources and operations its adapter implements, so
 * each provider's node file names itself, points at its icon and delegates the rest here.
 */
import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeTypeDescription,
} from 'n8n-workflow';

import type { ProviderAdapter } from '../providers/adapter';
import { providerCredentials, providerProperties } from './actions/description';
import { router } from './actions/router';

/** Everything of the description but what lint wants written in the node's own file. */
export type ProviderNodeBase = Omit<INodeTypeDescription, 'displayName' | 'name' | 'icon' | 'subtitle' | 'usableAsTool'>;

export function providerNodeDescription(adapter: ProviderAdapter): ProviderNodeBase {
	return {
		group: ['output'],
		version: 1,
		description: `Upload documents, place signature fields, invite signers and download signed PDFs with ${adapter.displayName}`,
		defaults: { name: adapter.displayName },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: providerCredentials(adapter),
		properties: providerProperties(adapter),
	};
}

/** The node's `execute`: the shared router, bound to this provider whatever the parameters say. */
export function providerNodeExecute(
	adapter: ProviderAdapter,
): (this: IExecuteFunctions) => Promise<INodeExecutionData[][]> {
	return async function execute(this: IExecuteFunctions) {
		return await router.call(this, adapter);
	};
}
