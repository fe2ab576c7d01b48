/**
 * Dropbox Sign embedded signing: `GET /embedded/sign_url/{signature_id}` answers a short-lived
 * `sign_url` for one signer, but only of a request created with an API app's `client_id`
 * (`create_embedded…`); requests sent by email have no embedded link. The credential's
 * "Embedded Signing Client ID" names that app: with it set, Send From Template creates embedded
 * requests (no email to the signers) whose links Get Signing Link returns.
 */
import { ProviderInputError, type ProviderClient, type SigningLink, type SigningLinkInput } from '../adapter';
import type { DropboxSignRequest } from './api';

export function embeddedClientId(credentials: Readonly<Record<string, unknown>>): string | undefined {
	const value = typeof credentials.embeddedClientId === 'string' ? credentials.embeddedClientId.trim() : '';
	return value || undefined;
}

export async function signingLink(client: ProviderClient, input: SigningLinkInput): Promise<SigningLink> {
	if (!embeddedClientId(client.credentials)) {
		throw new ProviderInputError(
			'Dropbox Sign gives signing links only for embedded signature requests',
			'Create an API app in Dropbox Sign, put its Client ID in the credential\'s "Embedded Signing Client ID", then send from a template again: requests created that way are embedded and have signing links.',
		);
	}
	if (input.returnUrl) {
		throw new ProviderInputError(
			'Dropbox Sign takes no return URL for an embedded signing link',
			'Where the signer goes after signing is set by the page that embeds the link (hellosign-embedded\'s redirectTo) or by the request\'s signing_redirect_url: leave "Return URL" empty.',
		);
	}
	const { signature_request: request } = await client.request<{ signature_request: DropboxSignRequest }>({
		method: 'GET',
		path: `/signature_request/${encodeURIComponent(input.documentId)}`,
	});
	const signatures = request.signatures ?? [];
	const signature = signatures.find((s) => s.signer_email_address.toLowerCase() === input.email.trim().toLowerCase());
	if (!signature) {
		throw new ProviderInputError(
			`${input.email} is not a signer of signature request ${input.documentId}`,
			`Its signers are ${signatures.map((s) => s.signer_email_address).join(', ') || '(none)'}.`,
		);
	}
	if (signature.status_code === 'signed') {
		throw new ProviderInputError(`${input.email} has already signed signature request ${input.documentId}`);
	}
	const answer = await client.request<{ embedded: { sign_url: string; expires_at?: number | null } }>({
		method: 'GET',
		path: `/embedded/sign_url/${encodeURIComponent(signature.signature_id)}`,
	});
	return {
		documentId: input.documentId,
		email: signature.signer_email_address,
		url: answer.embedded.sign_url,
		expiresAt: answer.embedded.expires_at ? new Date(answer.embedded.expires_at * 1000).toISOString() : undefined,
		raw: answer,
	};
}
