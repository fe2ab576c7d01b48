/**
 * README's "What is in the package" tables as the adapters make them: each node's operations,
 * and the provider × feature rows of issue 14. `test/node/readme-tables.test.ts` compares the
 * README with these, so the tables cannot claim what the adapters do not implement (and a
 * failing run prints the rows to paste).
 */
import { resources } from '../../nodes/ESign/actions/resources';
import { supports, type ProviderAdapter, type ResourceName } from '../../nodes/providers/adapter';
import { offersDirect } from '../../nodes/ESignTrigger/providers';

/** "Document: Upload, Get · Invite: Send", in the order the node's dropdowns list them. */
export function operationsCell(adapter: ProviderAdapter): string {
	return resources
		.map((resource) => ({
			name: resource.name,
			operations: resource.operations.filter((operation) => supports(adapter, resource.value, operation.value)),
		}))
		.filter((entry) => entry.operations.length > 0)
		.map((entry) => `${entry.name}: ${entry.operations.map((operation) => operation.name).join(', ')}`)
		.join(' · ');
}

type Need = [ResourceName, string];

/** A feature row: its README label and what the adapter must have for a ✓. */
export const FEATURES: ReadonlyArray<{ label: string; has: (adapter: ProviderAdapter) => boolean }> = [
	{
		label: 'Templates / Send From Template',
		has: (adapter) =>
			([['template', 'list'], ['template', 'get'], ['signatureRequest', 'sendFromTemplate']] as Need[]).every(([resource, operation]) =>
				supports(adapter, resource, operation),
			),
	},
	{ label: 'Signing links', has: (adapter) => supports(adapter, 'invite', 'signingLink') },
	{ label: 'Anchor-text fields', has: (adapter) => adapter.fieldPlacement?.anchorText === true },
	{
		label: 'Webhooks from n8n (Register/List/Delete + Direct trigger)',
		has: (adapter) =>
			(['register', 'list', 'delete'] as const).every((operation) => supports(adapter, 'webhook', operation)) && offersDirect(adapter),
	},
	{ label: 'Signed-and-file-ready wait', has: (adapter) => supports(adapter, 'document', 'download') },
	{ label: 'Bulk send', has: (adapter) => supports(adapter, 'signatureRequest', 'bulkSend') },
];
