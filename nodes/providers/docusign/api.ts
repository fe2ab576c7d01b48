/**
 * The E-Signature node's DocuSign adapter: eSignature REST API v2.1 behind the `ProviderAdapter`
 * contract. Every path is relative to `{base URI}/restapi/v2.1/accounts/{account id}`; the OAuth2
 * Bearer token is the credential's job (n8n refreshes it after a 401).
 *
 *   POST /envelopes                         create + send in one call (document as base64, signers with tabs, status "sent")
 *   GET  /envelopes/{id}?include=recipients status, recipients
 *   PUT  /envelopes/{id}                    { status: "voided", voidedReason } voids it
 *   GET  /envelopes/{id}/documents/combined all documents as one PDF (`certificate=true` adds the certificate of completion)
 *   PUT  /envelopes/{id}/recipients?resend_envelope=true  emails one pending signer again
 *   GET  /envelopes/{id}/documents/certificate  the certificate of completion alone
 *   POST /envelopes/{id}/views/recipient    an embedded signer's signing URL (lives 5 minutes)
 * Templates: `templates.ts`; webhooks (Connect configurations): `connect.ts`; bulk send: `bulk-send.ts`.
 * Errors: `{ errorCode, message }`.
 */
import {
	ProviderInputError,
	type DocumentDetails,
	type DocumentStatus,
	type FieldInput,
	type FieldType,
	type ProviderAdapter,
	type ProviderClient,
	type SendForSignatureInput,
} from '../adapter';
import { assertSignersPresent, signerIndexOfField } from '../signature-request';
import { bulkSend } from './bulk-send';
import { CONNECT_EVENTS, deleteConnect, listConnect, registerConnect } from './connect';
import { docuSignAccountBaseUrl } from './environment';
import { embeddedClientUserId, getTemplate, listTemplates, templateEnvelopeDefinition, templateSummary } from './templates';

interface DocuSignRecipient {
	recipientId: string;
	recipientIdGuid?: string;
	email: string;
	name: string;
	roleName?: string;
	routingOrder?: string;
	status: string;
	/** Set on embedded recipients only: they sign through a recipient view, not from an email. */
	clientUserId?: string;
}

export interface DocuSignEnvelope {
	envelopeId: string;
	status: string;
	emailSubject?: string;
	createdDateTime?: string;
	lastModifiedDateTime?: string;
	statusChangedDateTime?: string;
	voidedReason?: string;
	recipients?: { signers?: DocuSignRecipient[] };
}

const STATUSES: Record<string, DocumentStatus> = {
	created: 'draft',
	sent: 'pending',
	delivered: 'pending',
	signed: 'pending',
	correct: 'pending',
	completed: 'completed',
	declined: 'declined',
	voided: 'cancelled',
	timedout: 'expired',
};

/** DocuSign's tab collections, one per field type. */
const TAB_GROUPS: Record<FieldType, string> = {
	signature: 'signHereTabs',
	initials: 'initialHereTabs',
	text: 'textTabs',
	date: 'dateSignedTabs',
	checkbox: 'checkboxTabs',
};

export function toDocumentDetails(envelope: DocuSignEnvelope): DocumentDetails {
	const signers = envelope.recipients?.signers ?? [];
	return {
		id: envelope.envelopeId,
		name: envelope.emailSubject ?? envelope.envelopeId,
		status: STATUSES[envelope.status] ?? 'pending',
		roles: signers
			.filter((signer) => signer.roleName)
			.map((signer) => ({
				id: signer.recipientId,
				name: signer.roleName as string,
				signingOrder: signer.routingOrder ? Number(signer.routingOrder) : undefined,
			})),
		invites: signers.map((signer) => ({
			id: signer.recipientId,
			email: signer.email,
			role: signer.roleName,
			status: signer.status,
			signingOrder: signer.routingOrder ? Number(signer.routingOrder) : undefined,
		})),
		createdAt: envelope.createdDateTime,
		updatedAt: envelope.lastModifiedDateTime ?? envelope.statusChangedDateTime,
		raw: envelope,
	};
}

async function getEnvelope(client: ProviderClient, envelopeId: string): Promise<DocuSignEnvelope> {
	return await client.request<DocuSignEnvelope>({
		method: 'GET',
		path: `/envelopes/${encodeURIComponent(envelopeId)}`,
		query: { include: 'recipients' },
	});
}

/** The envelope definition of `POST /envelopes` that creates and sends in one call. */
export function envelopeDefinition(input: SendForSignatureInput): Record<string, unknown> {
	assertSignersPresent(input.signers);
	if (input.extractFieldsFromTags) {
		throw new ProviderInputError(
			'DocuSign does not read text tags',
			'Turn off "Extract Fields From Text Tags" and place the fields, or leave them out: signers without fields place their own signature (free-form signing).',
		);
	}
	const title = input.title ?? input.file.fileName.replace(/\.pdf$/i, '');
	const tabs = input.signers.map(() => ({}) as Record<string, Array<Record<string, string>>>);
	input.fields.forEach((field, index) => {
		const signer = signerIndexOfField(input.signers, field, index + 1);
		// DocuSign positions tabs in pixels at 72 DPI from the top-left: the same numbers as points.
		const tab: Record<string, string> = field.anchor
			? anchorPosition(field.anchor, index + 1)
			: {
					documentId: '1',
					pageNumber: String(field.page),
					xPosition: String(Math.round(field.x)),
					yPosition: String(Math.round(field.y)),
				};
		tab.tabLabel = field.label ?? `${field.type}_${index + 1}`;
		if (field.type === 'text' || field.type === 'date') {
			tab.width = String(Math.round(field.width));
			tab.height = String(Math.round(field.height));
		}
		// DocuSign's schema: signHere/initialHere tabs take `optional`, text and checkbox tabs take
		// `required` (an `optional` there is ignored), dateSigned tabs take neither.
		if (field.type === 'signature' || field.type === 'initials') tab.optional = String(!field.required);
		if (field.type === 'text' || field.type === 'checkbox') tab.required = String(field.required);
		(tabs[signer][TAB_GROUPS[field.type]] ??= []).push(tab);
	});
	return {
		// DocuSign caps the subject at 100 characters.
		emailSubject: (input.subject ?? `Please sign: ${title}`).slice(0, 100),
		...(input.message ? { emailBlurb: input.message } : {}),
		documents: [
			{
				documentId: '1',
				name: title,
				fileExtension: 'pdf',
				documentBase64: input.file.data.toString('base64'),
			},
		],
		recipients: {
			signers: input.signers.map((signer, index) => ({
				recipientId: String(index + 1),
				email: signer.email,
				name: signer.name,
				roleName: signer.role,
				routingOrder: String(signer.order ?? 1),
				...(input.embeddedSigning ? { clientUserId: embeddedClientUserId(signer.email) } : {}),
				...(Object.keys(tabs[index]).length > 0 ? { tabs: tabs[index] } : {}),
			})),
		},
		status: 'sent',
	};
}

/**
 * An anchor tab: DocuSign puts it at every place the text occurs, in every document, offset in
 * pixels (72 per inch, so points). `anchorIgnoreIfNotPresent` stays false (DocuSign's default) so
 * a text the PDF lacks fails the send (ANCHOR_TAB_STRING_NOT_FOUND) instead of sending a document
 * without the field.
 */
function anchorPosition(anchor: NonNullable<FieldInput['anchor']>, fieldNumber: number): Record<string, string> {
	if (anchor.text.trim() === '') throw new ProviderInputError(`Field ${fieldNumber}: the anchor text is empty`);
	return {
		anchorString: anchor.text,
		anchorXOffset: String(Math.round(anchor.offsetX)),
		anchorYOffset: String(Math.round(anchor.offsetY)),
		anchorUnits: 'pixels',
		anchorIgnoreIfNotPresent: 'false',
	};
}

/**
 * Direct mode has no dedup store: every accepted copy of a Connect message runs the workflow, so
 * a captured message is accepted for minutes only (the relay's window is 60 h, covered by its
 * dedup). Connect's retries keep the first generatedDateTime and come 24 h later, so Direct mode
 * refuses them: a workflow that must not miss an event uses the relay.
 */
export const DOCUSIGN_DIRECT_MAX_AGE_SECONDS = 10 * 60;

/** How long DocuSign's recipient view URL can be opened after it is made. */
const RECIPIENT_VIEW_LIFETIME_MS = 5 * 60 * 1000;

export const docuSignAdapter: ProviderAdapter = {
	provider: 'docusign',
	displayName: 'DocuSign',
	credentials: [{ value: 'oAuth2', displayName: 'OAuth2 (Connect Button)', credentialType: 'docuSignOAuth2Api' }],
	baseUrl: docuSignAccountBaseUrl,
	errorMessage(_status, body) {
		if (body && typeof body === 'object') {
			const { errorCode, message } = body as { errorCode?: unknown; message?: unknown };
			if (typeof message === 'string') return typeof errorCode === 'string' ? `${message} (${errorCode})` : message;
			if (typeof errorCode === 'string') return errorCode;
		}
		return undefined;
	},
	// DocuSign's hourly API limit answers 429 with no Retry-After worth waiting a whole hour for.
	rateLimit: { maxRetries: 2, defaultRetryAfterMs: 5_000, maxWaitMs: 60_000 },
	webhookEvents: CONNECT_EVENTS,
	fieldPlacement: { anchorText: true },
	// Connect signs with the account's Connect HMAC keys, made in DocuSign Admin; no API call
	// lets the caller pick one, so the user copies one into the credential.
	directWebhook: { secret: { kind: 'credential', field: 'connectHmacSecret' }, handlerOptions: { maxAgeSeconds: DOCUSIGN_DIRECT_MAX_AGE_SECONDS } },

	document: {
		async get(client, documentId) {
			return toDocumentDetails(await getEnvelope(client, documentId));
		},

		async download(client, { documentId, withHistory }) {
			const file = await client.request({
				method: 'GET',
				path: `/envelopes/${encodeURIComponent(documentId)}/documents/combined`,
				query: { certificate: withHistory },
				response: 'binary',
			});
			return { data: file.data, mimeType: 'application/pdf', fileName: file.fileName ?? `${documentId}.pdf` };
		},

		// DocuSign renders the certificate on request, at any stage (it lists the events so far);
		// the combined PDF likewise exists from completion on, so nothing here is ever "not ready".
		async auditCertificate(client, documentId) {
			const file = await client.request({
				method: 'GET',
				path: `/envelopes/${encodeURIComponent(documentId)}/documents/certificate`,
				response: 'binary',
			});
			return { data: file.data, mimeType: 'application/pdf', fileName: file.fileName ?? `${documentId}-certificate.pdf` };
		},
	},

	template: {
		async list(client, input) {
			return await listTemplates(client, input);
		},
		async get(client, templateId) {
			return templateSummary(await getTemplate(client, templateId));
		},
	},

	invite: {
		async cancel(client, { documentId, reason }) {
			// DocuSign refuses to void without a reason; the signers see it in the void email.
			const voidedReason = reason ?? 'Voided by the sender';
			await client.request({
				method: 'PUT',
				path: `/envelopes/${encodeURIComponent(documentId)}`,
				body: { kind: 'json', data: { status: 'voided', voidedReason } },
			});
			return { documentId, status: 'voided', raw: { voidedReason } };
		},

		async signingLink(client, { documentId, email, returnUrl }) {
			if (!returnUrl || returnUrl.trim() === '') {
				throw new ProviderInputError(
					'DocuSign needs a Return URL for a signing link',
					'Set Options → Return URL: DocuSign sends the signer there after signing, with ?event=signing_complete (or decline, cancel…).',
				);
			}
			const envelope = await getEnvelope(client, documentId);
			const signer = envelope.recipients?.signers?.find((s) => s.email.toLowerCase() === email.trim().toLowerCase());
			if (!signer) {
				const emails = (envelope.recipients?.signers ?? []).map((s) => s.email).join(', ');
				throw new ProviderInputError(`${email} is not a signer of envelope ${documentId}`, emails ? `Its signers are: ${emails}.` : undefined);
			}
			if (!signer.clientUserId) {
				throw new ProviderInputError(
					`${email} is not an embedded signer, so DocuSign gives no signing link for them`,
					'DocuSign emails such signers their link. To sign inside your app, send the envelope with "Embedded Signing" on (it sets each signer\'s clientUserId; DocuSign then sends them no email).',
				);
			}
			const view = await client.request<{ url: string }>({
				method: 'POST',
				path: `/envelopes/${encodeURIComponent(documentId)}/views/recipient`,
				body: {
					kind: 'json',
					data: {
						returnUrl: returnUrl.trim(),
						authenticationMethod: 'none',
						email: signer.email,
						userName: signer.name,
						clientUserId: signer.clientUserId,
						recipientId: signer.recipientId,
					},
				},
			});
			return {
				documentId,
				email: signer.email,
				url: view.url,
				expiresAt: new Date(Date.now() + RECIPIENT_VIEW_LIFETIME_MS).toISOString(),
				raw: view,
			};
		},
	},

	webhook: {
		async register(client, input) {
			return await registerConnect(client, input);
		},
		async list(client) {
			return await listConnect(client);
		},
		async delete(client, subscriptionId) {
			await deleteConnect(client, subscriptionId);
		},
	},

	signatureRequest: {
		async send(client, input) {
			const created = await client.request<{ envelopeId: string; status: string }>({
				method: 'POST',
				path: '/envelopes',
				body: { kind: 'json', data: envelopeDefinition(input) },
			});
			return toDocumentDetails(await getEnvelope(client, created.envelopeId));
		},

		async sendFromTemplate(client, input) {
			// Read first: DocuSign ignores unknown roles and tab labels instead of refusing them.
			const template = await getTemplate(client, input.templateId);
			const created = await client.request<{ envelopeId: string; status: string }>({
				method: 'POST',
				path: '/envelopes',
				body: { kind: 'json', data: templateEnvelopeDefinition(template, input) },
			});
			return toDocumentDetails(await getEnvelope(client, created.envelopeId));
		},

		async bulkSend(client, input) {
			return await bulkSend(client, input);
		},

		async remind(client, { documentId, email }) {
			const envelope = await getEnvelope(client, documentId);
			const signer = envelope.recipients?.signers?.find((s) => s.email.toLowerCase() === email.toLowerCase());
			if (!signer) {
				throw new ProviderInputError(`${email} is not a signer of envelope ${documentId}`);
			}
			if (signer.status === 'completed' || signer.status === 'declined') {
				throw new ProviderInputError(`${email} has already ${signer.status === 'completed' ? 'signed' : 'declined'}`);
			}
			const answer = await client.request<{
				recipientUpdateResults?: Array<{ recipientId: string; errorDetails?: { errorCode?: string; message?: string } }>;
			}>({
				method: 'PUT',
				path: `/envelopes/${encodeURIComponent(documentId)}/recipients`,
				query: { resend_envelope: true },
				body: { kind: 'json', data: { signers: [{ recipientId: signer.recipientId, email: signer.email, name: signer.name }] } },
			});
			// Per-recipient failures come back inside a 200.
			const failed = answer.recipientUpdateResults?.find((result) => result.errorDetails?.errorCode && result.errorDetails.errorCode !== 'SUCCESS');
			if (failed) {
				throw new ProviderInputError(
					`DocuSign did not resend to ${email}: ${failed.errorDetails?.message ?? failed.errorDetails?.errorCode}`,
				);
			}
			return toDocumentDetails(await getEnvelope(client, documentId));
		},
	},
};
