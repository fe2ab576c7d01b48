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
	it.each(['docusign', 'dropbox-sign', 'docuseal'])('is offered for %s with Send, Send From Template, Bulk Send and Remind', (provider) => {
		expect(resourcesOf(provider)).toContain('signatureRequest');
		expect(operationsOf(provider, 'signatureRequest')).toEqual(['send', 'sendFromTemplate', 'bulkSend', 'remind']);
	});

	// Upload-then-invite providers: no one-shot Send; templates where the API has them (issue 14).
	it('is offered for signnow with Send From Template and Bulk Send only', () => {
		expect(operationsOf('signnow', 'signatureRequest')).toEqual(['sendFromTemplate', 'bulkSend']);
	});

	it('is offered for documenso with Send From Template only (its bulk send is in the web app only)', () => {
		expect(operationsOf('documenso', 'signatureRequest')).toEqual(['sendFromTemplate']);
	});

	it('is not offered for signos', () => {
		expect(resourcesOf('signos').length).toBeGreaterThan(0);
		expect(resourcesOf('signos')).not.toContain('signatureRequest');
		expect(operationsOf('signos', 'signatureRequest')).toEqual([]);
	});

	it('lists only what each provider implements elsewhere', () => {
		expect(operationsOf('docusign', 'document')).toEqual(['get', 'download']);
		expect(operationsOf('docusign', 'invite')).toEqual(['cancel', 'signingLink']);
		expect(operationsOf('docuseal', 'document')).toEqual(['get', 'download', 'delete']);
		// DocuSeal's only invite operation is the signing link (its submissions are sent on creation).
		expect(operationsOf('docuseal', 'invite')).toEqual(['signingLink']);
	});
});
