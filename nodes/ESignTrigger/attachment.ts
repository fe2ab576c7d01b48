/** "When signed → email the PDF" in two nodes: the trigger can attach the signed PDF itself. */
import { NodeOperationError, type INodeExecutionData, type IWebhookFunctions } from 'n8n-workflow';

import { whenFileReady } from '../ESign/transport/file-ready';
import type { CanonicalEvent } from '../providers/events';
import { providerClient, selectedProvider } from './client';

/**
 * The trigger answers its caller (the relay, or the provider in direct mode) only after the
 * download, and the relay gives up after 10 s by default (RELAY_DELIVERY_TIMEOUT): so a short
 * wait, and past it an error, which makes the caller deliver the event again later.
 */
export const TRIGGER_MAX_WAIT_FOR_FILE_SECONDS = 60;
export const TRIGGER_DEFAULT_WAIT_FOR_FILE_SECONDS = 5;

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
	const seconds = Number(context.getNodeParameter('waitForFileSeconds', TRIGGER_DEFAULT_WAIT_FOR_FILE_SECONDS));
	if (!Number.isFinite(seconds) || seconds < 0 || seconds > TRIGGER_MAX_WAIT_FOR_FILE_SECONDS) {
		throw new NodeOperationError(
			context.getNode(),
			`"Wait for File (Seconds)" must be from 0 to ${TRIGGER_MAX_WAIT_FOR_FILE_SECONDS}`,
		);
	}
	const documentId = event.documentId;
	const file = await whenFileReady(
		() => download(client, { documentId, withHistory: false }),
		{ maxWaitMs: seconds * 1000 },
		(error) =>
			new NodeOperationError(context.getNode(), error.message, {
				description: 'The event is answered with an error, so the relay (or the provider) delivers it again later, when the file is ready.',
			}),
	);
	const field = String(context.getNodeParameter('binaryPropertyName', 'data') || 'data');
	item.binary = {
		[field]: await context.helpers.prepareBinaryData(file.data, file.fileName, file.mimeType),
	};
}
