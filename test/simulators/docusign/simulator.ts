/**
 * DocuSign's account server (OAuth authorization-code grant) and eSignature REST API v2.1, for
 * the calls the E-Signature node makes, as DocuSign's API reference and official SDKs define them.
 *
 * Account server (account-d.docusign.com / account.docusign.com):
 *   GET  /oauth/auth?response_type=code&client_id&redirect_uri&scope&state → 302 redirect_uri?code&state
 *   POST /oauth/token (Basic base64(integration key:secret); grant_type=authorization_code|refresh_token)
 *        → { access_token, token_type: "Bearer", refresh_token, expires_in }; errors { error: "invalid_grant" | "invalid_client" }
 *   GET  /oauth/userinfo → { sub, name, email, accounts: [{ account_id, is_default, account_name, base_uri }] }
 * REST (`/restapi/v2.1/accounts/{accountId}`, Authorization: Bearer):
 *   GET  ""                                      the account
 *   POST /envelopes                              { emailSubject, emailBlurb?, documents[{documentId, name, fileExtension, documentBase64}],
 *                                                  recipients: { signers[{email, name, recipientId, routingOrder, roleName?, tabs?}] }, status: "sent" | "created" }
 *                                                → 201 { envelopeId, uri, statusDateTime, status }
 *   GET  /envelopes/{id}[?include=recipients]
 *   PUT  /envelopes/{id} { status: "voided", voidedReason } → 200 { envelopeId }
 *   GET  /envelopes/{id}/documents/combined[?certificate=true] → application/pdf
 *   PUT  /envelopes/{id}/recipients?resend_envelope=true { signers[{recipientId}] } → { recipientUpdateResults }
 *   GET  /envelopes?from_date&to_date&status&envelope_ids&start_position&count   (list status changes, for
 *        reconciliation) → { resultSetSize, startPosition, endPosition, totalSetSize, nextUri, previousUri, envelopes }
 *   GET  /connect/failures?from_date&to_date → { failures: [{ failureId, envelopeId, created, lastTry, retryCount,
 *        status, error, configUrl, … }], totalRecords, type: "failures" }: the messages Connect could not deliver
 * Errors: { errorCode, message } (401 AUTHORIZATION_INVALID_TOKEN, 400 ENVELOPE_DOES_NOT_EXIST, …).
 *
 * Connect: with `state.connect` set ({ url, hmacKeys }), each envelope/recipient event is queued
 * and POSTed in order, in the background by the shared callback worker (an API call answers
 * without waiting for the listener; `settled()` waits for the queue; the control routes wait for
 * the messages they cause),
 * as JSON SIM with one `X-DocuSign-Signature-<n>` header per HMAC key (base64 HMAC-SHA256 of the
 * body). A non-2xx answer (or none in time) is a failure, as with "Require Acknowledgement" on; the
 * worker retries it on Connect's documented schedule (`CONNECT_RETRY_DELAYS_MS`, shrunk by
 * `retryDelayScale` for tests). A retry re-posts the same message with `retryCount` + 1 (same
 * event, envelope and generatedDateTime, so the message keeps its identity).
 *
 * `forgetCallbacks` (tests of reconciliation): a message it picks is never sent at all, as when a
 * provider silently drops a webhook; it is neither delivered nor in the failure log.
 *
 * Control routes (not DocuSign's): POST /__control/sign { envelopeId, email },
 * POST /__control/expire-tokens, POST /__control/retry-failed (re-posts now every failed message
 * not yet retried, in place of its scheduled retry, as DocuSign's "Republish" does on request).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { makePdf } from '../../helpers/pdf';
import { attemptDelivery, CallbackWorker, type ScheduledRetry, type SettleOptions } from '../shared/callbacks';
import { isObject, listen, parseJson, sendBytes, sendJson } from '../shared/http';
import { anchorOccurrences } from './anchors';

export interface DocuSignApplication {
	integrationKey: string;
	secretKey: string;
}

interface Signer {
	recipientId: string;
	recipientIdGuid: string;
	email: string;
	name: string;
	roleName?: string;
	routingOrder: string;
	status: 'created' | 'sent' | 'delivered' | 'completed' | 'declined';
	signedDateTime?: string;
	/** The recipient's DocuSign user id: one per email address, as DocuSign keeps a user per address. */
	userId: string;
	tabs?: Record<string, unknown[]>;
	resentCount: number;
	/** Embedded recipients only: DocuSign emails them nothing; they sign through a recipient view. */
	clientUserId?: string;
	/** Where each anchor tab landed: one entry per occurrence of its anchor string. */
	anchorTabs?: Array<{ group: string; anchorString: string; documentId: string; pageNumber: number }>;
}

export interface Envelope {
	envelopeId: string;
	status: 'created' | 'sent' | 'delivered' | 'completed' | 'declined' | 'voided';
	emailSubject: string;
	emailBlurb?: string;
	createdDateTime: string;
	sentDateTime?: string;
	completedDateTime?: string;
	voidedDateTime?: string;
	voidedReason?: string;
	lastModifiedDateTime: string;
	statusChangedDateTime: string;
	documents: Array<{ documentId: string; name: string; data: Buffer; pages: number }>;
	signers: Signer[];
	templateId?: string;
	/** Set on the envelopes a bulk send batch made. */
	bulkBatchId?: string;
}

/** A server template (POST /templates): documents and placeholder signers (roles) with tabs. */
export interface Template {
	templateId: string;
	name: string;
	description?: string;
	emailSubject?: string;
	emailBlurb?: string;
	created: string;
	lastModified: string;
	documents: Array<{ documentId: string; name: string; data: Buffer; pages: number }>;
	roles: Array<{ recipientId: string; roleName: string; routingOrder: string; tabs?: Record<string, Array<Record<string, unknown>>> }>;
}

/** A Connect custom configuration (POST /connect), as stored. */
export interface ConnectConfiguration {
	connectId: string;
	json: Record<string, unknown>;
}

export interface BulkSendList {
	listId: string;
	name: string;
	copies: Array<Record<string, unknown>>;
}

export interface BulkSendBatch {
	batchId: string;
	batchName: string;
	listId: string;
	templateId: string;
	submittedDate: string;
	size: number;
	queued: number;
	sent: number;
	failed: number;
	envelopeIds: string[];
	errors: Array<{ errorCode: string; message: string }>;
}

export interface ConnectDelivery {
	event: string;
	body: string;
	status: number;
	delivered: boolean;
	retryCount: number;
	/** A later delivery retried this one. */
	retried: boolean;
}

export interface DocuSignSimulatorState {
	application: DocuSignApplication;
	user: { sub: string; name: string; email: string };
	accountId: string;
	codes: Map<string, { redirectUri: string }>;
	accessTokens: Map<string, { expiresAt: number }>;
	refreshTokens: Set<string>;
	tokenGrants: string[];
	envelopes: Map<string, Envelope>;
	requests: Array<{ method: string; path: string; authorization?: string; status: number }>;
	connect?: { url: string; hmacKeys: string[] };
	deliveries: ConnectDelivery[];
	/** Connect's failure log (GET /connect/failures): failed messages not yet delivered by a retry. */
	connectFailures: ConnectFailure[];
	/** Messages `forgetCallbacks` dropped (never sent). */
	forgotten: Array<{ event: string; envelopeId: string }>;
	now: () => number;
	templates: Map<string, Template>;
	/** Connect custom configurations made through the API (POST /connect). */
	connectConfigurations: Map<string, ConnectConfiguration>;
	/** The account's Connect HMAC keys (Admin → Connect → Connect Keys): every configuration with includeHMAC signs with all. */
	connectHmacSecrets: string[];
	bulkSendLists: Map<string, BulkSendList>;
	bulkSendBatches: Map<string, BulkSendBatch>;
	/** Recipient views handed out: the URL and who it signs as. */
	recipientViews: Array<{ envelopeId: string; recipientId: string; url: string; returnUrl: string; createdAt: number }>;
}

/** One entry of Connect's failure log, as the REST API's ConnectLog describes it. */
export interface ConnectFailure {
	failureId: string;
	envelopeId: string;
	accountId: string;
	configUrl: string;
	created: string;
	lastTry: string;
	retryCount: string;
	status: string;
	error: string;
	subject: string;
}

/**
 * Connect's retry rule for a message the listener did not acknowledge, as DocuSign documents it for
 * `requiresAcknowledgement` (docusign-esign 10.0.0, src/model/ConnectCustomConfiguration.js:361):
 * at least 24 hours between retries, at most ten retries. DocuSign also waits for the listener to
 * acknowledge some other message before retrying; that gate is not modelled (see docs/sdk.md), and
 * the documentation gives the first retry no interval of its own, so it gets the same 24 hours.
 */
export const CONNECT_RETRY_DELAYS_MS: readonly number[] = Array.from({ length: 10 }, () => 24 * 3600 * 1000);

/** How long Connect waits for the listener's answer before the message counts as failed. */
const CONNECT_TIMEOUT_MS = 10_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function fail(response: ServerResponse, status: number, errorCode: string, message: string) {
	sendJson(response, status, { errorCode, message });
}

function pageCount(pdf: Buffer): number {
	return (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;
}

export interface DocuSignSimulatorOptions {
	connect?: { url: string; hmacKeys: string[] };
	retryDelayScale?: number;
	/** Picks the Connect messages never sent (n = the message's number, from 0). */
	forgetCallbacks?: (n: number, event: string) => boolean;
}

const ANCHOR_UNITS = new Set(['pixels', 'inches', 'mms', 'cms']);

/**
 * Places an anchor tab at every occurrence of its anchorString in every document, as DocuSign
 * does (documentId and pageNumber are not needed). A string found nowhere is an error unless
 * anchorIgnoreIfNotPresent is "true" (DocuSign's default is false).
 */
function placeAnchorTab(
	group: string,
	tab: Record<string, unknown>,
	documents: Envelope['documents'],
	placed: NonNullable<Signer['anchorTabs']>,
): { errorCode: string; message: string } | undefined {
	const anchorString = String(tab.anchorString);
	if (tab.anchorUnits !== undefined && !ANCHOR_UNITS.has(String(tab.anchorUnits))) {
		return { errorCode: 'INVALID_REQUEST_PARAMETER', message: `Invalid anchorUnits "${String(tab.anchorUnits)}": use pixels, inches, mms or cms.` };
	}
	for (const offset of ['anchorXOffset', 'anchorYOffset']) {
		if (tab[offset] !== undefined && !Number.isFinite(Number(tab[offset]))) {
			return { errorCode: 'INVALID_REQUEST_PARAMETER', message: `Invalid ${offset} "${String(tab[offset])}".` };
		}
	}
	let found = 0;
	for (const document of documents) {
		for (const pageNumber of anchorOccurrences(document.data, anchorString, tab.anchorCaseSensitive === 'true')) {
			placed.push({ group, anchorString, documentId: document.documentId, pageNumber });
			found++;
		}
	}
	if (found === 0 && tab.anchorIgnoreIfNotPresent !== 'true') {
		return { errorCode: 'ANCHOR_TAB_STRING_NOT_FOUND', message: `The specified Anchor Tab string was not found in the document. Anchor Tab String: ${anchorString}` };
	}
	return undefined;
}

export async function startDocuSignSimulator(options: DocuSignSimulatorOptions = {}) {
	const state: DocuSignSimulatorState = {
		application: { integrationKey: randomUUID(), secretKey: randomUUID() },
		user: { sub: randomUUID(), name: 'Sam Sender', email: 'sender@example.com' },
		accountId: randomUUID(),
		codes: new Map(),
		accessTokens: new Map(),
		refreshTokens: new Set(),
		tokenGrants: [],
		envelopes: new Map(),
		requests: [],
		connect: options.connect,
		deliveries: [],
		connectFailures: [],
		forgotten: [],
		now: () => Date.now(),
		templates: new Map(),
		connectConfigurations: new Map(),
		connectHmacSecrets: [],
		bulkSendLists: new Map(),
		bulkSendBatches: new Map(),
		recipientViews: [],
	};
	const iso = () => new Date(state.now()).toISOString();

	const currentPlanId = randomUUID();
	/** `GET /accounts/{id}`: a developer account as DocuSign describes it (AccountInformation). */
	function accountJson() {
		return {
			accountIdGuid: state.accountId,
			accountName: 'Example Inc.',
			allowTransactionRooms: 'false',
			billingPeriodDaysRemaining: '0',
			billingPeriodEndDate: '2027-01-05T08:00:00.0000000Z',
			billingPeriodEnvelopesAllowed: 'unlimited',
			billingPeriodEnvelopesSent: String(state.envelopes.size),
			billingPeriodStartDate: '2026-01-05T08:00:00.0000000Z',
			canUpgrade: 'false',
			connectPermission: 'full',
			createdDate: '2026-01-05T09:30:00.0000000Z',
			currencyCode: 'USD',
			currentPlanId,
			distributorCode: 'DEVCENTER_DEMO_APRIL2013',
			docuSignLandingUrl: 'http://www.docusign.com/products/sign/?campaign=Developer',
			envelopeSendingBlocked: 'false',
			envelopeUnitPrice: '$0.00',
			externalAccountId: '12345678',
			forgottenPasswordQuestionsCount: '1',
			isDowngrade: 'false',
			paymentMethod: 'purchase_order',
			planClassification: 'partner',
			planName: 'DEV-DOCUSIGN',
			planStartDate: '2026-01-05T08:00:00.0000000Z',
			seatsAllowed: 'unlimited',
			seatsInUse: '1',
			status21CFRPart11: 'not_enabled',
			suspensionStatus: '',
		};
	}

	function envelopeJson(envelope: Envelope, withRecipients: boolean) {
		const json: Record<string, unknown> = {
			envelopeId: envelope.envelopeId,
			status: envelope.status,
			emailSubject: envelope.emailSubject,
			emailBlurb: envelope.emailBlurb,
			createdDateTime: envelope.createdDateTime,
			sentDateTime: envelope.sentDateTime,
			completedDateTime: envelope.completedDateTime,
			voidedDateTime: envelope.voidedDateTime,
			voidedReason: envelope.voidedReason,
			lastModifiedDateTime: envelope.lastModifiedDateTime,
			statusChangedDateTime: envelope.statusChangedDateTime,
			envelopeUri: `/envelopes/${envelope.envelopeId}`,
			recipientsUri: `/envelopes/${envelope.envelopeId}/recipients`,
			documentsUri: `/envelopes/${envelope.envelopeId}/documents`,
			// The rest of what DocuSign answers for every envelope (its reference's GET example),
			// strings all, as DocuSign sends booleans and numbers; the SDK's Envelope model knows each.
			initialSentDateTime: envelope.sentDateTime,
			documentsCombinedUri: `/envelopes/${envelope.envelopeId}/documents/combined`,
			certificateUri: `/envelopes/${envelope.envelopeId}/documents/certificate`,
			customFieldsUri: `/envelopes/${envelope.envelopeId}/custom_fields`,
			notificationUri: `/envelopes/${envelope.envelopeId}/notification`,
			templatesUri: `/envelopes/${envelope.envelopeId}/templates`,
			attachmentsUri: `/envelopes/${envelope.envelopeId}/attachments`,
			sender: { userName: state.user.name, userId: state.user.sub, accountId: state.accountId, email: state.user.email },
			signingLocation: 'online',
			purgeState: 'unpurged',
			envelopeIdStamping: 'true',
			is21CFRPart11: 'false',
			isSignatureProviderEnvelope: 'false',
			hasComments: 'false',
			hasFormDataChanged: 'false',
			allowMarkup: 'false',
			autoNavigation: 'true',
			enableWetSign: 'true',
			envelopeLocation: 'current_site',
			signerCanSignOnMobile: 'true',
			anySigner: 'false',
			expireEnabled: 'true',
			expireAfter: '120',
			expireDateTime: new Date(Date.parse(envelope.sentDateTime ?? envelope.createdDateTime) + 120 * 86_400_000).toISOString(),
		};
		if (withRecipients) {
			json.recipients = {
				signers: envelope.signers.map((signer) => ({
					recipientId: signer.recipientId,
					recipientIdGuid: signer.recipientIdGuid,
					email: signer.email,
					name: signer.name,
					roleName: signer.roleName,
					routingOrder: signer.routingOrder,
					status: signer.status,
					signedDateTime: signer.signedDateTime,
					recipientType: 'signer',
					userId: signer.userId,
					requireIdLookup: 'false',
					creationReason: 'sender',
					deliveryMethod: 'email',
					completedCount: signer.status === 'completed' ? '1' : '0',
					...(signer.clientUserId ? { clientUserId: signer.clientUserId } : {}),
				})),
				carbonCopies: [],
				recipientCount: String(envelope.signers.length),
				currentRoutingOrder: String(currentRoutingOrder(envelope)),
			};
		}
		return json;
	}

	const userIds = new Map<string, string>();
	function userIdOf(email: string): string {
		const key = email.toLowerCase();
		if (!userIds.has(key)) userIds.set(key, randomUUID());
		return userIds.get(key)!;
	}

	function currentRoutingOrder(envelope: Envelope): number {
		const pending = envelope.signers.filter((s) => s.status !== 'completed').map((s) => Number(s.routingOrder));
		return pending.length > 0 ? Math.min(...pending) : Math.max(...envelope.signers.map((s) => Number(s.routingOrder)));
	}

	/** Signers whose turn it is get the email (status "sent"). */
	function route(envelope: Envelope): Signer[] {
		const order = currentRoutingOrder(envelope);
		const reached = envelope.signers.filter((s) => s.status === 'created' && Number(s.routingOrder) === order);
		for (const signer of reached) signer.status = 'sent';
		return reached;
	}

	// How to rebuild each delivery's body with another retryCount.
	const rebuild = new Map<ConnectDelivery, (retryCount: number) => string>();
	// Connect sends from a queue of its own, in order, after the API call has answered: an API
	// call never waits for (or fails because of) the Connect listener. A failed message is retried
	// on Connect's schedule, or at once by the `retry-failed` control route.
	const worker = new CallbackWorker(CONNECT_RETRY_DELAYS_MS, options.retryDelayScale);
	const scheduled = new Map<ConnectDelivery, ScheduledRetry>();

	type ConnectTarget = () => { url: string; hmacKeys: string[] } | undefined;
	const legacyTarget: ConnectTarget = () => state.connect;
	const targetOf = new Map<ConnectDelivery, ConnectTarget>();

	async function post(delivery: Pick<ConnectDelivery, 'event' | 'body' | 'retryCount'>, build: (retryCount: number) => string, target: ConnectTarget = legacyTarget) {
		const connect = target();
		if (!connect) return;
		const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'DocuSign Connect' };
		if (connect.hmacKeys.length > 0) headers['X-Authorization-Digest'] = 'HMACSHA256';
		connect.hmacKeys.forEach((key, index) => {
			headers[`X-DocuSign-Signature-${index + 1}`] = createHmac('sha256', key).update(delivery.body).digest('base64');
		});
		const { status } = await attemptDelivery(connect.url, delivery.body, headers, CONNECT_TIMEOUT_MS);
		const record: ConnectDelivery = { ...delivery, status, delivered: status >= 200 && status < 300, retried: false };
		state.deliveries.push(record);
		recordConnectOutcome(state, record, connect.url, iso());
		rebuild.set(record, build);
		targetOf.set(record, target);
		const retryInMs = record.delivered ? null : worker.retryDelay(record.retryCount + 1);
		if (retryInMs !== null) scheduled.set(record, worker.schedule(retryInMs, () => retry(record)));
	}

	/** Re-posts a failed message once (by its schedule or the control route, whichever comes first). */
	async function retry(delivery: ConnectDelivery) {
		if (delivery.retried) return;
		delivery.retried = true;
		scheduled.get(delivery)?.cancel();
		scheduled.delete(delivery);
		const build = rebuild.get(delivery);
		if (build) await post({ event: delivery.event, body: build(delivery.retryCount + 1), retryCount: delivery.retryCount + 1 }, build, targetOf.get(delivery));
	}

	/** Queues an event's message; resolves when it (and every message before it) has been sent. */
	let published = 0;
	function publish(event: string, envelope: Envelope, recipientId?: string): Promise<void> {
		// Connect configurations made through the API (issue 14) get every message, forgotten or not.
		const configured = publishToConfigurations(event, envelope, recipientId);
		if (!state.connect) return configured;
		if (options.forgetCallbacks?.(published++, event)) {
			state.forgotten.push({ event, envelopeId: envelope.envelopeId });
			return configured;
		}
		// The message describes the envelope as it is when the event happens, not when it is sent.
		const summary = envelopeJson(envelope, true);
		const generated = iso();
		const build = (retryCount: number) =>
			JSON.stringify({
				event,
				apiVersion: 'v2.1',
				uri: `/restapi/v2.1/accounts/${state.accountId}/envelopes/${envelope.envelopeId}`,
				retryCount,
				configurationId: 10_000_001,
				generatedDateTime: generated,
				data: {
					accountId: state.accountId,
					userId: state.user.sub,
					envelopeId: envelope.envelopeId,
					...(recipientId ? { recipientId } : {}),
					envelopeSummary: summary,
				},
			});
		return worker.run(() => post({ event, body: build(0), retryCount: 0 }, build));
	}

	/* Issue 14: Connect configurations, templates, recipient views, certificate, bulk send ------- */

	/** Each API-made Connect configuration subscribed to `event` gets its own message. */
	function publishToConfigurations(event: string, envelope: Envelope, recipientId?: string): Promise<void> {
		let last: Promise<void> = Promise.resolve();
		for (const configuration of state.connectConfigurations.values()) {
			const json = configuration.json;
			const events = Array.isArray(json.events) ? json.events : [];
			if (!events.includes(event) || json.allowEnvelopePublish === 'false' || json.pausePublish === 'true') continue;
			const summary = envelopeJson(envelope, true);
			const generated = iso();
			const build = (retryCount: number) =>
				JSON.stringify({
					event,
					apiVersion: 'v2.1',
					uri: `/restapi/v2.1/accounts/${state.accountId}/envelopes/${envelope.envelopeId}`,
					retryCount,
					configurationId: Number(configuration.connectId),
					generatedDateTime: generated,
					data: {
						accountId: state.accountId,
						userId: state.user.sub,
						envelopeId: envelope.envelopeId,
						...(recipientId ? { recipientId } : {}),
						envelopeSummary: summary,
					},
				});
			// Looked up when sent: a configuration deleted meanwhile publishes nothing more.
			const target = () => {
				const current = state.connectConfigurations.get(configuration.connectId)?.json;
				if (!current) return undefined;
				return { url: String(current.urlToPublishTo), hmacKeys: current.includeHMAC === 'true' ? state.connectHmacSecrets : [] };
			};
			last = worker.run(() => post({ event, body: build(0), retryCount: 0 }, build, target));
		}
		return last;
	}

	let nextConnectId = 18_000_000 + Math.floor(Math.random() * 1000);
	const CONNECT_EVENT_NAMES = new Set([
		'envelope-sent', 'envelope-resent', 'envelope-delivered', 'envelope-completed', 'envelope-declined', 'envelope-voided',
		'envelope-created', 'envelope-corrected', 'envelope-purge', 'envelope-deleted', 'envelope-discard',
		'recipient-sent', 'recipient-autoresponded', 'recipient-delivered', 'recipient-completed', 'recipient-declined',
		'recipient-authenticationfailed', 'recipient-resent', 'recipient-delegate', 'recipient-reassign', 'recipient-finish-later',
	]);

	/** What GET /connect shows of a configuration: what was set, plus DocuSign's defaults, all strings. */
	function connectJson(configuration: ConnectConfiguration): Record<string, unknown> {
		return {
			allowEnvelopePublish: 'true',
			allUsers: 'false',
			enableLog: 'false',
			includeHMAC: 'false',
			requiresAcknowledgement: 'false',
			signMessageWithX509Certificate: 'false',
			useSoapInterface: 'false',
			includeDocuments: 'false',
			includeCertificateOfCompletion: 'false',
			includeEnvelopeVoidReason: 'false',
			includeTimeZoneInformation: 'false',
			includeSenderAccountasCustomField: 'false',
			includeDocumentFields: 'false',
			includeCertSoapHeader: 'false',
			...configuration.json,
			connectId: configuration.connectId,
		};
	}

	function createConnectConfiguration(json: unknown, response: ServerResponse) {
		if (!isObject(json)) return fail(response, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
		if (typeof json.urlToPublishTo !== 'string' || !/^https?:\/\//.test(json.urlToPublishTo)) {
			return fail(response, 400, 'INVALID_CONNECT_CONFIGURATION', 'A valid urlToPublishTo is required.');
		}
		if (typeof json.name !== 'string' || json.name.trim() === '') return fail(response, 400, 'INVALID_CONNECT_CONFIGURATION', 'A configuration name is required.');
		if (json.configurationType !== 'custom') return fail(response, 400, 'INVALID_CONNECT_CONFIGURATION', 'configurationType must be "custom".');
		const events = Array.isArray(json.events) ? json.events : [];
		const unknown = events.filter((event) => typeof event !== 'string' || !CONNECT_EVENT_NAMES.has(event));
		if (unknown.length > 0) return fail(response, 400, 'INVALID_CONNECT_CONFIGURATION', `Unknown event(s): ${unknown.map(String).join(', ')}.`);
		if (events.length === 0 && !Array.isArray(json.envelopeEvents) && !Array.isArray(json.recipientEvents)) {
			return fail(response, 400, 'INVALID_CONNECT_CONFIGURATION', 'At least one event is required.');
		}
		const configuration: ConnectConfiguration = { connectId: String(nextConnectId++), json: { ...json } };
		delete configuration.json.connectId;
		state.connectConfigurations.set(configuration.connectId, configuration);
		return sendJson(response, 201, connectJson(configuration));
	}

	const ROLE_TAB_GROUPS = ['signHereTabs', 'initialHereTabs', 'dateSignedTabs', 'textTabs', 'numberTabs', 'emailTabs', 'dateTabs', 'ssnTabs', 'zipTabs', 'noteTabs', 'listTabs', 'checkboxTabs'];

	function createTemplate(json: unknown, response: ServerResponse) {
		if (!isObject(json)) return fail(response, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
		if (typeof json.name !== 'string' || json.name.trim() === '') return fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'A template name is required.');
		const documents: Template['documents'] = [];
		for (const document of Array.isArray(json.documents) ? json.documents.filter(isObject) : []) {
			const data = Buffer.from(String(document.documentBase64 ?? ''), 'base64');
			if (!data.subarray(0, 5).equals(Buffer.from('%PDF-'))) return fail(response, 400, 'FORMAT_CONVERSION_ERROR', 'The data could not be converted.');
			documents.push({ documentId: String(document.documentId ?? documents.length + 1), name: String(document.name ?? 'Document'), data, pages: pageCount(data) });
		}
		const recipients = isObject(json.recipients) ? json.recipients : {};
		const roles: Template['roles'] = [];
		for (const signer of Array.isArray(recipients.signers) ? recipients.signers.filter(isObject) : []) {
			if (typeof signer.roleName !== 'string' || signer.roleName === '') return fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'Each template signer needs a roleName.');
			const tabs = isObject(signer.tabs) ? (signer.tabs as Record<string, Array<Record<string, unknown>>>) : undefined;
			roles.push({ recipientId: String(signer.recipientId ?? roles.length + 1), roleName: signer.roleName, routingOrder: String(signer.routingOrder ?? '1'), tabs });
		}
		const now = iso();
		const template: Template = {
			templateId: randomUUID(),
			name: json.name,
			description: typeof json.description === 'string' ? json.description : undefined,
			emailSubject: typeof json.emailSubject === 'string' ? json.emailSubject : undefined,
			emailBlurb: typeof json.emailBlurb === 'string' ? json.emailBlurb : undefined,
			created: now,
			lastModified: now,
			documents,
			roles,
		};
		state.templates.set(template.templateId, template);
		// TemplateSummary, as DocuSign answers a createTemplate.
		return sendJson(response, 201, { templateId: template.templateId, name: template.name, uri: `/templates/${template.templateId}` });
	}

	/** EnvelopeTemplate: the list shows recipients only with include=recipients; GET one shows them with their tabs. */
	function templateJson(template: Template, withRecipients: boolean, withTabs: boolean) {
		const json: Record<string, unknown> = {
			templateId: template.templateId,
			uri: `/templates/${template.templateId}`,
			name: template.name,
			shared: 'false',
			passwordProtected: 'false',
			description: template.description ?? '',
			created: template.created,
			lastModified: template.lastModified,
			lastModifiedBy: { userName: state.user.name, userId: state.user.sub, email: state.user.email, uri: `/users/${state.user.sub}` },
			owner: { userName: state.user.name, userId: state.user.sub, email: state.user.email },
			pageCount: String(template.documents.reduce((sum, d) => sum + d.pages, 0)),
			folderName: 'Templates',
			folderId: state.accountId,
			emailSubject: template.emailSubject ?? '',
			emailBlurb: template.emailBlurb ?? '',
			signingLocation: 'online',
			autoNavigation: 'true',
			envelopeIdStamping: 'true',
			allowMarkup: 'false',
			allowReassign: 'true',
			disableResponsiveDocument: 'true',
		};
		if (withRecipients) {
			json.recipients = {
				signers: template.roles.map((role) => ({
					recipientId: role.recipientId,
					roleName: role.roleName,
					routingOrder: role.routingOrder,
					recipientType: 'signer',
					email: '',
					name: '',
					requireIdLookup: 'false',
					deliveryMethod: 'email',
					templateRequired: 'false',
					...(withTabs && role.tabs ? { tabs: role.tabs } : {}),
				})),
				recipientCount: String(template.roles.length),
			};
		}
		return json;
	}

	function listTemplates(url: URL, response: ServerResponse) {
		const count = Number(url.searchParams.get('count') ?? '100');
		const start = Number(url.searchParams.get('start_position') ?? '0');
		if (!Number.isInteger(count) || count < 1 || !Number.isInteger(start) || start < 0) {
			return fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. count / start_position');
		}
		const search = (url.searchParams.get('search_text') ?? '').toLowerCase();
		const include = (url.searchParams.get('include') ?? '').split(',');
		const all = [...state.templates.values()].filter((t) => t.name.toLowerCase().includes(search));
		// DocuSign caps a page at 100, whatever count asks for.
		const page = all.slice(start, start + Math.min(count, 100));
		const json: Record<string, unknown> = {
			resultSetSize: String(page.length),
			startPosition: String(start),
			endPosition: String(Math.max(start + page.length - 1, 0)),
			totalSetSize: String(all.length),
			folders: [],
		};
		if (page.length > 0) json.envelopeTemplates = page.map((t) => templateJson(t, include.includes('recipients'), false));
		if (start + page.length < all.length) json.nextUri = `/templates?start_position=${start + page.length}&count=${count}`;
		return sendJson(response, 200, json);
	}

	/**
	 * An envelope request with `templateId`: the template's documents and roles, each role filled
	 * by the templateRole with the same roleName and, when it gives one, the same routingOrder (the
	 * match DocuSign's template FAQ describes), its tabs' values set by tabLabel. Roles nobody fills
	 * are dropped; a templateRole that matches no role joins as one more signer, without tabs.
	 */
	function expandTemplateRequest(json: Record<string, unknown>): { ok: true; json: Record<string, unknown> } | { ok: false; errorCode: string; message: string } {
		const template = state.templates.get(String(json.templateId));
		if (!template) return { ok: false, errorCode: 'TEMPLATE_ID_INVALID', message: `Invalid template ID: ${String(json.templateId)}.` };
		const filled = Array.isArray(json.templateRoles) ? json.templateRoles.filter(isObject) : [];
		const matches = (person: Record<string, unknown>, role: Template['roles'][number]) =>
			person.roleName === role.roleName && (person.routingOrder === undefined || String(person.routingOrder) === role.routingOrder);
		const signers: Array<Record<string, unknown>> = template.roles.flatMap((role) => {
			const person = filled.find((r) => matches(r, role));
			if (!person) return [];
			const tabs: Record<string, Array<Record<string, unknown>>> = {};
			const given = isObject(person.tabs) ? (person.tabs as Record<string, unknown>) : {};
			for (const group of ROLE_TAB_GROUPS) {
				const own = role.tabs?.[group];
				if (!own) continue;
				const values = Array.isArray(given[group]) ? (given[group] as unknown[]).filter(isObject) : [];
				tabs[group] = own.map((tab) => {
					const value = values.find((v) => v.tabLabel === tab.tabLabel);
					if (!value) return { ...tab };
					return { ...tab, ...(value.value !== undefined ? { value: value.value } : {}), ...(value.selected !== undefined ? { selected: value.selected } : {}) };
				});
			}
			return [{
				recipientId: role.recipientId,
				roleName: role.roleName,
				email: person.email,
				name: person.name,
				routingOrder: person.routingOrder ?? role.routingOrder,
				...(person.clientUserId !== undefined ? { clientUserId: person.clientUserId } : {}),
				...(Object.keys(tabs).length > 0 ? { tabs } : {}),
			}];
		});
		let nextId = Math.max(0, ...template.roles.map((role) => Number(role.recipientId) || 0));
		for (const person of filled.filter((r) => !template.roles.some((role) => matches(r, role)))) {
			signers.push({
				recipientId: String(++nextId),
				roleName: person.roleName,
				email: person.email,
				name: person.name,
				routingOrder: person.routingOrder ?? '1',
				...(person.clientUserId !== undefined ? { clientUserId: person.clientUserId } : {}),
			});
		}
		return {
			ok: true,
			json: {
				status: json.status,
				emailSubject: json.emailSubject ?? template.emailSubject,
				emailBlurb: json.emailBlurb ?? template.emailBlurb,
				documents: template.documents.map((d) => ({ documentId: d.documentId, name: d.name, fileExtension: 'pdf', documentBase64: d.data.toString('base64') })),
				recipients: { signers },
			},
		};
	}

	/** The certificate of completion: a PDF listing the envelope's events so far. */
	function certificatePdf(envelope: Envelope): Buffer {
		const lines = [
			'Certificate Of Completion',
			`Envelope Id: ${envelope.envelopeId}`,
			`Subject: ${envelope.emailSubject}`,
			`Status: ${envelope.status}`,
			`Envelope Originator: ${state.user.name} ${state.user.email}`,
			...envelope.signers.map((s) => `Signer: ${s.name} ${s.email} - ${s.status}${s.signedDateTime ? ` - signed ${s.signedDateTime}` : ''}`),
			`Sent: ${envelope.sentDateTime ?? '-'}`,
			`Completed: ${envelope.completedDateTime ?? '-'}`,
		];
		return makePdf({ title: 'Certificate Of Completion', pages: [lines] });
	}

	/** POST /envelopes/{id}/views/recipient: only an embedded recipient (clientUserId, email and name matching) gets one. */
	function recipientView(envelope: Envelope, json: unknown, response: ServerResponse) {
		if (!isObject(json)) return fail(response, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
		if (typeof json.returnUrl !== 'string' || !/^https?:\/\//i.test(json.returnUrl)) {
			return fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. A valid returnUrl is required.');
		}
		const signer = envelope.signers.find(
			(s) =>
				s.clientUserId !== undefined &&
				s.clientUserId === json.clientUserId &&
				(json.recipientId !== undefined
					? String(json.recipientId) === s.recipientId
					: s.email.toLowerCase() === String(json.email ?? '').toLowerCase() && s.name === json.userName),
		);
		if (!signer) return fail(response, 400, 'UNKNOWN_ENVELOPE_RECIPIENT', 'The recipient you have identified is not a valid recipient of the specified envelope.');
		if (envelope.status === 'voided' || envelope.status === 'declined' || envelope.status === 'created') {
			return fail(response, 400, 'ENVELOPE_INVALID_STATUS', `Invalid envelope status for a recipient view: ${envelope.status}.`);
		}
		if (signer.status === 'created') {
			return fail(response, 400, 'RECIPIENT_NOT_IN_SEQUENCE', 'The token for an out of sequence recipient can not be generated.');
		}
		const url = `${listening.url}/Signing/MTRedeem/v1/${randomUUID()}?slt=${randomBytes(24).toString('base64url')}`;
		state.recipientViews.push({ envelopeId: envelope.envelopeId, recipientId: signer.recipientId, url, returnUrl: json.returnUrl, createdAt: state.now() });
		return sendJson(response, 201, { url });
	}

	function createBulkSendList(json: unknown, response: ServerResponse) {
		if (!isObject(json)) return fail(response, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
		if (typeof json.name !== 'string' || json.name.trim() === '') return fail(response, 400, 'BULK_SEND_LIST_NAME_REQUIRED', 'A bulk send list needs a name.');
		const copies = Array.isArray(json.bulkCopies) ? json.bulkCopies.filter(isObject) : [];
		if (copies.length === 0) return fail(response, 400, 'BULK_SEND_LIST_HAS_NO_COPIES', 'A bulk send list needs at least one bulk copy.');
		if (copies.length > 1000) return fail(response, 400, 'BULK_SEND_MAX_COPIES_EXCEEDED', 'A bulk send list holds at most 1000 copies.');
		for (const [index, copy] of copies.entries()) {
			const recipients = Array.isArray(copy.recipients) ? copy.recipients.filter(isObject) : [];
			if (recipients.length === 0) return fail(response, 400, 'BULK_SEND_COPY_HAS_NO_RECIPIENTS', `Bulk copy ${index} has no recipients.`);
			for (const recipient of recipients) {
				if (typeof recipient.roleName !== 'string' && recipient.recipientId === undefined) {
					return fail(response, 400, 'BULK_SEND_RECIPIENT_ID_OR_ROLE_REQUIRED', `Bulk copy ${index}: each recipient needs a roleName or recipientId.`);
				}
				if (typeof recipient.email !== 'string' || !EMAIL.test(recipient.email)) {
					return fail(response, 400, 'INVALID_EMAIL_ADDRESS_FOR_RECIPIENT', `Bulk copy ${index}: the email address for the recipient is invalid.`);
				}
				if (typeof recipient.name !== 'string' || recipient.name.trim() === '') return fail(response, 400, 'RECIPIENT_NAME_REQUIRED', `Bulk copy ${index}: a recipient name is required.`);
			}
		}
		const list: BulkSendList = { listId: randomUUID(), name: json.name, copies };
		state.bulkSendLists.set(list.listId, list);
		return sendJson(response, 201, { listId: list.listId, name: list.name, bulkCopies: copies });
	}

	/**
	 * POST /bulk_send_lists/{id}/send: checks the list against the template, answers the batch id,
	 * then makes the envelopes in the background (one per copy, each sent with its Connect events),
	 * as DocuSign's queue does. `settled()` waits for them.
	 */
	function sendBulkList(listId: string, json: unknown, response: ServerResponse) {
		const list = state.bulkSendLists.get(listId);
		if (!list) return fail(response, 400, 'BULK_SEND_LIST_NOT_FOUND', 'The bulk send list specified does not exist.');
		if (!isObject(json) || typeof json.envelopeOrTemplateId !== 'string') return fail(response, 400, 'INVALID_REQUEST_BODY', 'envelopeOrTemplateId is required.');
		const template = state.templates.get(json.envelopeOrTemplateId);
		if (!template) return fail(response, 400, 'BULK_SEND_ENVELOPE_NOT_FOUND', `Envelope or template ${json.envelopeOrTemplateId} does not exist.`);
		const roleNames = new Set(template.roles.map((role) => role.roleName));
		for (const copy of list.copies) {
			for (const recipient of (copy.recipients as Array<Record<string, unknown>>)) {
				if (typeof recipient.roleName === 'string' && !roleNames.has(recipient.roleName)) {
					return fail(response, 400, 'BULK_SEND_RECIPIENT_ROLE_NOT_FOUND', `The role "${recipient.roleName}" does not match any recipient of the template.`);
				}
			}
		}
		const batch: BulkSendBatch = {
			batchId: randomUUID(),
			batchName: typeof json.batchName === 'string' ? json.batchName : list.name,
			listId,
			templateId: template.templateId,
			submittedDate: iso(),
			size: list.copies.length,
			queued: list.copies.length,
			sent: 0,
			failed: 0,
			envelopeIds: [],
			errors: [],
		};
		state.bulkSendBatches.set(batch.batchId, batch);
		sendJson(response, 201, {
			batchId: batch.batchId,
			batchName: batch.batchName,
			batchSize: String(batch.size),
			envelopeOrTemplateId: template.templateId,
			errors: [],
			errorDetails: [],
			queueLimit: '2000',
			totalQueued: String(batch.size),
		});
		void worker.run(async () => {
			for (const copy of list.copies) {
				const recipients = copy.recipients as Array<Record<string, unknown>>;
				const templateRoles = recipients.map((recipient) => {
					const tabs: Record<string, Array<Record<string, unknown>>> = {};
					for (const tab of Array.isArray(recipient.tabs) ? recipient.tabs.filter(isObject) : []) {
						const role = template.roles.find((r) => r.roleName === recipient.roleName);
						for (const group of ROLE_TAB_GROUPS) {
							if (!role?.tabs?.[group]?.some((t) => t.tabLabel === tab.tabLabel)) continue;
							(tabs[group] ??= []).push(group === 'checkboxTabs' ? { tabLabel: tab.tabLabel, selected: tab.initialValue } : { tabLabel: tab.tabLabel, value: tab.initialValue });
						}
					}
					return { ...recipient, tabs };
				});
				const expanded = expandTemplateRequest({ templateId: template.templateId, templateRoles, status: 'sent', emailSubject: copy.emailSubject, emailBlurb: copy.emailBlurb });
				const made = expanded.ok ? createEnvelope(expanded.json, undefined) : undefined;
				batch.queued--;
				if (!made) {
					batch.failed++;
					batch.errors.push(expanded.ok ? lastCreateError ?? { errorCode: 'UNKNOWN', message: 'failed' } : { errorCode: expanded.errorCode, message: expanded.message });
					continue;
				}
				made.bulkBatchId = batch.batchId;
				batch.sent++;
				batch.envelopeIds.push(made.envelopeId);
				const reached = route(made);
				publishInBackground('envelope-sent', made);
				for (const signer of reached) publishInBackground('recipient-sent', made, signer.recipientId);
			}
		});
	}

	function batchStatusJson(batch: BulkSendBatch) {
		return {
			batchId: batch.batchId,
			batchName: batch.batchName,
			batchSize: String(batch.size),
			queued: String(batch.queued),
			sent: String(batch.sent),
			failed: String(batch.failed),
			submittedDate: batch.submittedDate,
			envelopeIdOrTemplateId: batch.templateId,
			envelopesUri: `/bulk_send_batch/${batch.batchId}/envelopes`,
			mailingListId: batch.listId,
			mailingListName: state.bulkSendLists.get(batch.listId)?.name ?? '',
			ownerUserId: state.user.sub,
			senderUserId: state.user.sub,
			action: 'send',
			resendsRemaining: 'N/A',
			bulkErrors: batch.errors.map((error) => ({ errorMessage: `${error.errorCode}: ${error.message}`, created: batch.submittedDate, recipientEmails: [] })),
		};
	}

	/** The issue-14 routes; true when one answered. */
	async function issue14Routes(request: IncomingMessage, response: ServerResponse, url: URL, path: string, body: Buffer): Promise<boolean> {
		const method = request.method;
		if (method === 'POST' && path === '/templates') return createTemplate(parseJson(body), response), true;
		if (method === 'GET' && path === '/templates') return listTemplates(url, response), true;
		const template = /^\/templates\/([^/]+)$/.exec(path);
		if (method === 'GET' && template) {
			const found = state.templates.get(template[1]);
			if (!found) return fail(response, 400, 'TEMPLATE_ID_INVALID', `Invalid template ID: ${template[1]}.`), true;
			return sendJson(response, 200, templateJson(found, true, true)), true;
		}
		if (method === 'POST' && path === '/connect') return createConnectConfiguration(parseJson(body), response), true;
		if (method === 'GET' && path === '/connect') {
			const configurations = [...state.connectConfigurations.values()].map(connectJson);
			return sendJson(response, 200, { configurations, totalRecords: String(configurations.length) }), true;
		}
		const connect = /^\/connect\/([^/]+)$/.exec(path);
		if (method === 'DELETE' && connect) {
			if (!state.connectConfigurations.delete(connect[1])) return fail(response, 400, 'INVALID_CONNECT_ID', 'The Connect configuration specified does not exist.'), true;
			return sendJson(response, 200, {}), true;
		}
		if (method === 'POST' && path === '/bulk_send_lists') return createBulkSendList(parseJson(body), response), true;
		const bulk = /^\/bulk_send_lists\/([^/]+)\/send$/.exec(path);
		if (method === 'POST' && bulk) return sendBulkList(bulk[1], parseJson(body), response), true;
		const batch = /^\/bulk_send_batch\/([^/]+)$/.exec(path);
		if (method === 'GET' && batch) {
			const found = state.bulkSendBatches.get(batch[1]);
			if (!found) return fail(response, 400, 'BULK_SEND_BATCH_NOT_FOUND', 'The bulk send batch specified does not exist.'), true;
			return sendJson(response, 200, batchStatusJson(found)), true;
		}
		const envelopeSub = /^\/envelopes\/([^/]+)\/(views\/recipient|documents\/certificate)$/.exec(path);
		if (envelopeSub) {
			const envelope = state.envelopes.get(envelopeSub[1]);
			if (!envelope) return fail(response, 400, 'ENVELOPE_DOES_NOT_EXIST', 'The envelope specified either does not exist or you have no rights to the envelope.'), true;
			if (method === 'POST' && envelopeSub[2] === 'views/recipient') return recipientView(envelope, parseJson(body), response), true;
			if (method === 'GET' && envelopeSub[2] === 'documents/certificate') {
				return sendBytes(response, 200, certificatePdf(envelope), { 'content-type': 'application/pdf', 'content-disposition': 'file; filename="Summary.pdf"' }), true;
			}
		}
		return false;
	}

	/** For what an API call caused: queued, not awaited. */
	function publishInBackground(event: string, envelope: Envelope, recipientId?: string): void {
		void publish(event, envelope, recipientId);
	}

	function bearer(request: IncomingMessage): { ok: true } | { ok: false; code: string; message: string } {
		const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
		if (!match) return { ok: false, code: 'USER_AUTHENTICATION_FAILED', message: 'One or both of Username and Password are invalid. Invalid access token' };
		const token = state.accessTokens.get(match[1]);
		if (!token || token.expiresAt <= state.now()) {
			return { ok: false, code: 'AUTHORIZATION_INVALID_TOKEN', message: 'The access token provided is expired, revoked or malformed.' };
		}
		return { ok: true };
	}

	function issueTokens(grant: string) {
		state.tokenGrants.push(grant);
		const access = `eyJ0eXAi.${randomBytes(24).toString('base64url')}`;
		const refresh = `eyJ0eXAi.${randomBytes(24).toString('base64url')}`;
		state.accessTokens.set(access, { expiresAt: state.now() + 8 * 3600 * 1000 });
		state.refreshTokens.add(refresh);
		// Exactly what DocuSign's account server answers (no `scope`).
		return { access_token: access, token_type: 'Bearer', refresh_token: refresh, expires_in: 28800 };
	}

	function oauth(request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer): boolean {
		if (request.method === 'GET' && url.pathname === '/oauth/auth') {
			const redirectUri = url.searchParams.get('redirect_uri') ?? '';
			if (url.searchParams.get('client_id') !== state.application.integrationKey || url.searchParams.get('response_type') !== 'code' || !redirectUri) {
				sendJson(response, 400, { error: 'invalid_request', error_description: 'unknown client_id, or no redirect_uri / response_type=code' });
				return true;
			}
			const code = randomBytes(16).toString('hex');
			state.codes.set(code, { redirectUri });
			const location = new URL(redirectUri);
			location.searchParams.set('code', code);
			const stateParam = url.searchParams.get('state');
			if (stateParam) location.searchParams.set('state', stateParam);
			response.writeHead(302, { location: location.toString() }).end();
			return true;
		}
		if (request.method === 'POST' && url.pathname === '/oauth/token') {
			const basic = /^Basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
			const [id, secret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
			if (id !== state.application.integrationKey || secret !== state.application.secretKey) {
				sendJson(response, 400, { error: 'invalid_client' });
				return true;
			}
			const form = new URLSearchParams(body.toString('utf8'));
			const grant = form.get('grant_type');
			if (grant === 'authorization_code') {
				const code = state.codes.get(form.get('code') ?? '');
				if (!code) {
					sendJson(response, 400, { error: 'invalid_grant' });
					return true;
				}
				state.codes.delete(form.get('code') ?? '');
				sendJson(response, 200, issueTokens(grant));
				return true;
			}
			if (grant === 'refresh_token') {
				const refresh = form.get('refresh_token') ?? '';
				if (!state.refreshTokens.has(refresh)) {
					sendJson(response, 400, { error: 'invalid_grant' });
					return true;
				}
				state.refreshTokens.delete(refresh);
				sendJson(response, 200, issueTokens(grant));
				return true;
			}
			sendJson(response, 400, { error: 'unsupported_grant_type' });
			return true;
		}
		if (request.method === 'GET' && url.pathname === '/oauth/userinfo') {
			const auth = bearer(request);
			if (!auth.ok) {
				sendJson(response, 401, { error: 'internal_server_error', reference_id: randomUUID() });
				return true;
			}
			const [givenName, ...familyName] = state.user.name.split(' ');
			sendJson(response, 200, {
				...state.user,
				given_name: givenName,
				family_name: familyName.join(' '),
				created: '2026-01-05T09:30:00.000Z',
				accounts: [{ account_id: state.accountId, is_default: true, account_name: 'Example Inc.', base_uri: listening.url }],
			});
			return true;
		}
		return false;
	}

	/** The last reason createEnvelope refused, for the bulk send queue (which has no response to answer). */
	let lastCreateError: { errorCode: string; message: string } | undefined;

	function createEnvelope(request: unknown, response: ServerResponse | undefined) {
		const refuse = (status: number, errorCode: string, message: string): undefined => {
			lastCreateError = { errorCode, message };
			if (response) fail(response, status, errorCode, message);
			return undefined;
		};
		let json = request;
		let templateId: string | undefined;
		if (isObject(json) && json.templateId !== undefined) {
			const expanded = expandTemplateRequest(json);
			if (!expanded.ok) return refuse(400, expanded.errorCode, expanded.message);
			templateId = String(json.templateId);
			json = expanded.json;
		}
		if (!isObject(json)) return refuse(400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
		const status = json.status ?? 'created';
		if (status !== 'sent' && status !== 'created') {
			return refuse(400, 'INVALID_ENVELOPE_STATUS', `Invalid envelope status "${String(status)}" for a new envelope: use "sent" or "created".`);
		}
		const documents = Array.isArray(json.documents) ? json.documents.filter(isObject) : [];
		if (documents.length === 0) return refuse(400, 'ENVELOPE_IS_INCOMPLETE', 'The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.');
		const parsed: Envelope['documents'] = [];
		for (const document of documents) {
			const data = Buffer.from(String(document.documentBase64 ?? ''), 'base64');
			if (!data.subarray(0, 5).equals(Buffer.from('%PDF-'))) {
				return refuse(400, 'FORMAT_CONVERSION_ERROR', 'The data could not be converted.');
			}
			if (typeof document.documentId !== 'string' || document.documentId === '' || typeof document.name !== 'string') {
				return refuse(400, 'INVALID_REQUEST_PARAMETER', 'Each document needs a documentId and a name.');
			}
			parsed.push({ documentId: document.documentId, name: document.name, data, pages: pageCount(data) });
		}
		const recipients = isObject(json.recipients) ? json.recipients : {};
		const signers = Array.isArray(recipients.signers) ? recipients.signers.filter(isObject) : [];
		if (status === 'sent' && signers.length === 0) {
			return refuse(400, 'ENVELOPE_IS_INCOMPLETE', 'The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.');
		}
		if (status === 'sent' && (typeof json.emailSubject !== 'string' || json.emailSubject.trim() === '')) {
			return refuse(400, 'ENVELOPE_IS_INCOMPLETE', 'The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, and a Subject Line.');
		}
		if (typeof json.emailSubject === 'string' && json.emailSubject.length > 100) {
			return refuse(400, 'INVALID_EMAIL_SUBJECT', 'The email subject is longer than 100 characters.');
		}
		const ids = new Set<string>();
		const created: Signer[] = [];
		for (const signer of signers) {
			const recipientId = String(signer.recipientId ?? '');
			if (recipientId === '' || ids.has(recipientId)) return refuse(400, 'INVALID_RECIPIENT_ID', 'The recipient Id is invalid or repeated.');
			ids.add(recipientId);
			if (typeof signer.email !== 'string' || !EMAIL.test(signer.email)) {
				return refuse(400, 'INVALID_EMAIL_ADDRESS_FOR_RECIPIENT', `The email address for the recipient is invalid. The recipient Id follows. ${recipientId}`);
			}
			if (typeof signer.name !== 'string' || signer.name.trim() === '') return refuse(400, 'RECIPIENT_NAME_REQUIRED', `A recipient name is required. The recipient Id follows. ${recipientId}`);
			const tabs = isObject(signer.tabs) ? (signer.tabs as Record<string, unknown>) : undefined;
			const anchorTabs: NonNullable<Signer['anchorTabs']> = [];
			for (const [group, list] of Object.entries(tabs ?? {})) {
				if (!Array.isArray(list)) return refuse(400, 'INVALID_REQUEST_BODY', `tabs.${group} must be an array.`);
				for (const tab of list.filter(isObject)) {
					if (typeof tab.anchorString === 'string' && tab.anchorString !== '') {
						const problem = placeAnchorTab(group, tab, parsed, anchorTabs);
						if (problem) return refuse(400, problem.errorCode, problem.message);
						continue;
					}
					const document = parsed.find((d) => d.documentId === tab.documentId);
					if (!document) return refuse(400, 'TAB_REFERS_TO_MISSING_DOCUMENT', `The DocumentId specified in the tab element does not refer to a document in this envelope. Tab refers to DocumentId ${String(tab.documentId)} which is not present.`);
					const page = Number(tab.pageNumber);
					if (!Number.isInteger(page) || page < 1 || page > document.pages) {
						return refuse(400, 'TAB_PAGENUMBER_IS_NOT_IN_DOCUMENT', `The pagenumber specified in the tab element is not in the document that the tab refers to. Tab on Page ${String(tab.pageNumber)} of Document ${document.documentId} for Recipient ${recipientId}`);
					}
				}
			}
			created.push({
				recipientId,
				recipientIdGuid: randomUUID(),
				userId: userIdOf(signer.email),
				email: signer.email,
				name: signer.name,
				roleName: typeof signer.roleName === 'string' ? signer.roleName : undefined,
				routingOrder: String(signer.routingOrder ?? '1'),
				status: 'created',
				tabs: tabs as Record<string, unknown[]> | undefined,
				resentCount: 0,
				...(typeof signer.clientUserId === 'string' && signer.clientUserId !== '' ? { clientUserId: signer.clientUserId } : {}),
				...(anchorTabs.length > 0 ? { anchorTabs } : {}),
			});
		}
		const now = iso();
		const envelope: Envelope = {
			envelopeId: randomUUID(),
			status,
			emailSubject: typeof json.emailSubject === 'string' ? json.emailSubject : '',
			emailBlurb: typeof json.emailBlurb === 'string' ? json.emailBlurb : undefined,
			createdDateTime: now,
			sentDateTime: status === 'sent' ? now : undefined,
			lastModifiedDateTime: now,
			statusChangedDateTime: now,
			documents: parsed,
			signers: created,
			...(templateId ? { templateId } : {}),
		};
		state.envelopes.set(envelope.envelopeId, envelope);
		return envelope;
	}

	const listening = await listen(async (request, response, body) => {
		const url = new URL(request.url ?? '/', 'http://simulator');
		const originalEnd = response.end.bind(response);
		response.end = ((...args: Parameters<typeof response.end>) => {
			state.requests.push({ method: request.method ?? '', path: url.pathname, authorization: request.headers.authorization, status: response.statusCode });
			return originalEnd(...args);
		}) as typeof response.end;

		if (url.pathname.startsWith('/__control/')) {
			const json = parseJson(body);
			if (request.method === 'POST' && url.pathname === '/__control/expire-tokens') {
				for (const token of state.accessTokens.values()) token.expiresAt = 0;
				return sendJson(response, 200, { ok: true });
			}
			if (request.method === 'POST' && url.pathname === '/__control/sign' && isObject(json)) {
				const envelope = state.envelopes.get(String(json.envelopeId));
				const signer = envelope?.signers.find((s) => s.email === json.email);
				if (!envelope || !signer || (signer.status !== 'sent' && signer.status !== 'delivered') || !['sent', 'delivered'].includes(envelope.status)) {
					return sendJson(response, 409, { message: 'nothing to sign for this person now' });
				}
				signer.status = 'completed';
				signer.signedDateTime = iso();
				envelope.lastModifiedDateTime = iso();
				await publish('recipient-completed', envelope, signer.recipientId);
				if (envelope.signers.every((s) => s.status === 'completed')) {
					envelope.status = 'completed';
					envelope.completedDateTime = iso();
					envelope.statusChangedDateTime = iso();
					await publish('envelope-completed', envelope);
				} else {
					for (const next of route(envelope)) await publish('recipient-sent', envelope, next.recipientId);
				}
				return sendJson(response, 200, { ok: true });
			}
			if (request.method === 'POST' && url.pathname === '/__control/retry-failed') {
				await worker.settled();
				const failed = state.deliveries.filter((d) => !d.delivered && !d.retried);
				for (const delivery of failed) {
					scheduled.get(delivery)?.cancel();
					void worker.run(() => retry(delivery));
				}
				await worker.settled();
				return sendJson(response, 200, { retried: failed.length });
			}
			return sendJson(response, 404, { message: 'unknown control route' });
		}

		if (url.pathname.startsWith('/oauth/') && oauth(request, response, url, body)) return;

		const rest = /^\/restapi\/v2\.1\/accounts\/([^/]+)(\/.*)?$/.exec(url.pathname);
		if (!rest) return fail(response, 404, 'RESOURCE_NOT_FOUND', `No route ${request.method} ${url.pathname}`);
		const auth = bearer(request);
		if (!auth.ok) return fail(response, 401, auth.code, auth.message);
		if (decodeURIComponent(rest[1]) !== state.accountId) {
			return fail(response, 400, 'USER_LACKS_MEMBERSHIP', 'The UserID does not have a valid membership in this Account.');
		}
		const path = rest[2] ?? '';

		if (request.method === 'GET' && path === '') {
			return sendJson(response, 200, accountJson());
		}

		if (await issue14Routes(request, response, url, path, body)) return;

		if (request.method === 'POST' && path === '/envelopes') {
			const envelope = createEnvelope(parseJson(body), response);
			if (!envelope) return;
			if (envelope.status === 'sent') {
				const reached = route(envelope);
				publishInBackground('envelope-sent', envelope);
				for (const signer of reached) publishInBackground('recipient-sent', envelope, signer.recipientId);
			}
			return sendJson(response, 201, {
				envelopeId: envelope.envelopeId,
				uri: `/envelopes/${envelope.envelopeId}`,
				statusDateTime: envelope.statusChangedDateTime,
				status: envelope.status,
			});
		}

		if (request.method === 'GET' && reconciliationRoute(state, path, url, response, (envelope) => envelopeJson(envelope, false))) return;

		const match = /^\/envelopes\/([^/]+)(\/documents\/combined|\/recipients)?$/.exec(path);
		if (match) {
			const [, id, sub] = match;
			if (!GUID.test(id)) return fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. Invalid value specified for envelopeId.');
			const envelope = state.envelopes.get(id);
			if (!envelope) return fail(response, 400, 'ENVELOPE_DOES_NOT_EXIST', 'The envelope specified either does not exist or you have no rights to the envelope.');

			if (request.method === 'GET' && sub === undefined) {
				const include = (url.searchParams.get('include') ?? '').split(',');
				return sendJson(response, 200, envelopeJson(envelope, include.includes('recipients')));
			}
			if (request.method === 'PUT' && sub === undefined) {
				const json = parseJson(body);
				if (!isObject(json)) return fail(response, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
				if (json.status === 'voided') {
					if (envelope.status !== 'sent' && envelope.status !== 'delivered') {
						return fail(response, 400, 'ENVELOPE_CANNOT_VOID_INVALID_STATE', "Only envelopes in the 'Sent' or 'Delivered' states may be voided.");
					}
					if (typeof json.voidedReason !== 'string' || json.voidedReason.trim() === '') {
						return fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'A voidedReason is required to void an envelope.');
					}
					envelope.status = 'voided';
					envelope.voidedReason = json.voidedReason;
					envelope.voidedDateTime = iso();
					envelope.statusChangedDateTime = iso();
					envelope.lastModifiedDateTime = iso();
					publishInBackground('envelope-voided', envelope);
				}
				return sendJson(response, 200, { envelopeId: envelope.envelopeId });
			}
			if (request.method === 'GET' && sub === '/documents/combined') {
				const certificate = url.searchParams.get('certificate') === 'true';
				const signed = envelope.status === 'completed' ? `\n% signed by: ${envelope.signers.map((s) => s.email).join(', ')}\n` : '\n';
				const data = Buffer.concat([
					...envelope.documents.map((d) => d.data),
					Buffer.from(signed),
					Buffer.from(certificate ? '% Certificate Of Completion\n' : ''),
				]);
				return sendBytes(response, 200, data, { 'content-type': 'application/pdf', 'content-disposition': 'file; filename="Combined.pdf"' });
			}
			if (request.method === 'PUT' && sub === '/recipients') {
				const json = parseJson(body);
				const wanted = isObject(json) && Array.isArray(json.signers) ? json.signers.filter(isObject) : [];
				if (wanted.length === 0) return fail(response, 400, 'INVALID_REQUEST_BODY', 'The request body is missing or improperly formatted.');
				const resend = url.searchParams.get('resend_envelope') === 'true';
				const results = wanted.map((one) => {
					const signer = envelope.signers.find((s) => s.recipientId === String(one.recipientId));
					if (!signer) return { recipientId: String(one.recipientId), errorDetails: { errorCode: 'INVALID_RECIPIENT_ID', message: 'A recipient ID was not found in the envelope.' } };
					if (resend) {
						if (!['sent', 'delivered'].includes(envelope.status) || !['sent', 'delivered'].includes(signer.status)) {
							return { recipientId: signer.recipientId, errorDetails: { errorCode: 'RECIPIENT_NOT_IN_SEQUENCE', message: 'The recipient cannot be resent the envelope in its current state.' } };
						}
						signer.resentCount++;
					}
					return { recipientId: signer.recipientId, recipientIdGuid: signer.recipientIdGuid, errorDetails: { errorCode: 'SUCCESS', message: '' } };
				});
				if (resend) {
					for (const result of results) if (result.errorDetails.errorCode === 'SUCCESS') publishInBackground('recipient-resent', envelope, result.recipientId);
				}
				return sendJson(response, 200, { recipientUpdateResults: results });
			}
		}
		return fail(response, 404, 'RESOURCE_NOT_FOUND', `No route ${request.method} ${url.pathname}`);
	});

	return {
		url: listening.url,
		/** What the credential's "Account Base URI" holds. */
		baseUri: listening.url,
		state,
		/** Resolves when every Connect message queued so far has been sent (and answered or timed out). */
		settled: (options?: SettleOptions) => worker.settled(options),
		async control(path: string, body: unknown = {}) {
			const answer = await fetch(`${listening.url}/__control/${path}`, { method: 'POST', body: JSON.stringify(body) });
			if (!answer.ok) throw new Error(`control ${path}: ${answer.status} ${await answer.text()}`);
			return (await answer.json()) as unknown;
		},
		close: async () => {
			worker.close();
			await listening.close();
		},
	};
}

export type DocuSignSimulator = Awaited<ReturnType<typeof startDocuSignSimulator>>;

/* ------------------------------------------------------------------------------------------ */
/* Reconciliation: list status changes and Connect's failure log (kept apart for merging)     */
/* ------------------------------------------------------------------------------------------ */

/**
 * Connect's failure log: a message that failed is logged (or its entry updated by a failed
 * retry), and leaves the log once a retry delivers it, as DocuSign documents for the log.
 * Messages are told apart by event, envelope and recipient (the body minus retryCount).
 */
function recordConnectOutcome(state: DocuSignSimulatorState, record: ConnectDelivery, configUrl: string, now: string): void {
	const parsed = JSON.parse(record.body) as { event: string; generatedDateTime: string; data: { envelopeId: string; recipientId?: string; envelopeSummary?: { emailSubject?: string } } };
	const failureId = createHmac('sha256', 'failure')
		.update([parsed.event, parsed.data.envelopeId, parsed.data.recipientId ?? '', parsed.generatedDateTime].join('\0'))
		.digest('hex')
		.slice(0, 32);
	const index = state.connectFailures.findIndex((failure) => failure.failureId === failureId);
	if (record.delivered) {
		if (index >= 0) state.connectFailures.splice(index, 1);
		return;
	}
	const entry: ConnectFailure = {
		failureId,
		envelopeId: parsed.data.envelopeId,
		accountId: state.accountId,
		configUrl,
		created: index >= 0 ? state.connectFailures[index].created : now,
		lastTry: now,
		retryCount: String(record.retryCount),
		status: 'failed',
		error: record.status === 0 ? 'The listener could not be reached or did not answer in time.' : `The listener answered HTTP ${record.status}.`,
		subject: parsed.data.envelopeSummary?.emailSubject ?? '',
	};
	if (index >= 0) state.connectFailures[index] = entry;
	else state.connectFailures.push(entry);
}

function dateParam(url: URL, name: string): number | undefined | 'invalid' {
	const raw = url.searchParams.get(name);
	if (raw === null || raw === '') return undefined;
	const parsed = Date.parse(raw);
	return Number.isNaN(parsed) ? 'invalid' : parsed;
}

/**
 * GET /envelopes (Envelopes: listStatusChanges) and GET /connect/failures (ConnectEvents:
 * listFailures). DocuSign requires `from_date` unless envelopes are named (`envelope_ids`);
 * `status` is a comma list of current statuses; pages are `start_position` + `count`, and the
 * counts are strings, as the REST API returns them. Answers and returns true when it handled it.
 */
function reconciliationRoute(
	state: DocuSignSimulatorState,
	path: string,
	url: URL,
	response: ServerResponse,
	toJson: (envelope: Envelope) => Record<string, unknown>,
): boolean {
	if (path !== '/envelopes' && path !== '/connect/failures') return false;
	const from = dateParam(url, 'from_date');
	const to = dateParam(url, 'to_date');
	if (from === 'invalid' || to === 'invalid') {
		fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. Invalid value for from_date or to_date.');
		return true;
	}
	if (path === '/connect/failures') {
		const failures = state.connectFailures.filter((failure) => {
			const created = Date.parse(failure.created);
			return (from === undefined || created >= from) && (to === undefined || created <= to);
		});
		sendJson(response, 200, { type: 'failures', totalRecords: String(failures.length), failures, logs: [] });
		return true;
	}
	const ids = (url.searchParams.get('envelope_ids') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
	if (from === undefined && ids.length === 0) {
		fail(response, 400, 'INVALID_REQUEST_PARAMETER', 'The request contained at least one invalid parameter. A value for from_date, envelope_ids, transaction_ids or folder_ids is required.');
		return true;
	}
	const statuses = (url.searchParams.get('status') ?? '').split(',').map((status) => status.trim().toLowerCase()).filter((status) => status && status !== 'any');
	const matching = [...state.envelopes.values()]
		.filter((envelope) => ids.length === 0 || ids.includes(envelope.envelopeId))
		.filter((envelope) => {
			const changed = Date.parse(envelope.statusChangedDateTime);
			return (from === undefined || changed >= from) && (to === undefined || changed <= to);
		})
		// DocuSign leaves drafts out of a status-change list unless asked for "created".
		.filter((envelope) => (statuses.length === 0 ? envelope.status !== 'created' : statuses.includes(envelope.status)))
		.sort((a, b) => Date.parse(a.statusChangedDateTime) - Date.parse(b.statusChangedDateTime));
	const start = Math.max(0, Number(url.searchParams.get('start_position') ?? 0) || 0);
	const count = Math.min(1000, Math.max(1, Number(url.searchParams.get('count') ?? 1000) || 1000));
	const page = matching.slice(start, start + count);
	const nextStart = start + page.length;
	const next = new URL(url.toString());
	next.searchParams.set('start_position', String(nextStart));
	sendJson(response, 200, {
		resultSetSize: String(page.length),
		startPosition: String(start),
		endPosition: String(Math.max(start, nextStart - 1)),
		totalSetSize: String(matching.length),
		nextUri: nextStart < matching.length ? `${path}${next.search}` : '',
		previousUri: '',
		envelopes: page.map(toJson),
	});
	return true;
}
