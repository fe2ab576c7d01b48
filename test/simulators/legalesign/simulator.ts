/**
 * Legalesign's v1 callbacks as Legalesign sends them (seed 001; legalesign.com "How to
 * verify callback data"): the batched "all" callback as a form POST of `data` (the JSON list
 * of status changes, serialised as Python's json.dumps does) and `signed` (base64 RSA-SHA1
 * of that exact string, made with the key behind the published X.509 certificate), and the
 * realtime "signed" callback as a plain form POST. Retries re-send the identical body.
 */
import { createSign, randomUUID, type KeyObject } from 'node:crypto';

import { createSelfSignedCertificate } from './certificate';

export interface StatusChange {
	timestamp: string;
	name: string;
	value: string;
	resource_uri: string;
}

export interface CallbackRequest {
	body: string;
	headers: Record<string, string>;
}

export interface PostResult {
	status: number;
	body: string;
}

/** "YYYY-mm-ddTH:M:S", Legalesign's time format (UTC, no zone, no fraction). */
export function legalesignTimestamp(ms: number): string {
	return new Date(ms).toISOString().slice(0, 19);
}

/** Python's json.dumps default separators (", " and ": "), which is what Legalesign signs. */
export function pythonJsonDumps(changes: readonly StatusChange[]): string {
	const entry = (change: StatusChange) =>
		`{${(['timestamp', 'name', 'value', 'resource_uri'] as const)
			.map((key) => `${JSON.stringify(key)}: ${JSON.stringify(change[key])}`)
			.join(', ')}}`;
	return `[${changes.map(entry).join(', ')}]`;
}

export function signRsaSha1(privateKey: KeyObject, data: string): string {
	return createSign('sha1').update(data, 'utf8').sign(privateKey, 'base64');
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export class LegalesignSimulator {
	readonly certificatePem: string;
	private readonly privateKey: KeyObject;
	private pending: StatusChange[] = [];

	constructor() {
		const { certificatePem, privateKey } = createSelfSignedCertificate('legalesign.com/email@legalesign.com');
		this.certificatePem = certificatePem;
		this.privateKey = privateKey;
	}

	/** A document as Legalesign creates it: a uuid and one signer resource per signer. */
	createDocument(signers = 1): { documentId: string; signerIds: string[] } {
		return { documentId: randomUUID(), signerIds: Array.from({ length: signers }, () => randomUUID()) };
	}

	recordDocumentStatus(documentId: string, value: number, atMs = Date.now()): void {
		this.pending.push({ timestamp: legalesignTimestamp(atMs), name: 'status', value: String(value), resource_uri: `/api/v1/document/${documentId}/` });
	}

	recordSignerStatus(signerId: string, value: number, atMs = Date.now()): void {
		this.pending.push({ timestamp: legalesignTimestamp(atMs), name: 'status', value: String(value), resource_uri: `/api/v1/signer/${signerId}/` });
	}

	/** The "all" callback for everything recorded since the last one (what the 6-minute run posts). */
	takeBatch(): CallbackRequest {
		const data = pythonJsonDumps(this.pending);
		this.pending = [];
		return this.batchRequest(data);
	}

	batchRequest(data: string, signWith: KeyObject = this.privateKey): CallbackRequest {
		const body = new URLSearchParams({ data, signed: signRsaSha1(signWith, data) }).toString();
		return { body, headers: { ...FORM } };
	}

	/** The realtime "signed" callback: a regular POST dictionary, no signature. */
	signedCallback(documentId: string, name: string, group = 'your-group', tag = ''): CallbackRequest {
		const body = new URLSearchParams({
			resource_uri: `/api/v1/document/${documentId}/`,
			group: `/api/v1/group/${group}/`,
			name,
			uuid: documentId,
			tag,
		}).toString();
		return { body, headers: { ...FORM } };
	}

	/** The realtime callback in its signed form: `json_signed` in the POST, `X-Signed` header. */
	signedCallbackWithSignature(documentId: string, name: string, group = 'your-group'): CallbackRequest {
		const json = JSON.stringify({ resource_uri: `/api/v1/document/${documentId}/`, group: `/api/v1/group/${group}/`, name, uuid: documentId, tag: '' });
		const body = new URLSearchParams({ json_signed: json }).toString();
		return { body, headers: { ...FORM, 'x-signed': signRsaSha1(this.privateKey, json) } };
	}

	/** Posts a callback to a receiver (the relay) over real HTTP. */
	async post(url: string, request: CallbackRequest): Promise<PostResult> {
		const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
		return { status: response.status, body: await response.text() };
	}
}
