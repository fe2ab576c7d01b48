/** The admin API as the console uses it: one bearer token, kept for this browser tab only. */
const KEY = 'esign-relay-console-token';

export class ApiError extends Error {
	constructor(
		readonly status: number,
		message: string,
	) {
		super(message);
	}
}

export function savedToken(): string | null {
	return sessionStorage.getItem(KEY);
}

export function saveToken(token: string | null): void {
	if (token) sessionStorage.setItem(KEY, token);
	else sessionStorage.removeItem(KEY);
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
	const token = init.token ?? savedToken();
	const response = await fetch(`/v1${path}`, {
		method: init.method ?? 'GET',
		headers: {
			authorization: `Bearer ${token ?? ''}`,
			...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
		},
		body: init.body === undefined ? undefined : JSON.stringify(init.body),
	});
	if (response.status === 204) return undefined as T;
	const payload = (await response.json().catch(() => ({}))) as { message?: string };
	if (!response.ok) throw new ApiError(response.status, payload.message ?? `HTTP ${response.status}`);
	return payload as T;
}

export interface Whoami {
	kind: 'admin' | 'subscriber';
	tokenId?: string;
	name?: string;
}

export interface SourceView {
	id: string;
	type: string;
	origin: 'env' | 'console';
	ingestPath: string;
	secrets: Array<{ hint: string; expiresAt: string | null }>;
	createdAt: string | null;
	updatedAt: string | null;
}

export interface Breaker {
	state: 'closed' | 'open' | 'half_open';
	failures: number;
	openUntil: string | null;
}

export interface SubscriptionView {
	id: string;
	url: string;
	sources: string[];
	providers: string[];
	eventTypes: string[];
	documentId: string | null;
	description: string | null;
	status: 'active' | 'disabled';
	disabledReason?: string;
	createdAt: string;
	owner?: string;
	delivery: { queued: number; retrying: number; inFlight: number; dead: number; breaker: Breaker };
}

export interface Attempt {
	at: string;
	outcome: string;
	status: number | null;
	error: string | null;
	durationMs: number | null;
}

export const STATUSES = ['queued', 'retrying', 'in_flight', 'delivered', 'dead'] as const;
export type Status = (typeof STATUSES)[number];

export interface DeliveryView {
	id: string;
	eventId: string;
	subscriptionId: string;
	status: Status;
	attempts: number;
	history?: Attempt[];
	maxAttempts: number;
	lastError: string | null;
	lastStatus: number | null;
	createdAt: string;
	finishedAt: string | null;
}

export interface Minute {
	t: string;
	received: number;
	rejected: number;
	duplicate: number;
	delivered: number;
	retried: number;
	dead: number;
}

export interface Stats {
	queues: { queued: number; retrying: number; inFlight: number; dead: number };
	lastHour: null | {
		minutes: Minute[];
		totals: Omit<Minute, 't'>;
		rejectedByReason: Record<string, number>;
	};
}

export type Stage = 'uploaded' | 'invite_sent' | 'signed' | 'delivered' | 'failed';

export interface TimelineDelivery {
	id: string;
	subscriptionId: string;
	description: string | null;
	status: Status;
	history: Attempt[];
	lastStatus: number | null;
	lastError: string | null;
	finishedAt: string | null;
}

export interface TimelineEvent {
	id: string;
	source: string;
	provider: string;
	type: string;
	providerEvent: string;
	label: string;
	stage: Stage | null;
	occurredAt: string | null;
	receivedAt: string;
	documentName: string | null;
	signerEmail: string | null;
	deliveries: TimelineDelivery[];
}

export interface Timeline {
	documentId: string;
	documentName: string | null;
	steps: Record<Stage, boolean>;
	events: TimelineEvent[];
}
