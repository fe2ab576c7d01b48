/**
 * Every provider's webhook handler by provider type: the one list the relay consults to
 * verify and normalize an incoming callback. Adding a provider adds one line here.
 * Each is built with `defineWebhookHandler`, so no event leaves it with an access token.
 */
import { documensoWebhook } from './documenso/webhook';
import { docusealWebhook } from './docuseal/webhook';
import { docusignWebhook } from './docusign/webhook';
import { dropboxSignWebhook } from './dropbox-sign/webhook';
import { signNowWebhook } from './signnow/webhook';
import { standardWebhooks } from './standard-webhooks/webhook';
import { isDefinedHandler, type WebhookHandler } from './webhook';
import { genericHmacWebhook } from './generic-hmac/webhook';
import { legalesignWebhook } from './legalesign/webhook';
import { signOsWebhook } from './signos/webhook';

export const webhookHandlers: Readonly<Record<string, WebhookHandler<unknown>>> = {
	[signNowWebhook.provider]: signNowWebhook,
	[documensoWebhook.provider]: documensoWebhook,
	[docusealWebhook.provider]: docusealWebhook,
	[dropboxSignWebhook.provider]: dropboxSignWebhook,
	[docusignWebhook.provider]: docusignWebhook,
	[standardWebhooks.provider]: standardWebhooks,
	[genericHmacWebhook.provider]: genericHmacWebhook,
	[legalesignWebhook.provider]: legalesignWebhook,
	[signOsWebhook.provider]: signOsWebhook,
};

for (const handler of Object.values(webhookHandlers)) {
	// A handler built another way would forward tokens: fail at load, not in production.
	if (!isDefinedHandler(handler)) {
		throw new Error(`The ${handler.provider} webhook handler must be built with defineWebhookHandler.`);
	}
}

export type { CanonicalEvent, CanonicalEventType } from './events';
export { CANONICAL_EVENT_TYPES } from './events';
export { WebhookRejection, type InboundWebhook, type WebhookHandler } from './webhook';
