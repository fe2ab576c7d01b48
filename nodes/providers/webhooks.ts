/**
 * Every provider's webhook handler by provider type: the one list the relay consults to
 * verify and normalize an incoming callback. Adding a provider adds one line here.
 */
import { signNowWebhook } from './signnow/webhook';
import { standardWebhooks } from './standard-webhooks/webhook';
import type { WebhookHandler } from './webhook';

export const webhookHandlers: Readonly<Record<string, WebhookHandler<unknown>>> = {
	[signNowWebhook.provider]: signNowWebhook,
	[standardWebhooks.provider]: standardWebhooks,
};

export type { CanonicalEvent, CanonicalEventType } from './events';
export { CANONICAL_EVENT_TYPES } from './events';
export { WebhookRejection, type InboundWebhook, type WebhookHandler } from './webhook';
