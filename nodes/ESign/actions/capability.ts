/**
 * Parameters offered by what an adapter can do rather than by provider name (anchor-text
 * placement, the audit certificate). Such a parameter carries a root `/provider` condition
 * listing the registry's capable providers, which the legacy E-Signature node evaluates against
 * its Provider field; a provider's own node is built by asking the capability of its adapter
 * (`forProvider` in description.ts), so it holds for an adapter outside the registry too.
 */
import type { INodeProperties } from 'n8n-workflow';

import type { ProviderAdapter } from '../../providers/adapter';
import { providerAdapters } from '../../providers/adapters';

export type Capability = (adapter: ProviderAdapter) => boolean;

const capabilities = new WeakMap<object, Capability>();

/** `property`, shown only for providers with the capability (plus its own `show` conditions). */
export function offeredWhen<T extends INodeProperties>(capability: Capability, property: T): T {
	const show = { ...property.displayOptions?.show, '/provider': providerAdapters.filter(capability).map((adapter) => adapter.provider) };
	const offered = { ...property, displayOptions: { ...property.displayOptions, show } };
	capabilities.set(offered, capability);
	return offered;
}

export function capabilityOf(property: object): Capability | undefined {
	return capabilities.get(property);
}
