/** The HTTP request as the pure webhook verifiers need it, and the answer to a rejected one. */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import type { InboundWebhook, WebhookRejection } from '../providers/webhook';

interface RequestWithRawBody {
	rawBody?: Buffer;
	readRawBody?: () => Promise<void>;
	headers: Record<string, string | string[] | undefined>;
	query?: Record<string, unknown>;
}

/**
 * Signatures cover the exact bytes sent, so verification uses the raw body n8n keeps on the
 * request (`rawBody`, read by its body parser before the node runs), never re-serialised JSON.
 */
export async function readInbound(context: IWebhookFunctions): Promise<InboundWebhook> {
	const request = context.getRequestObject() as unknown as RequestWithRawBody;
	if (!request.rawBody && typeof request.readRawBody === 'function') await request.readRawBody();
	const query: Record<string, string | undefined> = {};
	for (const [key, value] of Object.entries(request.query ?? {})) {
		if (typeof value === 'string') query[key] = value;
	}
	return {
		rawBody: Buffer.isBuffer(request.rawBody) ? request.rawBody : Buffer.alloc(0),
		headers: request.headers,
		query,
	};
}

/**
 * Answers the sender directly and returns no workflow data, which is how n8n lets a trigger
 * refuse a request without starting an execution.
 */
export function reject(context: IWebhookFunctions, rejection: WebhookRejection): IWebhookResponseData {
	const response = context.getResponseObject();
	response.status(rejection.status).json({ error: rejection.reason, message: rejection.message });
	return { noWebhookResponse: true };
}
