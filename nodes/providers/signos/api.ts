/**
 * The E-Signature node's SignOS adapter (seed 002): `Authorization: Bearer so_live_…` (the
 * credential's job), JSON over HTTPS under `/v1`.
 *
 * - Upload = the presigned flow: `GET /v1/upload/presigned-url` → `PUT` the PDF straight to
 *   the returned R2 URL (no API key on that request: the URL is its own authorisation) →
 *   `POST /v1/documents` with the `storageKey`, `send: false`, which creates the document as
 *   a draft so the node's Send step chooses the recipients.
 * - Send = `POST /v1/documents/{id}/send` with the recipients; Cancel = `POST …/void`.
 * - Get = `GET /v1/documents/{id}`; Download = `GET /v1/documents/{id}/download`.
 * - HTTP 429 carries Retry-After; the node's transport waits and retries (see `rateLimit`).
 *
 * SignOS recipients are people with a kind, not named slots: a signer's "role" is one of
 * `signer`, `approver` or `cc`.
 */
import {
	ProviderInputError,
	type DocumentDetails,
	type DocumentStatus,
	type ProviderAdapter,
} from '../adapter';

export const SIGNOS_API_BASE_URL = 'https://api.signosplatform.com';

type RecipientRole = 'signer' | 'approver' | 'cc';

interface SignOsRecipient {
	id: string;
	email: string;
	name?: string | null;
	role: RecipientRole;
	order?: number;
	status: string;
}

export interface SignOsDocument {
	id: string;
	title: string;
	status: string;
	recipients?: SignOsRecipient[];
	fields?: unknown[];
	createdAt?: string;
	updatedAt?: string;
}

const STATUSES: Record<string, DocumentStatus> = {
	draft: 'draft',
	sent: 'pending',
	viewed: 'pending',
	completed: 'completed',
	declined: 'declined',
	expired: 'expired',
	voided: 'cancelled',
};

const ROLES: readonly RecipientRole[] = ['signer', 'approver', 'cc'];

export function signOsBaseUrl(credentials: Readonly<Record<string, unknown>>): string {
	const custom = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	return (custom || SIGNOS_API_BASE_URL).replace(/\/+$/, '');
}

export function toDocumentDetails(document: SignOsDocument): DocumentDetails {
	const recipients = document.recipients ?? [];
	return {
		id: document.id,
		name: document.title,
		status: STATUSES[document.status] ?? 'pending',
		roles: recipients.map((r) => ({ id: r.id, name: r.role, signingOrder: r.order })),
		invites:
			document.status === 'draft'
				? []
				: recipients.map((r) => ({ id: r.id, email: r.email, role: r.role, status: r.status, signingOrder: r.order })),
		fieldCount: document.fields?.length ?? 0,
		createdAt: document.createdAt,
		updatedAt: document.updatedAt,
		raw: document,
	};
}

function recipientRole(role: string): RecipientRole {
	const normalized = role.trim().toLowerCase();
	if ((ROLES as readonly string[]).includes(normalized)) return normalized as RecipientRole;
	throw new ProviderInputError(
		`"${role}" is not a SignOS recipient role`,
		'SignOS recipients are "signer", "approver" or "cc": put one of these in "Role".',
	);
}

function documentPath(documentId: string, action = ''): string {
	return `/v1/documents/${encodeURIComponent(documentId)}${action}`;
}

export const signOsAdapter: ProviderAdapter = {
	provider: 'signos',
	displayName: 'SignOS',
	credentials: [{ value: 'apiKey', displayName: 'API Key', credentialType: 'signOsApi' }],
	baseUrl: signOsBaseUrl,

	errorMessage(_status, body) {
		const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
		if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
			const { message, code } = error as { message: string; code?: unknown };
			return typeof code === 'string' ? `${message} (${code})` : message;
		}
		return undefined;
	},

	// The seed: limits per API key on a rolling 60-second window, 429 with Retry-After.
	rateLimit: { maxRetries: 3, defaultRetryAfterMs: 5_000, maxWaitMs: 60_000 },

	document: {
		async upload(client, { file, extractFieldsFromTags }) {
			if (extractFieldsFromTags) {
				throw new ProviderInputError(
					'SignOS does not turn text tags into fields',
					'Turn off "Extract Fields From Text Tags"; SignOS takes field placements when the document is created.',
				);
			}
			if (file.mimeType !== 'application/pdf') {
				throw new ProviderInputError(
					`SignOS takes PDF files, not ${file.mimeType}`,
					'Convert the file to PDF first, or check that the binary property holds the PDF.',
				);
			}
			const presigned = await client.request<{ url: string; storageKey: string }>({
				method: 'GET',
				path: '/v1/upload/presigned-url',
				query: { fileName: file.fileName, contentType: file.mimeType },
			});
			// The presigned URL authorises the PUT by itself; an API key next to it is refused.
			await client.request({
				method: 'PUT',
				path: presigned.url,
				body: { kind: 'binary', data: file.data, mimeType: file.mimeType },
				auth: 'none',
				response: 'none',
			});
			const title = file.fileName.replace(/\.[^.]+$/, '') || 'Document';
			const created = await client.request<SignOsDocument>({
				method: 'POST',
				path: '/v1/documents',
				body: { kind: 'json', data: { title, storageKey: presigned.storageKey, recipients: [], send: false } },
			});
			return { id: created.id, name: created.title, raw: created };
		},

		async get(client, documentId) {
			return toDocumentDetails(await client.request<SignOsDocument>({ method: 'GET', path: documentPath(documentId) }));
		},

		async download(client, { documentId }) {
			const file = await client.request({ method: 'GET', path: documentPath(documentId, '/download'), response: 'binary' });
			return {
				data: file.data,
				fileName: file.fileName ?? `${documentId}.pdf`,
				mimeType: file.mimeType ?? 'application/pdf',
			};
		},
	},

	invite: {
		async send(client, { documentId, signers, subject, message, expirationDays }) {
			const recipients = signers.map((signer, index) => ({
				email: signer.email,
				role: recipientRole(signer.role),
				order: signer.order ?? index + 1,
			}));
			const sent = await client.request<SignOsDocument>({
				method: 'POST',
				path: documentPath(documentId, '/send'),
				body: {
					kind: 'json',
					data: {
						recipients,
						...(subject ? { subject } : {}),
						...(message ? { message } : {}),
						...(expirationDays ? { expiresInDays: expirationDays } : {}),
					},
				},
			});
			return { documentId: sent.id, status: sent.status, raw: sent };
		},

		async cancel(client, { documentId, reason }) {
			const voided = await client.request<SignOsDocument>({
				method: 'POST',
				path: documentPath(documentId, '/void'),
				body: { kind: 'json', data: reason ? { reason } : {} },
			});
			return { documentId: voided.id, status: voided.status, raw: voided };
		},
	},

	webhook: {},
};
