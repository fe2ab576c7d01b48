/**
 * A delivery from the relay: the canonical event plus `source` and `receivedAt`, signed with
 * the Standard Webhooks scheme under the subscription's secret. Pure (no n8n types) so the
 * unit tests drive it with the same bytes n8n hands the node.
 */
import { isCanonicalEventType, type CanonicalEvent } from '../../providers/events';
import { DEFAULT_TOLERANCE_SECONDS, verifySignature } from '../../providers/standard-webhooks/signature';
import {
	header,
	isRecord,
	parseJsonBody,
	WebhookRejection,
	type InboundWebhook,
} from '../../providers/webhook';

export interface RelayDelivery extends CanonicalEvent {
	/** The relay source (configured endpoint) the provider called. */
	source?: string;
	/** When the relay acknowledged the provider's callback, ISO 8601. */
	receivedAt?: string;
}

/**
 * Verifies the signature over the exact bytes received (timing-safe, 5-minute window) and
 * only then parses them. Throws a `WebhookRejection` (401 for a forged or stale request).
 */
export function readRelayDelivery(
	request: InboundWebhook,
	secret: string,
	nowMs: number,
	toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): RelayDelivery {
	verifySignature(
		{
			id: header(request, 'webhook-id'),
			timestamp: header(request, 'webhook-timestamp'),
			signature: header(request, 'webhook-signature'),
			body: request.rawBody,
		},
		[secret],
		nowMs,
		toleranceSeconds,
	);
	const body = parseJsonBody(request);
	if (
		!isRecord(body) ||
		typeof body.id !== 'string' ||
		typeof body.provider !== 'string' ||
		typeof body.type !== 'string' ||
		!isCanonicalEventType(body.type)
	) {
		throw new WebhookRejection(
			'malformed_body',
			'A relay delivery must be a canonical event with id, provider and a known type.',
		);
	}
	return body as unknown as RelayDelivery;
}
