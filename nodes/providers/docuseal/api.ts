/**
 * The E-Signature node's DocuSeal adapter: DocuSeal's REST API behind the `ProviderAdapter`
 * contract. The `X-Auth-Token` header is the credential's job.
 *
 *   POST   /submissions/pdf            one-off submission from a PDF (base64) with fields and submitters; emails them
 *   GET    /submissions/{id}           status, submitters, combined_document_url (documents + audit log)
 *   GET    /submissions/{id}/documents?merge=true  { documents: [{ name, url }] }, the URL needs no token
 *   DELETE /submissions/{id}           archives the submission
 *   PUT    /submitters/{id}            { send_email: true } emails a submitter again; { completed_redirect_url } for a signing link
 *   GET    /templates[/{id}], POST /submissions  templates and what is sent from them (./templates.ts)
 * Errors: `{ error: "…" }` (401, 404, 422).
 *
 * DocuSeal orders signers one way or the other: `preserved` (one after another, in list order)
 * or `random` (everyone at once). Signing orders that mix both cannot be expressed.
 */
import {
	ProviderInputError,
	type DocumentDetails,
	type DocumentStatus,
	type FieldType,
	type ProviderAdapter,
	type ProviderClient,
	type SendForSignatureInput,
} from '../adapter';
import { assertSignersPresent, signerIndexOfField } from '../signature-request';
import { docuSealBaseUrl } from './environment';
import { bulkSend, createFromTemplate, getTemplate, listTemplates, toTemplateSummary } from './templates';

interface DocuSealSubmitter {
	id: number;
	email: string | null;
	name?: string | null;
	role: string;
	status: string;
	/** Opens this person's signing form: `<DocuSeal app>/s/<slug>`. */
	slug?: string;
	embed_src?: string;
}

export interface DocuSealSubmission {
	id: number;
	name?: string | null;
	status: string;
	archived_at?: string | null;
	created_at?: string;
	updated_at?: string;
	combined_document_url?: string | null;
	audit_log_url?: string | null;
	completed_at?: string | null;
	submitters?: DocuSealSubmitter[];
	template?: { name?: string } | null;
}

const STATUSES: Record<string, DocumentStatus> = {
	pending: 'pending',
	completed: 'completed',
	declined: 'declined',
	expired: 'expired',
};

const FIELD_TYPES: Record<FieldType, string> = {
	signature: 'signature',
	initials: 'initials',
	text: 'text',
	date: 'date',
	checkbox: 'checkbox',
};

export function toDocumentDetails(submission: DocuSealSubmission): DocumentDetails {
	const submitters = submission.submitters ?? [];
	return {
		id: String(submission.id),
		name: submission.name ?? submission.template?.name ?? `Submission ${submission.id}`,
		// Archiving is DocuSeal's delete: the submission keeps its signing status otherwise.
		status: submission.archived_at ? 'cancelled' : (STATUSES[submission.status] ?? 'pending'),
		roles: submitters.map((submitter, index) => ({ id: String(submitter.id), name: submitter.role, signingOrder: index + 1 })),
		invites: submitters.map((submitter) => ({
			id: String(submitter.id),
			email: submitter.email ?? '',
			role: submitter.role,
			status: submitter.status,
		})),
		createdAt: submission.created_at,
		updatedAt: submission.updated_at,
		raw: submission,
	};
}

function submissionPath(documentId: string, suffix = ''): string {
	if (!/^\d+$/.test(documentId)) {
		throw new ProviderInputError(`"${documentId}" is not a DocuSeal submission ID`, 'DocuSeal submission IDs are numbers, e.g. 1024.');
	}
	return `/submissions/${documentId}${suffix}`;
}

async function getSubmission(client: ProviderClient, documentId: string, include?: string): Promise<DocuSealSubmission> {
	return await client.request<DocuSealSubmission>({ method: 'GET', path: submissionPath(documentId), query: { include } });
}

function submitterByEmail(submission: DocuSealSubmission, email: string): DocuSealSubmitter {
	const submitter = submission.submitters?.find((s) => (s.email ?? '').toLowerCase() === email.trim().toLowerCase());
	if (!submitter) {
		const emails = (submission.submitters ?? []).map((s) => s.email).filter(Boolean).join(', ');
		throw new ProviderInputError(`${email} is not a submitter of DocuSeal submission ${submission.id}`, emails ? `Submitters: ${emails}.` : undefined);
	}
	return submitter;
}

/**
 * Where DocuSeal's signing forms live: the web app that serves the API (`https://host/api` → `https://host`;
 * the clouds' `api.` hosts → the app hosts, as DocuSeal's `embed_src` values show: `https://docuseal.com/s/<slug>`).
 */
export function docuSealAppUrl(baseUrl: string): string {
	const url = new URL(baseUrl);
	if (/^api\./.test(url.hostname)) return `${url.protocol}//${url.hostname.slice(4)}${url.port ? `:${url.port}` : ''}`;
	return `${url.origin}${url.pathname.replace(/\/api\/?$/, '').replace(/\/+$/, '')}`;
}

/** `preserved` for a strict sequence, `random` for everyone at once; signers sorted for `preserved`. */
function submitterOrder(input: SendForSignatureInput): { order: 'preserved' | 'random'; signers: SendForSignatureInput['signers'] } {
	const given = input.signers.map((signer) => signer.order).filter((order): order is number => order !== undefined);
	const distinct = new Set(given).size;
	if (given.length === 0 || (given.length === input.signers.length && distinct === 1)) {
		return { order: 'random', signers: input.signers };
	}
	if (given.length === input.signers.length && distinct === given.length) {
		return { order: 'preserved', signers: [...input.signers].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)) };
	}
	throw new ProviderInputError(
		'DocuSeal cannot mix parallel and sequential signing',
		'Give every signer a different signing order (one after another), or leave them all at 0 (everyone at once).',
	);
}

export function submissionFromPdf(input: SendForSignatureInput): Record<string, unknown> {
	assertSignersPresent(input.signers);
	if (input.fields.length === 0 && !input.extractFieldsFromTags) {
		throw new ProviderInputError(
			'DocuSeal needs fields to sign',
			'Add fields, or write DocuSeal text tags such as {{Signature;role=Signer 1;type=signature}} in the PDF and turn on "Extract Fields From Text Tags".',
		);
	}
	const { order, signers } = submitterOrder(input);
	const name = input.title ?? input.file.fileName.replace(/\.pdf$/i, '');
	const fields = input.fields.map((field, index) => {
		const signer = input.signers[signerIndexOfField(input.signers, field, index + 1)];
		return {
			name: field.label ?? `${field.type} ${index + 1}`,
			type: FIELD_TYPES[field.type],
			role: signer.role,
			required: field.required,
			// DocuSeal takes pixel coordinates at 72 DPI from the top-left: the same numbers as points.
			areas: [{ x: field.x, y: field.y, w: field.width, h: field.height, page: field.page }],
		};
	});
	const message = input.subject || input.message ? { subject: input.subject, body: input.message } : undefined;
	return {
		name,
		send_email: true,
		order,
		documents: [
			{
				name,
				file: input.file.data.toString('base64'),
				...(fields.length > 0 ? { fields } : {}),
			},
		],
		submitters: signers.map((signer) => ({ role: signer.role, email: signer.email, name: signer.name })),
		...(message ? { message } : {}),
	};
}

export const docuSealAdapter: ProviderAdapter = {
	provider: 'docuseal',
	displayName: 'DocuSeal',
	credentials: [{ value: 'apiKey', displayName: 'API Key', credentialType: 'docuSealApi' }],
	baseUrl(credentials) {
		const url = docuSealBaseUrl(credentials);
		if (url === '') {
			throw new ProviderInputError(
				'The DocuSeal credential has no Base URL',
				'For a self-hosted DocuSeal enter its address followed by /api, e.g. https://docuseal.example.com/api.',
			);
		}
		return url;
	},
	errorMessage(_status, body) {
		if (body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string') {
			return (body as { error: string }).error;
		}
		return undefined;
	},
	rateLimit: { maxRetries: 2, defaultRetryAfterMs: 5_000, maxWaitMs: 60_000 },

	document: {
		async get(client, documentId) {
			return toDocumentDetails(await getSubmission(client, documentId));
		},

		async download(client, { documentId, withHistory }) {
			let url: string | undefined;
			let fileName = `submission-${documentId}.pdf`;
			if (withHistory) {
				// DocuSeal builds the combined PDF on request only when asked to include it (unless the
				// account combines every result); without `include` a completed submission may answer null.
				url = (await getSubmission(client, documentId, 'combined_document_url')).combined_document_url ?? undefined;
				if (!url) throw new ProviderInputError(`DocuSeal has no combined document with the audit log for submission ${documentId} yet`);
			} else {
				const answer = await client.request<{ documents?: Array<{ name: string; url: string }> }>({
					method: 'GET',
					path: submissionPath(documentId, '/documents'),
					query: { merge: true },
				});
				const first = answer.documents?.[0];
				if (!first) throw new ProviderInputError(`DocuSeal returned no document for submission ${documentId}`);
				url = first.url;
				fileName = `${first.name}.pdf`;
			}
			// The document URL is signed by DocuSeal: it must not carry the API key elsewhere.
			const file = await client.request({ method: 'GET', path: url, response: 'binary', auth: 'none' });
			return { data: file.data, mimeType: 'application/pdf', fileName: file.fileName ?? fileName };
		},

		async delete(client, documentId) {
			await client.request({ method: 'DELETE', path: submissionPath(documentId) });
		},

		/** The audit log PDF (`audit_log_url`), which DocuSeal has once every submitter has completed. */
		async auditCertificate(client, documentId) {
			const submission = await getSubmission(client, documentId);
			if (!submission.audit_log_url) {
				throw new ProviderInputError(
					`DocuSeal submission ${documentId} has no audit log yet`,
					`DocuSeal writes the audit log when every submitter has completed; the submission is ${submission.status}.`,
				);
			}
			const file = await client.request({ method: 'GET', path: submission.audit_log_url, response: 'binary', auth: 'none' });
			return { data: file.data, mimeType: 'application/pdf', fileName: file.fileName ?? `submission-${documentId}-audit-log.pdf` };
		},
	},

	template: {
		list: listTemplates,
		async get(client, templateId) {
			return toTemplateSummary(await getTemplate(client, templateId));
		},
	},

	invite: {
		/**
		 * The submitter's signing form. With a return URL the submitter is updated
		 * (`completed_redirect_url`) and DocuSeal's answer carries the `embed_src`; otherwise the link
		 * is the app's `/s/<slug>`, which is what `embed_src` holds.
		 */
		async signingLink(client, { documentId, email, returnUrl }) {
			const submission = await getSubmission(client, documentId);
			const submitter = submitterByEmail(submission, email);
			if (submitter.status === 'completed' || submitter.status === 'declined') {
				throw new ProviderInputError(`${email} has already ${submitter.status === 'completed' ? 'signed' : 'declined'} DocuSeal submission ${documentId}`, 'A signing link is only useful to someone who has not signed yet.');
			}
			let url: string | undefined;
			let raw: unknown = submitter;
			if (returnUrl) {
				const updated = await client.request<DocuSealSubmitter>({
					method: 'PUT',
					path: `/submitters/${submitter.id}`,
					body: { kind: 'json', data: { completed_redirect_url: returnUrl } },
				});
				url = updated.embed_src;
				raw = updated;
			}
			url ??= submitter.embed_src;
			if (!url) {
				if (!submitter.slug) throw new ProviderInputError(`DocuSeal did not return a signing link for ${email}`);
				url = `${docuSealAppUrl(docuSealBaseUrl(client.credentials))}/s/${encodeURIComponent(submitter.slug)}`;
			}
			return { documentId, email: submitter.email ?? email, url, raw };
		},
	},

	// DocuSeal's API has no webhook endpoints: webhooks are set in Settings → Webhooks (docs/providers/docuseal.md).
	webhook: {},

	signatureRequest: {
		async send(client, input) {
			const created = await client.request<{ id: number }>({
				method: 'POST',
				path: '/submissions/pdf',
				body: { kind: 'json', data: submissionFromPdf(input) },
			});
			return toDocumentDetails(await getSubmission(client, String(created.id)));
		},

		async remind(client, { documentId, email }) {
			const submission = await getSubmission(client, documentId);
			const submitter = submission.submitters?.find((s) => (s.email ?? '').toLowerCase() === email.toLowerCase());
			if (!submitter) throw new ProviderInputError(`${email} is not a submitter of DocuSeal submission ${documentId}`);
			await client.request({
				method: 'PUT',
				path: `/submitters/${submitter.id}`,
				body: { kind: 'json', data: { send_email: true } },
			});
			return toDocumentDetails(await getSubmission(client, documentId));
		},

		async sendFromTemplate(client, input) {
			return toDocumentDetails(await getSubmission(client, String(await createFromTemplate(client, input))));
		},

		bulkSend,
	},
};
