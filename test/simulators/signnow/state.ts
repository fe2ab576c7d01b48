/**
 * What the SignNow simulator remembers: applications (client id/secret), users, tokens, API
 * keys, documents with their fields/roles/invites, event subscriptions, injected faults, and a
 * log of every request and callback delivery for assertions.
 */
import { randomBytes } from 'node:crypto';

export const hexId = (bytes = 20) => randomBytes(bytes).toString('hex');

export interface SimApplication {
	clientId: string;
	clientSecret: string;
	name: string;
}

export interface SimUser {
	id: string;
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}

export interface SimToken {
	accessToken: string;
	refreshToken?: string;
	userId: string;
	clientId?: string;
	/** ms since epoch; API keys never expire. */
	expiresAt: number;
	kind: 'oauth' | 'apiKey';
	revoked?: boolean;
}

export interface SimField {
	id: string;
	type: string;
	role: string;
	role_id: string;
	page_number: number;
	x: number;
	y: number;
	width: number;
	height: number;
	required: boolean;
	label?: string;
	name?: string;
	validator_id?: string;
	prefilled_text?: string;
}

export interface SimRole {
	unique_id: string;
	signing_order: string;
	name: string;
}

export interface SimFieldInvite {
	id: string;
	status: 'pending' | 'fulfilled' | 'declined' | 'skipped';
	email: string;
	role: string;
	role_id: string;
	order: number;
	created: number;
	updated: number;
	expiration_time: number;
	reminder: number;
	/** An embedded invite: signed through links the sender asks for, never emailed. */
	embedded?: boolean;
	redirectUri?: string;
}

export interface SimFreeFormRequest {
	id: string;
	signer_email: string;
	originator_email: string;
	signature_id: string | null;
	canceled: boolean | null;
	created: number;
	updated: number;
}

export interface SimDocument {
	id: string;
	ownerId: string;
	name: string;
	originalFileName: string;
	pageCount: number;
	original: Buffer;
	created: number;
	updated: number;
	fields: SimField[];
	roles: SimRole[];
	fieldInvites: SimFieldInvite[];
	requests: SimFreeFormRequest[];
	/** When everyone signed: who and when, fixed so every download gives the same bytes. */
	signatures: Array<{ email: string; signedAt: string }>;
	completedAt?: number;
	/** A template (SignNow keeps templates as documents with `template: true`). */
	isTemplate?: boolean;
	/** The folder it is in; documents default to the owner's Documents folder, templates to Templates. */
	folderId?: string;
	/** What happened to it, for `GET /document/{id}/history`. */
	history?: Array<{ event: string; email: string; created: number; field_id?: string }>;
}

export interface SimFolder {
	id: string;
	name: string;
	ownerId: string;
	parentId: string | null;
	system: boolean;
	created: number;
}

export interface SimSubscription {
	id: string;
	event: string;
	entity_id: string;
	ownerId: string;
	clientId?: string;
	action: 'callback';
	secretKey?: string;
	attributes: {
		callback: string;
		use_tls_12?: boolean;
		docid_queryparam?: boolean;
		delete_access_token?: boolean;
		include_metadata?: boolean;
		integration_id?: string;
		headers?: Record<string, string>;
	};
	/** The token that created it: SignNow puts it in `meta.access_token` unless asked not to. */
	creatorToken: string;
	created: number;
}

export interface SimDelivery {
	subscriptionId: string;
	url: string;
	event: string;
	rawBody: string;
	headers: Record<string, string>;
	status: number;
	error?: string;
	/** 0 for the first attempt, n for the n-th retry. */
	attempt: number;
}

export interface SimRequestLog {
	method: string;
	path: string;
	authorization?: string;
	status: number;
}

export class SignNowState {
	readonly applications = new Map<string, SimApplication>();
	readonly users = new Map<string, SimUser>();
	readonly tokens = new Map<string, SimToken>();
	readonly authorizationCodes = new Map<string, { userId: string; clientId: string; redirectUri?: string }>();
	readonly documents = new Map<string, SimDocument>();
	readonly subscriptions = new Map<string, SimSubscription>();
	readonly folders = new Map<string, SimFolder>();
	/** Embedded signing links handed out: token → the invite it opens. */
	readonly signingLinks = new Map<string, { documentId: string; inviteId: string; expiresAt: number }>();
	/** Bulk invite jobs as received: template, folder, CSV rows. */
	readonly bulkInvites: Array<{ templateId: string; folderId: string; documentIds: string[]; subject?: string; emailMessage?: string; documentName?: string }> = [];
	readonly deliveries: SimDelivery[] = [];
	readonly requests: SimRequestLog[] = [];
	/** Token-endpoint calls by grant type, to prove a refetch happened (or did not). */
	readonly tokenGrants: string[] = [];
	readonly faults = { rateLimitNext: 0, retryAfterSeconds: 1, rateLimited: 0 };

	constructor(
		readonly tokenLifetimeSeconds: number,
		readonly environment: string,
	) {}

	issueToken(userId: string, clientId: string | undefined): SimToken {
		const token: SimToken = {
			accessToken: hexId(32),
			refreshToken: hexId(32),
			userId,
			clientId,
			expiresAt: Date.now() + this.tokenLifetimeSeconds * 1000,
			kind: 'oauth',
		};
		this.tokens.set(token.accessToken, token);
		return token;
	}

	addApiKey(userId: string, key = `sn_api_${hexId(24)}`): string {
		this.tokens.set(key, { accessToken: key, userId, expiresAt: Number.POSITIVE_INFINITY, kind: 'apiKey' });
		return key;
	}

	/** Every OAuth access token expires now (API keys are unaffected), as after 30 days. */
	expireAccessTokens(): number {
		let count = 0;
		for (const token of this.tokens.values()) {
			if (token.kind === 'oauth' && token.expiresAt > Date.now()) {
				token.expiresAt = Date.now() - 1;
				count++;
			}
		}
		return count;
	}

	userByEmail(email: string): SimUser | undefined {
		return [...this.users.values()].find((user) => user.email.toLowerCase() === email.toLowerCase());
	}
}
