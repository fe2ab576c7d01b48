/** The trigger's parameters. Mode decides who registers the webhook: the relay or the provider. */
import type { INodeProperties, INodeTypeDescription } from 'n8n-workflow';

import { CANONICAL_EVENT_TYPES } from '../providers/events';
import { authenticationProperty } from '../ESign/actions/authentication';
import { providerAdapters } from '../providers/adapters';
import { directProviders, downloadProviders } from './providers';
import { TRIGGER_DEFAULT_WAIT_FOR_FILE_SECONDS, TRIGGER_MAX_WAIT_FOR_FILE_SECONDS } from './attachment';
import { RELAY_CREDENTIAL } from './relay/api';

const EVENT_TYPE_LABELS: Record<(typeof CANONICAL_EVENT_TYPES)[number], [string, string]> = {
	'document.completed': ['Document Completed', 'Every signer has signed; the signed PDF is ready'],
	'document.viewed': ['Document Viewed', 'A recipient opened the document'],
	'document.updated': ['Document Updated', 'The document or its fields changed'],
	'document.deleted': ['Document Deleted', 'The document was deleted'],
	'invite.sent': ['Invite Sent', 'A signing invite was sent'],
	'invite.signed': ['Invite Signed', 'One signer finished their part'],
	'invite.declined': ['Invite Declined', 'A signer declined to sign'],
	'invite.expired': ['Invite Expired', 'An invite expired before it was signed'],
	other: ['Other', 'A provider event with no canonical meaning (delivered as is)'],
};

export const eventTypeOptions = CANONICAL_EVENT_TYPES.map((value) => ({
	name: EVENT_TYPE_LABELS[value][0],
	value,
	description: EVENT_TYPE_LABELS[value][1],
}));

/** One Authentication choice per provider, shown whenever that provider's credential is used. */
const authenticationProperties: INodeProperties[] = providerAdapters.map((adapter) =>
	authenticationProperty(adapter, { provider: [adapter.provider] }),
);

export const triggerCredentials: INodeTypeDescription['credentials'] = [
	{ name: RELAY_CREDENTIAL, required: true, displayOptions: { show: { mode: ['relay'] } } },
	// Each provider's credentials, shown once that provider (direct mode, or the signed PDF) is chosen.
	...providerAdapters.flatMap((adapter) =>
		adapter.credentials.map((option) => ({
			name: option.credentialType,
			required: true,
			displayOptions: { show: { provider: [adapter.provider], authentication: [option.value] } },
		})),
	),
];

const toOption = (adapter: { displayName: string; provider: string }) => ({
	name: adapter.displayName,
	value: adapter.provider,
});

export const triggerProperties: INodeProperties[] = [
	{
		displayName: 'Mode',
		name: 'mode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Via Relay (Recommended)',
				value: 'relay',
				description:
					'Your relay receives the provider’s callbacks, stores them and hands them to n8n at a pace it can take; nothing is lost while n8n is down',
			},
			{
				name: 'Direct',
				value: 'direct',
				description:
					'This n8n registers its own webhook with the provider; callbacks sent while n8n is down are lost',
			},
		],
		default: 'relay',
	},
	{
		displayName:
			'A captured delivery can be replayed into this workflow while its signature is fresh (5 minutes via the relay, 10 in direct mode). Where a second run matters, put a Remove Duplicates node after this trigger: Operation "Remove Items Processed in Previous Executions", Keep Items Where "Value Is New", Value to Dedupe On {{ $json.webhookId }} (source and event ID: two accounts can send equal event IDs).',
		name: 'replayNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Sources',
		name: 'sources',
		type: 'string',
		default: '',
		placeholder: 'signnow-production, signnow-sandbox',
		description:
			'Names of the relay sources (provider endpoints configured in the relay) to listen to, separated by commas. Empty listens to all.',
		displayOptions: { show: { mode: ['relay'] } },
	},
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: directProviders.map(toOption),
		default: 'signnow',
		description: 'The provider n8n registers its webhook with',
		displayOptions: { show: { mode: ['direct'] } },
	},
	{
		displayName: 'Event Types',
		name: 'eventTypes',
		type: 'multiOptions',
		options: eventTypeOptions,
		default: ['document.completed'],
		description: 'Which events start the workflow. Empty starts it on every event.',
	},
	{
		displayName: 'Document ID',
		name: 'documentId',
		type: 'string',
		default: '',
		description: 'Only events about this document. Empty means every document.',
	},
	{
		displayName: 'Attach Signed PDF',
		name: 'attachSignedPdf',
		type: 'boolean',
		default: false,
		description:
			'Whether to download the signed PDF when a document is completed and attach it as binary data (uses the provider credential)',
	},
	{
		displayName: 'Provider',
		name: 'provider',
		type: 'options',
		noDataExpression: true,
		options: downloadProviders.map(toOption),
		default: 'signnow',
		description: 'The provider whose credential downloads the signed PDF (only its events will start the workflow)',
		displayOptions: { show: { mode: ['relay'], attachSignedPdf: [true] } },
	},
	{
		displayName:
			'Dropbox Sign signs only an event\'s time and type (event_hash), not the document, signer or anything else in it. Whoever captured one callback can send that time and type again, within the relay\'s max age, naming any document of your account: Attach Signed PDF would then download that document\'s signed PDF with your credential and hand it to the next node. Before acting on a Dropbox Sign event, read the signature request back from Dropbox Sign (Dropbox Sign node → Document → Get) and check it is complete.',
		name: 'dropboxSignNotice',
		type: 'notice',
		default: '',
		displayOptions: { show: { mode: ['relay'], attachSignedPdf: [true], provider: ['dropbox-sign'] } },
	},
	...authenticationProperties,
	{
		displayName: 'Wait for File (Seconds)',
		name: 'waitForFileSeconds',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: TRIGGER_MAX_WAIT_FOR_FILE_SECONDS },
		default: TRIGGER_DEFAULT_WAIT_FOR_FILE_SECONDS,
		description:
			'How long to wait when the provider is still preparing the signed file (Dropbox Sign). The relay waits 10 s for the answer by default: past this wait the event fails and is delivered again later.',
		displayOptions: { show: { attachSignedPdf: [true] } },
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		description: 'The name of the binary field the signed PDF is stored in',
		displayOptions: { show: { attachSignedPdf: [true] } },
	},
];
