/**
 * Each provider's node offers Signature Request (Send, Remind) only when its adapter implements
 * the one-shot capability, and only the other operations it implements.
 */
import { providerNode } from '../helpers/provider-nodes';

function propertiesOf(provider: string) {
	return providerNode(provider).node.description.properties;
}

function resourcesOf(provider: string): string[] {
	const property = propertiesOf(provider).find((p) => p.name === 'resource');
	return (property?.options ?? []).map((option) => (option as { value: string }).value);
}

function operationsOf(provider: string, resource: string): string[] {
	const property = propertiesOf(provider).find(
		(p) => p.name === 'operation' && p.displayOptions?.show?.resource?.includes(resource),
	);
	return (property?.options ?? []).map((option) => (option as { value: string }).value);
}

describe('Signature Request resource in the provider nodes', () => {
	it.each(['dropbox-sign', 'docuseal'])('is offered for %s with Send and Remind', (provider) => {
		expect(resourcesOf(provider)).toContain('signatureRequest');
		expect(operationsOf(provider, 'signatureRequest')).toEqual(['send', 'remind']);
	});

	it('is offered for docusign with Send, Send From Template, Bulk Send and Remind (issue 14)', () => {
		expect(resourcesOf('docusign')).toContain('signatureRequest');
		expect(operationsOf('docusign', 'signatureRequest')).toEqual(['send', 'sendFromTemplate', 'bulkSend', 'remind']);
	});

	it.each(['signnow', 'documenso', 'signos'])('is not offered for %s', (provider) => {
		expect(resourcesOf(provider).length).toBeGreaterThan(0);
		expect(resourcesOf(provider)).not.toContain('signatureRequest');
		expect(operationsOf(provider, 'signatureRequest')).toEqual([]);
	});

	it('lists only what each new provider implements elsewhere', () => {
		expect(operationsOf('docusign', 'document')).toEqual(['get', 'download']);
		expect(operationsOf('docusign', 'invite')).toEqual(['cancel', 'signingLink']);
		expect(operationsOf('docuseal', 'document')).toEqual(['get', 'download', 'delete']);
		expect(resourcesOf('docuseal')).not.toContain('invite');
	});
});
