/**
 * Builds one provider's own trigger (SignNow Trigger, DocuSign Trigger…) from its adapter: the
 * relay or, where the provider supports it, direct registration; that provider's credentials
 * only; its events listed in its own words beside the canonical type the workflow receives.
 * The parameters are the provider-agnostic trigger's (`description.ts`), narrowed to the provider.
 */
import {
	NodeConnectionTypes,
	type INodeProperties,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { authenticationProperty } from '../ESign/actions/authentication';
import type { ProviderAdapter } from '../providers/adapter';
import { eventTypeOptions, triggerProperties } from './description';
import { directProviders, providerEventTypes } from './providers';
import { RELAY_CREDENTIAL } from './relay/api';
import { triggerWebhook, triggerWebhookMethods } from './trigger';

/** How many of the provider's event names fit beside the label; the description lists them all. */
const NAMES_IN_LABEL = 2;

/** The Event Types choices: the canonical types this provider's events reach, named in its words. */
export function providerEventTypeOptions(adapter: ProviderAdapter): INodeProperties['options'] {
	const table = providerEventTypes[adapter.provider] ?? {};
	return eventTypeOptions.flatMap((option) => {
		if (option.value === 'other') {
			return [{ ...option, description: `Any other ${adapter.displayName} event, delivered as is` }];
		}
		const names = Object.keys(table)
			.filter((event) => table[event] === option.value)
			.sort((a, b) => a.length - b.length || a.localeCompare(b));
		if (names.length === 0) return [];
		const shown = names.slice(0, NAMES_IN_LABEL).join(', ') + (names.length > NAMES_IN_LABEL ? ', …' : '');
		return [
			{
				name: `${option.name} (${shown})`,
				value: option.value,
				description: `${option.description}. ${adapter.displayName} events: ${names.join(', ')}.`,
			},
		];
	});
}

function supportsDirect(adapter: ProviderAdapter): boolean {
	return directProviders.some((candidate) => candidate.provider === adapter.provider);
}

/** When the trigger needs the provider credential: direct mode, or downloading the signed PDF. */
type Show = NonNullable<NonNullable<INodeProperties['displayOptions']>['show']>;

function credentialNeeded(adapter: ProviderAdapter): Show[] {
	const when: Show[] = [{ mode: ['relay'], attachSignedPdf: [true] }];
	if (supportsDirect(adapter)) when.unshift({ mode: ['direct'] });
	return when;
}

function authenticationProperties(adapter: ProviderAdapter): INodeProperties[] {
	// The Authentication choice shows whenever the provider credential is needed.
	return credentialNeeded(adapter).map((show) => {
		if (adapter.credentials.length > 1) return authenticationProperty(adapter, show);
		const only: INodeProperties = { displayName: 'Authentication', name: 'authentication', type: 'hidden', default: '', displayOptions: { show } };
		only.default = adapter.credentials[0].value;
		return only;
	});
}

/** A shared parameter written for some providers only (a notice about one provider's scheme). */
function appliesTo(property: INodeProperties, adapter: ProviderAdapter): boolean {
	const providers = property.displayOptions?.show?.provider as unknown[] | undefined;
	return providers === undefined || providers.includes(adapter.provider);
}

/**
 * The shared trigger's parameters, in their order, as this provider's trigger shows them: the
 * provider fixed (a hidden parameter the shared code reads), Mode only where direct mode exists,
 * its own events and credentials; any other shared parameter (notices included) that applies
 * to the provider is kept as it is.
 */
function triggerProviderProperties(adapter: ProviderAdapter): INodeProperties[] {
	const canDownload = typeof adapter.document.download === 'function';
	const properties: INodeProperties[] = [];
	for (const property of triggerProperties) {
		switch (property.name) {
			case 'mode': {
				// Relay only: the parameter the shared code and display conditions read, without a field.
				properties.push(supportsDirect(adapter) ? property : { displayName: 'Mode', name: 'mode', type: 'hidden', default: 'relay' });
				// The provider is fixed: the shared direct-mode and PDF code read it from this parameter.
				const provider: INodeProperties = { displayName: 'Provider', name: 'provider', type: 'hidden', default: '' };
				provider.default = adapter.provider;
				properties.push(provider);
				break;
			}
			case 'provider':
			case 'authentication':
				// Fixed above; this provider's own Authentication choice comes with the PDF field.
				break;
			case 'eventTypes':
				properties.push({
					...property,
					options: providerEventTypeOptions(adapter),
					description: `Which ${adapter.displayName} events start the workflow (the workflow receives the canonical type). Empty starts it on every event.`,
				});
				break;
			case 'attachSignedPdf':
				if (canDownload) {
					properties.push({
						...property,
						description: `Whether to download the signed PDF from ${adapter.displayName} when a document is completed and attach it as binary data (uses the ${adapter.displayName} credential)`,
					});
				}
				break;
			case 'waitForFileSeconds':
				if (canDownload) properties.push(property);
				break;
			case 'binaryPropertyName':
				properties.push(...authenticationProperties(adapter));
				if (canDownload) properties.push(property);
				break;
			default:
				if (appliesTo(property, adapter)) properties.push(property);
		}
	}
	if (!properties.some((property) => property.name === 'authentication')) properties.push(...authenticationProperties(adapter));
	return properties;
}

function triggerProviderCredentials(adapter: ProviderAdapter): NonNullable<INodeTypeDescription['credentials']> {
	return [
		{ name: RELAY_CREDENTIAL, required: true, displayOptions: { show: { mode: ['relay'] } } },
		...adapter.credentials.map((option) => ({
			name: option.credentialType,
			required: true,
			displayOptions: { show: { authentication: [option.value] } },
		})),
	];
}

/** Everything of the description but what lint wants written in the trigger's own file. */
export type ProviderTriggerBase = Omit<INodeTypeDescription, 'displayName' | 'name' | 'icon' | 'subtitle' | 'inputs'>;

export function providerTriggerDescription(adapter: ProviderAdapter): ProviderTriggerBase {
	return {
		group: ['trigger'],
		version: 1,
		// n8n's nodes panel merges a node and its trigger into one entry and shows the trigger's
		// description there: it has to describe the provider's whole entry, not only the trigger.
		description: `E-signatures with ${adapter.displayName}: send documents for signature, download signed PDFs, and start workflows when they are signed, viewed or declined`,
		defaults: { name: `${adapter.displayName} Trigger` },
		outputs: [NodeConnectionTypes.Main],
		credentials: triggerProviderCredentials(adapter),
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: triggerProviderProperties(adapter),
	};
}

/** The trigger's activation hooks and webhook handler, bound to this provider. */
export function providerTriggerMethods(adapter: ProviderAdapter) {
	const behaviour = { provider: adapter.provider };
	return { webhookMethods: triggerWebhookMethods(behaviour), webhook: triggerWebhook(behaviour) };
}
