/** What the trigger keeps in the workflow's static data between activation and deliveries. */
import type { IHookFunctions, IWebhookFunctions } from 'n8n-workflow';

import type { EventFilter } from './output';

export interface RelayState {
	/** The relay subscription this trigger created for its webhook URL. */
	subscriptionId?: string;
	/** Its Standard Webhooks signing secret (`whsec_…`), only ever returned at creation. */
	secret?: string;
}

export interface DirectState {
	/** The provider's ids of the event subscriptions registered for this trigger. */
	providerSubscriptionIds?: string[];
	/** The key the provider signs callbacks with, when the trigger generated it at registration. */
	providerSecret?: string;
	/** Set at registration (a provider that signs with a credential field leaves no secret here). */
	providerRegistered?: boolean;
	/** The webhook URL they were registered for. */
	providerCallbackUrl?: string;
}

export function readFilter(context: IHookFunctions | IWebhookFunctions): EventFilter {
	const eventTypes = (context.getNodeParameter('eventTypes', []) as string[]) ?? [];
	const documentId = String(context.getNodeParameter('documentId', '') ?? '').trim();
	return { eventTypes, documentId: documentId === '' ? undefined : documentId };
}
