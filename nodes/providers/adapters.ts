/**
 * Every provider the nodes are built for: each has its own action node and trigger, and the
 * hidden provider-agnostic E-Signature node lists them in this order in its Provider dropdown.
 * Adding a provider adds one line here (its adapter lives in `./<provider>/`).
 */
import type { ProviderAdapter } from './adapter';
import { documensoAdapter } from './documenso/api';
import { docuSealAdapter } from './docuseal/api';
import { docuSignAdapter } from './docusign/api';
import { dropboxSignAdapter } from './dropbox-sign/api';
import { signNowAdapter } from './signnow/api';
import { signOsAdapter } from './signos/api';

export const providerAdapters: readonly ProviderAdapter[] = [
	signNowAdapter,
	documensoAdapter,
	dropboxSignAdapter,
	docuSignAdapter,
	docuSealAdapter,
	signOsAdapter,
];

export function findAdapter(provider: string): ProviderAdapter | undefined {
	return providerAdapters.find((adapter) => adapter.provider === provider);
}
