/**
 * The contract between the E-Signature node and a provider. The node's operation files only
 * read parameters, call one of these methods and shape the output; everything a provider does
 * differently (paths, payloads, role ids, page numbering, error shapes) lives behind it, in
 * `nodes/providers/<provider>/`.
 *
 * Deliberately free of n8n types: an adapter talks HTTP through the `ProviderClient` it is
 * handed (the node's transport, which authenticates through n8n's request helpers), so the same
 * adapter can be driven from a test or another host.
 */

/* ------------------------------------------------------------------------------------------ */
/* Requests                                                                                    */
/* ------------------------------------------------------------------------------------------ */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One file part of a multipart body, or a file returned by a download. */
export interface FilePayload {
	data: Buffer;
	fileName: string;
	mimeType: string;
}

export type RequestBody =
	| { kind: 'json'; data: unknown }
	/** application/x-www-form-urlencoded */
	| { kind: 'form'; data: Record<string, string> }
	/** multipart/form-data; the transport encodes it (no runtime dependency needed). */
	| { kind: 'multipart'; fields?: Record<string, string>; files: Array<FilePayload & { field: string }> }
	/** Raw bytes, e.g. a PUT to a presigned upload URL. */
	| { kind: 'binary'; data: Buffer; mimeType: string };

export interface ProviderRequest {
	method: HttpMethod;
	/** Relative to the credential's API base URL (`/document/abc`), or an absolute URL. */
	path: string;
	query?: Record<string, string | number | boolean | undefined>;
	headers?: Record<string, string>;
	body?: RequestBody;
	/** `json` (default) parses the answer; `binary` returns a `BinaryResponse`; `none` ignores it. */
	response?: 'json' | 'binary' | 'none';
	/**
	 * `credential` (default) signs the request with the node's selected credential; `none` sends
	 * it as is (presigned URLs that must not receive an Authorization header).
	 */
	auth?: 'credential' | 'none';
}

export interface BinaryResponse {
	data: Buffer;
	mimeType?: string;
	/** From Content-Disposition when the provider sends one. */
	fileName?: string;
}

/**
 * What an adapter calls to reach its provider. The node's implementation authenticates, retries
 * HTTP 429 after the provider's Retry-After (see `ProviderAdapter.rateLimit`), and turns any
 * other HTTP failure into an n8n `NodeApiError` carrying the provider's message and status.
 */
export interface ProviderClient {
	request<T = unknown>(request: ProviderRequest & { response?: 'json' }): Promise<T>;
	request(request: ProviderRequest & { response: 'binary' }): Promise<BinaryResponse>;
	request(request: ProviderRequest & { response: 'none' }): Promise<void>;
	/** The decrypted credential the node selected (base URL, environment, account email…). */
	readonly credentials: Readonly<Record<string, unknown>>;
}

/**
 * A problem with what the user asked for, found by the adapter before or after calling the
 * provider (an unknown role name, a field on a page the document does not have). The node turns
 * it into a `NodeOperationError` with the description as the hint.
 */
export class ProviderInputError extends Error {
	constructor(
		message: string,
		readonly description?: string,
	) {
		super(message);
		this.name = 'ProviderInputError';
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Operation inputs and outputs (provider-neutral)                                             */
/* ------------------------------------------------------------------------------------------ */

export type FieldType = 'signature' | 'initials' | 'text' | 'date' | 'checkbox';

export const FIELD_TYPES: readonly FieldType[] = ['signature', 'initials', 'text', 'date', 'checkbox'];

export interface UploadDocumentInput {
	file: FilePayload;
	/** Ask the provider to turn text tags in the PDF (e.g. `{{t:s;r:y;o:"Signer 1";}}`) into fields. */
	extractFieldsFromTags: boolean;
}

export interface FieldInput {
	type: FieldType;
	/** The role (recipient slot) that fills the field, by name as the user wrote it. */
	role: string;
	/** 1-based, as people count pages; adapters convert to their provider's numbering. */
	page: number;
	/** Points from the top-left corner of the page. */
	x: number;
	y: number;
	width: number;
	height: number;
	required: boolean;
	label?: string;
	/**
	 * Place the field next to a text in the PDF instead of at coordinates (DocuSign anchor tabs,
	 * Documenso placeholders…). When set, `page`, `x` and `y` are ignored; the offsets move the
	 * field from the text's position, in points (right and down are positive). Only adapters with
	 * `fieldPlacement.anchorText` accept it; others raise a `ProviderInputError`.
	 */
	anchor?: FieldAnchor;
}

export interface FieldAnchor {
	/** The text in the PDF to put the field next to, e.g. `Signature:` or `/sn1/`. */
	text: string;
	offsetX: number;
	offsetY: number;
}

export interface AddFieldsInput {
	documentId: string;
	fields: FieldInput[];
}

/** `completed` means every signer has signed and the final PDF can be downloaded. */
export type DocumentStatus = 'draft' | 'pending' | 'completed' | 'declined' | 'expired' | 'cancelled';

export interface DocumentRole {
	/** The provider's id for the role (SignNow's `unique_id`). */
	id: string;
	name: string;
	signingOrder?: number;
}

export interface DocumentInvite {
	id?: string;
	email: string;
	role?: string;
	/** The provider's own status word (`pending`, `fulfilled`, `declined`…). */
	status: string;
	signingOrder?: number;
}

export interface DocumentDetails {
	id: string;
	name: string;
	status: DocumentStatus;
	pageCount?: number;
	roles: DocumentRole[];
	invites: DocumentInvite[];
	fieldCount?: number;
	createdAt?: string;
	updatedAt?: string;
	/** The provider's answer, for users who need a detail the summary does not carry. */
	raw: unknown;
}

export interface DocumentRef {
	id: string;
	name?: string;
	raw?: unknown;
}

export interface DownloadDocumentInput {
	documentId: string;
	/** Append the provider's audit trail / signing history to the PDF. */
	withHistory: boolean;
}

export interface SignerInput {
	email: string;
	/** Role name as shown in the document; the adapter resolves it to the provider's id. */
	role: string;
	/** 1-based signing order; signers sharing a number sign in parallel. */
	order?: number;
}

export interface InviteOptions {
	subject?: string;
	message?: string;
	/** Days until the invite expires. */
	expirationDays?: number;
	/** Days between reminder emails (0 = none). */
	reminderDays?: number;
	/** The sender's email when the provider needs it stated (SignNow's `from`). */
	from?: string;
}

export interface SendInviteInput extends InviteOptions {
	documentId: string;
	signers: SignerInput[];
}

export interface SendFreeFormInviteInput extends InviteOptions {
	documentId: string;
	to: string;
}

export interface InviteResult {
	documentId: string;
	inviteId?: string;
	status: string;
	raw: unknown;
}

export interface CancelInviteInput {
	documentId: string;
	reason?: string;
}

export interface RegisterWebhookInput {
	/** Provider event names, chosen from `ProviderAdapter.webhookEvents`. */
	events: string[];
	callbackUrl: string;
	/** The key the provider signs callbacks with, when it lets the caller choose one. */
	secretKey?: string;
	/** Limit to one document; otherwise the whole account/user. */
	documentId?: string;
}

export interface WebhookSubscription {
	id: string;
	event: string;
	callbackUrl: string;
	entityId?: string;
	createdAt?: string;
	raw: unknown;
}

/** A person asked to sign in a one-shot signature request. */
export interface SignatureRequestSigner {
	email: string;
	name: string;
	/**
	 * The signer's role (DocuSeal's submitter role, DocuSign's role name); fields name it in
	 * `FieldInput.role`. Defaults to `Signer <n>` in the order given.
	 */
	role: string;
	/** 1-based signing order; signers sharing a number sign in parallel. */
	order?: number;
}

/** Everything a provider needs to create and send a signature request in one call. */
export interface SendForSignatureInput {
	file: FilePayload;
	/** The document's / request's title; defaults to the file name. */
	title?: string;
	subject?: string;
	message?: string;
	signers: SignatureRequestSigner[];
	/** Fields placed per signer: `FieldInput.role` is a signer's role or email address. */
	fields: FieldInput[];
	/** Ask the provider to turn text tags in the PDF into fields. */
	extractFieldsFromTags: boolean;
	/** The provider's test mode, where it has one (Dropbox Sign): no legally binding signature. */
	testMode?: boolean;
	/**
	 * Signers sign through `invite.signingLink` (in the sender's app) instead of from an email
	 * (DocuSign's embedded recipients, which need a clientUserId when the envelope is created).
	 */
	embeddedSigning?: boolean;
}

/* Templates ------------------------------------------------------------------------------- */

export interface TemplateSummary {
	id: string;
	name: string;
	/** The template's role (recipient slot) names, which `SendFromTemplateInput.recipients` fill. */
	roles: string[];
	/** Names of the fields a sender can prefill (merge fields, text tabs…), where the provider lists them. */
	fields?: string[];
	createdAt?: string;
	updatedAt?: string;
	raw: unknown;
}

export interface ListTemplatesInput {
	/** At most this many templates (the adapter pages through the provider's list). */
	limit: number;
	/** Filter by name, where the provider can (otherwise the adapter filters what it read). */
	search?: string;
}

/** One template role filled with a person. */
export interface TemplateRecipient {
	/** The template's role name, as `TemplateSummary.roles` lists it. */
	role: string;
	email: string;
	name: string;
	/** 1-based signing order; omitted keeps the template's order. */
	order?: number;
}

export interface SendFromTemplateInput {
	templateId: string;
	/** The new document's / request's title; defaults to the template's name. */
	title?: string;
	subject?: string;
	message?: string;
	recipients: TemplateRecipient[];
	/**
	 * Values to prefill, by field name (merge fields, text tabs, custom fields). The adapter raises a
	 * `ProviderInputError` naming the template's fields when a name is not one of them, where the
	 * provider lets it check.
	 */
	fieldValues: Record<string, string>;
	/** The provider's test mode, where it has one (Dropbox Sign). */
	testMode?: boolean;
	/** As `SendForSignatureInput.embeddedSigning`: the recipients sign through `invite.signingLink`. */
	embeddedSigning?: boolean;
}

/* Signing links ----------------------------------------------------------------------------- */

export interface SigningLinkInput {
	documentId: string;
	/** The signer the link is for (one of the document's invitees / recipients). */
	email: string;
	/** Where the provider sends the signer after signing, where it takes one (DocuSign requires one). */
	returnUrl?: string;
}

/**
 * A link that lets whoever holds it sign as `email`: a secret. The node marks it as one in its
 * output; the relay strips such links from every stored event (see `defineWebhookHandler`).
 */
export interface SigningLink {
	documentId: string;
	email: string;
	url: string;
	/** ISO 8601, when the provider states one (DocuSign's recipient view lasts 5 minutes). */
	expiresAt?: string;
	raw: unknown;
}

/* Bulk send --------------------------------------------------------------------------------- */

/** One signer (one row of the user's list) of a bulk send: one document per row. */
export interface BulkSendRow {
	/** Fills the template's role `BulkSendInput.role`. */
	email: string;
	name: string;
	/** Prefilled values for this row's document, by field name. */
	fieldValues: Record<string, string>;
}

export interface BulkSendInput {
	templateId: string;
	/** The template role each row's signer fills. */
	role: string;
	title?: string;
	subject?: string;
	message?: string;
	rows: BulkSendRow[];
	testMode?: boolean;
}

export interface BulkSendRowResult {
	/** Index into `BulkSendInput.rows`. */
	index: number;
	email: string;
	/** `queued`: the provider accepted it and sends asynchronously (results arrive as webhooks). */
	status: 'sent' | 'queued' | 'failed';
	/** The row's document / envelope / request id, when the provider returns it at once. */
	documentId?: string;
	error?: string;
}

export interface BulkSendResult {
	/** The provider's id for the whole batch (DocuSign batch id, Dropbox Sign bulk_send_job_id). */
	batchId?: string;
	rows: BulkSendRowResult[];
	raw: unknown;
}

/* Signed files ------------------------------------------------------------------------------ */

/**
 * Thrown by `document.download` (and `document.auditCertificate`) when the document is complete
 * but the provider is still preparing the signed file (Dropbox Sign answers 409 meanwhile). The
 * node's Download and the trigger's Attach Signed PDF wait and ask again, with backoff, for as
 * long as the user allows.
 */
export class FileNotReadyError extends Error {
	constructor(
		message: string,
		/** The provider's own hint of when to ask again, in milliseconds, when it gives one. */
		readonly retryAfterMs?: number,
	) {
		super(message);
		this.name = 'FileNotReadyError';
	}
}

export interface RemindSignerInput {
	documentId: string;
	/** The signer to email again. */
	email: string;
}

/* ------------------------------------------------------------------------------------------ */
/* The adapter                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/** One way to authenticate with the provider: the node's `authentication` option → credential type. */
export interface ProviderCredentialOption {
	/** Value of the node's `authentication` parameter, e.g. `oAuth2`, `passwordGrant`, `apiKey`. */
	value: string;
	/** Shown in the `authentication` dropdown. */
	displayName: string;
	/** The n8n credential type name, e.g. `signNowOAuth2Api`. */
	credentialType: string;
}

export interface ProviderAdapter {
	/** The provider type, as the node's `provider` parameter and the relay name it: `signnow`. */
	readonly provider: string;
	readonly displayName: string;
	/** First entry is the default. */
	readonly credentials: readonly ProviderCredentialOption[];
	/** Event names `webhook.register` accepts, with labels for the node's dropdown. */
	readonly webhookEvents?: ReadonlyArray<{ value: string; name: string; description?: string }>;

	/** The API base URL (no trailing slash) for the selected credential's data. */
	baseUrl(credentials: Readonly<Record<string, unknown>>): string;

	/** Pulls the human-readable message out of an error body; undefined falls back to a generic one. */
	errorMessage(status: number, body: unknown): string | undefined;

	/**
	 * How to treat HTTP 429. The transport waits `Retry-After` (seconds or HTTP date) when present,
	 * otherwise `defaultRetryAfterMs`, at most `maxWaitMs`, and gives up after `maxRetries`.
	 */
	readonly rateLimit: { maxRetries: number; defaultRetryAfterMs: number; maxWaitMs: number };

	/** Operations are optional: a provider that lacks one simply does not offer it in the node. */
	document: {
		upload?(client: ProviderClient, input: UploadDocumentInput): Promise<DocumentRef>;
		addFields?(client: ProviderClient, input: AddFieldsInput): Promise<DocumentDetails>;
		get?(client: ProviderClient, documentId: string): Promise<DocumentDetails>;
		download?(client: ProviderClient, input: DownloadDocumentInput): Promise<FilePayload>;
		delete?(client: ProviderClient, documentId: string): Promise<void>;
		/**
		 * The provider's audit certificate / signing history as a file of its own, where it has
		 * one (DocuSign's certificate of completion, SignNow's document history…).
		 */
		auditCertificate?(client: ProviderClient, documentId: string): Promise<FilePayload>;
	};
	/** How fields can be placed besides coordinates. */
	readonly fieldPlacement?: {
		/** `FieldInput.anchor` is accepted (DocuSign anchor tabs, Documenso placeholders). */
		anchorText?: boolean;
	};
	/**
	 * The trigger's Direct mode (n8n registers its own URL with `webhook.register` and verifies
	 * each callback with this provider's webhook handler from `nodes/providers/webhooks`). A
	 * provider offers Direct mode when it declares this and implements `webhook.register` and
	 * `webhook.delete`.
	 */
	readonly directWebhook?: {
		/**
		 * What callbacks are signed with: `generated`, a secret the trigger generates and passes as
		 * `RegisterWebhookInput.secretKey`; `credential`, a field of the node's credential (Dropbox
		 * Sign signs event hashes with the account's API key).
		 */
		secret: { kind: 'generated' } | { kind: 'credential'; field: string };
		/** Options for the webhook handler: direct mode has no dedup store, so a short replay window. */
		handlerOptions?: Record<string, unknown>;
		/** The answer the provider requires from the callback URL (Dropbox Sign: "Hello API Event Received"). */
		response?: { contentType: string; body: string };
	};
	template?: {
		list?(client: ProviderClient, input: ListTemplatesInput): Promise<TemplateSummary[]>;
		get?(client: ProviderClient, templateId: string): Promise<TemplateSummary>;
	};
	invite: {
		send?(client: ProviderClient, input: SendInviteInput): Promise<InviteResult>;
		sendFreeForm?(client: ProviderClient, input: SendFreeFormInviteInput): Promise<InviteResult>;
		cancel?(client: ProviderClient, input: CancelInviteInput): Promise<InviteResult>;
		/** An embedded signing link for one signer of a sent document (a secret). */
		signingLink?(client: ProviderClient, input: SigningLinkInput): Promise<SigningLink>;
	};
	webhook: {
		register?(client: ProviderClient, input: RegisterWebhookInput): Promise<WebhookSubscription[]>;
		list?(client: ProviderClient): Promise<WebhookSubscription[]>;
		delete?(client: ProviderClient, subscriptionId: string): Promise<void>;
	};
	/**
	 * One-shot sending (file + signers in one call), for providers whose API is built that way
	 * (Dropbox Sign, DocuSign, DocuSeal) rather than "upload, then invite". Optional.
	 */
	signatureRequest?: {
		send?(client: ProviderClient, input: SendForSignatureInput): Promise<DocumentDetails>;
		remind?(client: ProviderClient, input: RemindSignerInput): Promise<DocumentDetails>;
		/** Creates a document from a template, fills its roles and prefilled fields, and sends it. */
		sendFromTemplate?(client: ProviderClient, input: SendFromTemplateInput): Promise<DocumentDetails>;
		/** One template to many signers in one provider call (DocuSign bulk send, Dropbox Sign). */
		bulkSend?(client: ProviderClient, input: BulkSendInput): Promise<BulkSendResult>;
	};
}

export type ResourceName = 'document' | 'invite' | 'webhook' | 'signatureRequest' | 'template';

/** Whether `adapter` implements `resource.operation`. */
export function supports(adapter: ProviderAdapter, resource: ResourceName, operation: string): boolean {
	// Optional groups (signatureRequest) may be missing altogether.
	const group = adapter[resource] as Record<string, unknown> | undefined;
	return typeof group?.[operation] === 'function';
}
