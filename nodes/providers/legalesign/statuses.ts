/**
 * Legalesign's status codes (apidocs.legalesign.com, "Troubleshooting" → reference tables)
 * and the canonical event each change to it means. A batched callback reports changes of
 * documents and of recipients (signers, approvers, witnesses) by resource URI.
 */
import type { CanonicalEventType } from '../events';

export type ResourceKind = 'document' | 'signer';

interface StatusMeaning {
	text: string;
	type: CanonicalEventType;
}

export const DOCUMENT_STATUSES: Record<string, StatusMeaning> = {
	'10': { text: 'initial state (check signer statuses for sent/unsent)', type: 'document.updated' },
	'20': { text: 'fields completed', type: 'document.updated' },
	'30': { text: 'signed / approved / witnessed', type: 'document.completed' },
	'40': { text: 'removed before signing', type: 'document.deleted' },
	'50': { text: 'rejected', type: 'invite.declined' },
};

export const SIGNER_STATUSES: Record<string, StatusMeaning> = {
	'4': { text: 'unsent', type: 'other' },
	'5': { text: 'scheduled to be sent', type: 'other' },
	'10': { text: 'sent', type: 'invite.sent' },
	// Opening the email is not opening the document; "visited" (20) is.
	'15': { text: 'email opened', type: 'other' },
	'20': { text: 'visited', type: 'document.viewed' },
	'30': { text: 'fields complete', type: 'document.updated' },
	'35': { text: 'fields complete except signature', type: 'document.updated' },
	'39': { text: 'waiting for a witness to complete', type: 'document.updated' },
	'40': { text: 'signed', type: 'invite.signed' },
	'50': { text: 'downloaded', type: 'other' },
	'60': { text: 'rejected', type: 'invite.declined' },
};

export function canonicalTypeOf(kind: ResourceKind, name: string, value: string): CanonicalEventType {
	if (name !== 'status') return 'other';
	const table = kind === 'document' ? DOCUMENT_STATUSES : SIGNER_STATUSES;
	return table[value]?.type ?? 'other';
}

const RESOURCE_URI = /^\/api\/v1\/(document|signer)\/([^/?#]+)\/?$/;

export function parseResourceUri(uri: string): { kind: ResourceKind; id: string } | undefined {
	const match = RESOURCE_URI.exec(uri);
	return match ? { kind: match[1] as ResourceKind, id: match[2] } : undefined;
}
