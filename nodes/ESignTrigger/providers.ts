/**
 * The providers the trigger can use. Every adapter in the registry can supply the signed PDF
 * (when it can download); direct mode needs the adapter's `directWebhook` declaration, its
 * registration and deletion, the provider's pure webhook handler and its event table.
 */
import type { ProviderAdapter } from '../providers/adapter';
import { findAdapter, providerAdapters } from '../providers/adapters';
import { DOCUMENSO_EVENT_TYPES } from '../providers/documenso/webhook';
import { DOCUSEAL_EVENT_TYPES } from '../providers/docuseal/webhook';
import { DOCUSIGN_EVENT_TYPES } from '../providers/docusign/webhook';
import { DROPBOX_SIGN_EVENT_TYPES } from '../providers/dropbox-sign/webhook';
import type { CanonicalEventType } from '../providers/events';
import { SIGNNOW_EVENT_TYPES } from '../providers/signnow/webhook';
import { SIGNOS_EVENT_TYPES } from '../providers/signos/webhook';
import type { WebhookHandler } from '../providers/webhook';
import { webhookHandlers } from '../providers/webhooks';

/**
 * Each provider's own event names and the canonical type each becomes (the tables its webhook
 * module normalizes with), so its trigger can show the provider's words beside the canonical
 * type. A provider's trigger offers the canonical types its table reaches, plus `other`.
 */
export const providerEventTypes: Readonly<Record<string, Readonly<Record<string, CanonicalEventType>>>> = {
	signnow: SIGNNOW_EVENT_TYPES,
	documenso: DOCUMENSO_EVENT_TYPES,
	docuseal: DOCUSEAL_EVENT_TYPES,
	'dropbox-sign': DROPBOX_SIGN_EVENT_TYPES,
	docusign: DOCUSIGN_EVENT_TYPES,
	signos: SIGNOS_EVENT_TYPES,
};

export interface TriggerProvider {
	adapter: ProviderAdapter;
	handler?: WebhookHandler<unknown>;
	canonicalType?: (providerEvent: string) => CanonicalEventType | undefined;
}

export function triggerProvider(name: string): TriggerProvider | undefined {
	const adapter = findAdapter(name);
	if (!adapter) return undefined;
	const table = providerEventTypes[name];
	return { adapter, handler: webhookHandlers[name], canonicalType: table ? (event) => table[event] : undefined };
}

/**
 * Providers n8n can register its own webhook with: the adapter declares Direct mode
 * (`directWebhook`) and implements registering and deleting, and there is a handler to verify
 * the callbacks with and a table of what its events mean.
 */
export function offersDirect(adapter: ProviderAdapter): boolean {
	return (
		adapter.directWebhook !== undefined &&
		typeof adapter.webhook.register === 'function' &&
		typeof adapter.webhook.delete === 'function' &&
		webhookHandlers[adapter.provider] !== undefined &&
		providerEventTypes[adapter.provider] !== undefined
	);
}

export const directProviders: readonly ProviderAdapter[] = providerAdapters.filter((adapter) => offersDirect(adapter));

/** Providers whose signed PDF the trigger can attach. */
export const downloadProviders: readonly ProviderAdapter[] = providerAdapters.filter(
	(adapter) => typeof adapter.document.download === 'function',
);

/** The provider events to register so that every chosen canonical type arrives (empty = all). */
export function providerEventsFor(provider: TriggerProvider, eventTypes: readonly string[]): string[] {
	const offered = (provider.adapter.webhookEvents ?? []).map((event) => event.value);
	if (eventTypes.length === 0) return offered;
	return offered.filter((event) => {
		const type = provider.canonicalType?.(event);
		return type !== undefined && eventTypes.includes(type);
	});
}
