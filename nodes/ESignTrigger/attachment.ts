/** "When signed → email the PDF" in two nodes: the trigger can attach the signed PDF itself. */
import { NodeOperationError, type INodeExecutionData, type IWebhookFunctions } from 'n8n-workflow';

import type { CanonicalEvent } from '../providers/events';
import { providerClient, selectedProvider } from './client';

export async function attachSignedPdf(
	context: IWebhookFunctions,
	event: CanonicalEvent,
	item: INodeExecutionData,
): Promise<void> {
	// Only a completed document has a final signed PDF; other events pass through unchanged.
	if (event.type !== 'document.completed' || !event.documentId) return;
	const provider = selectedProvider(context);
	if (event.provider !== provider.adapter.provider) {
		throw new NodeOperationError(
			context.getNode(),
			`The event comes from ${event.provider}, but the signed PDF would be downloaded with the ${provider.adapter.displayName} credential`,
			{ description: 'Limit the trigger to that provider’s sources, or turn off Attach Signed PDF.' },
		);
	}
	const download = provider.adapter.document.download;
	if (!download) {
		throw new NodeOperationError(
			context.getNode(),
			`${provider.adapter.displayName} does not offer downloading the signed PDF`,
		);
	}
	const client = await providerClient(context, provider);
	const file = await download(client, { documentId: event.documentId, withHistory: false });
	const field = String(context.getNodeParameter('binaryPropertyName', 'data') || 'data');
	item.binary = {
		[field]: await context.helpers.prepareBinaryData(file.data, file.fileName, file.mimeType),
	};
}
