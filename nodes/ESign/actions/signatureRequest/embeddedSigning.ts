import type { INodeProperties } from 'n8n-workflow';

/**
 * DocuSign's embedded recipients: a clientUserId set when the envelope is created makes DocuSign
 * send the signers no email and lets Invite → Get Signing Link make their signing URL. Shown on
 * the DocuSign node only (`forProvider` drops it elsewhere); one per operation that sends.
 */
export function embeddedSigningProperty(operation: 'send' | 'sendFromTemplate'): INodeProperties {
	return {
		displayName: 'Embedded Signing',
		name: 'embeddedSigning',
		type: 'boolean',
		default: false,
		description:
			'Whether the signers sign inside your app through Invite → Get Signing Link instead of from an email. DocuSign then emails them nothing; only embedded signers get signing links.',
		displayOptions: { show: { provider: ['docusign'], resource: ['signatureRequest'], operation: [operation] } },
	};
}

