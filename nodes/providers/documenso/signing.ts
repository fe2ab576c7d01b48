/**
 * Documenso signing links and certificates. A recipient signs at `<app>/sign/<token>`, the token
 * being the recipient's (`recipients[].token` of `GET /envelope/{id}`; the distribute and use
 * answers give it as `signingUrl`). The signing certificate is
 * `GET /envelope/{id}/certificate/download` (completed documents).
 */
import { ProviderInputError, type FilePayload, type ProviderClient, type SigningLink, type SigningLinkInput } from '../adapter';

interface Recipient {
	email: string;
	token?: string;
	role?: string;
	signingStatus?: string;
	sendStatus?: string;
}

/** The web app's origin: the API base URL without `/api/v2`. */
export function documensoAppUrl(apiBaseUrl: string): string {
	return apiBaseUrl.replace(/\/api\/v\d+(-beta)?$/, '');
}

export async function signingLink(client: ProviderClient, apiBaseUrl: string, input: SigningLinkInput): Promise<SigningLink> {
	if (input.returnUrl) {
		throw new ProviderInputError(
			'Documenso takes no return URL per signing link',
			'Documenso redirects signers to the document\'s "Redirect URL" (set on the template or document): leave "Return URL" empty.',
		);
	}
	const envelope = await client.request<{ id: string; status: string; recipients?: Recipient[] }>({
		method: 'GET',
		path: `/envelope/${encodeURIComponent(input.documentId)}`,
	});
	const recipients = envelope.recipients ?? [];
	const recipient = recipients.find((r) => r.email.toLowerCase() === input.email.trim().toLowerCase());
	if (!recipient) {
		throw new ProviderInputError(
			`${input.email} is not a recipient of document ${input.documentId}`,
			`Its recipients are ${recipients.map((r) => r.email).join(', ') || '(none)'}.`,
		);
	}
	if (envelope.status === 'DRAFT' || recipient.sendStatus === 'NOT_SENT') {
		throw new ProviderInputError(`Document ${input.documentId} has not been sent yet`, 'Send it first (Invite → Send); its signing links work from then on.');
	}
	if (!recipient.token) throw new ProviderInputError(`Documenso gave no signing token for ${input.email}`);
	return {
		documentId: envelope.id,
		email: recipient.email,
		url: `${documensoAppUrl(apiBaseUrl)}/sign/${encodeURIComponent(recipient.token)}`,
		raw: { envelopeId: envelope.id, email: recipient.email, role: recipient.role, signingStatus: recipient.signingStatus },
	};
}

export async function certificate(client: ProviderClient, documentId: string): Promise<FilePayload> {
	const file = await client.request({
		method: 'GET',
		path: `/envelope/${encodeURIComponent(documentId)}/certificate/download`,
		response: 'binary',
	});
	return { data: file.data, mimeType: 'application/pdf', fileName: file.fileName ?? `${documentId}_certificate.pdf` };
}
