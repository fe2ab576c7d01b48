/**
 * What a SignNow user (or another system) does through SignNow's own API, outside n8n: the
 * steps before a signature that Flow 1 and the figures drive directly, and reading the result.
 * Uses the simulator's API key as a Bearer token, as SignNow's API accepts.
 */
import type { SignNowSimulator } from '../../simulators/signnow';
import { http } from './util';

export class SignNowUser {
	constructor(private readonly simulator: SignNowSimulator) {}

	private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await http(`${this.simulator.url}${path}`, {
			method,
			headers: { authorization: `Bearer ${this.simulator.apiKey}`, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		if (response.status !== 200) throw new Error(`SignNow ${method} ${path} answered ${response.status}: ${response.text}`);
		return response.json<T>();
	}

	async upload(pdf: Buffer, fileName: string): Promise<string> {
		const form = new FormData();
		form.append('file', new Blob([pdf], { type: 'application/pdf' }), fileName);
		const response = await fetch(`${this.simulator.url}/document`, {
			method: 'POST',
			headers: { authorization: `Bearer ${this.simulator.apiKey}` },
			body: form,
		});
		const text = await response.text();
		if (response.status !== 200) throw new Error(`SignNow upload answered ${response.status}: ${text}`);
		return (JSON.parse(text) as { id: string }).id;
	}

	async addSignatureField(documentId: string, role = 'Signer 1'): Promise<void> {
		await this.call('PUT', `/document/${documentId}`, {
			fields: [{ type: 'signature', role, page_number: 0, x: 100, y: 600, width: 200, height: 40, required: true }],
		});
	}

	async invite(documentId: string, signerEmail: string, role = 'Signer 1'): Promise<void> {
		const document = await this.call<{ roles: Array<{ unique_id: string; name: string }> }>('GET', `/document/${documentId}`);
		const found = document.roles.find((candidate) => candidate.name === role);
		if (!found) throw new Error(`document ${documentId} has no role "${role}"`);
		await this.call('POST', `/document/${documentId}/invite`, {
			to: [{ email: signerEmail, role_id: found.unique_id, role, order: 1, subject: 'Please sign', message: 'Please sign' }],
			from: this.simulator.user.email,
		});
	}

	/** A template as a SignNow user makes one: a document with a signature field per role and named text fields, turned into a template. */
	async template(pdf: Buffer, name: string, roles: string[], textFields: Array<{ name: string; role: string }> = []): Promise<string> {
		const documentId = await this.upload(pdf, `${name}.pdf`);
		await this.call('PUT', `/document/${documentId}`, {
			fields: [
				...roles.map((role, index) => ({ type: 'signature', role, page_number: 0, x: 72, y: 600 + 50 * index, width: 200, height: 40, required: true })),
				...textFields.map((field, index) => ({ type: 'text', role: field.role, name: field.name, page_number: 0, x: 300, y: 100 + 40 * index, width: 150, height: 24, required: false })),
			],
		});
		return (await this.call<{ id: string }>('POST', '/template', { document_id: documentId, document_name: name })).id;
	}

	/** An account-wide event subscription: SignNow calls `callback` for every document of the user. */
	async subscribe(event: string, callback: string, secretKey: string): Promise<void> {
		await this.call('POST', '/api/v2/events', {
			event: `user.${event}`,
			entity_id: this.simulator.user.id,
			action: 'callback',
			attributes: { callback, use_tls_12: true, delete_access_token: true },
			secret_key: secretKey,
		});
	}

	/** The signed PDF exactly as SignNow serves it. */
	async download(documentId: string): Promise<Buffer> {
		const response = await fetch(`${this.simulator.url}/document/${documentId}/download?type=collapsed`, {
			headers: { authorization: `Bearer ${this.simulator.apiKey}` },
		});
		if (response.status !== 200) throw new Error(`SignNow download answered ${response.status}`);
		return Buffer.from(await response.arrayBuffer());
	}

	async sign(documentId: string): Promise<void> {
		const response = await http(`${this.simulator.url}/__sim/sign`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ documentId }),
		});
		if (response.status !== 200) throw new Error(`simulated signing failed: ${response.status} ${response.text}`);
	}

	/** Upload → signature field → invite: a document waiting for its signer. */
	async prepare(pdf: Buffer, name: string, signerEmail: string): Promise<string> {
		const id = await this.upload(pdf, `${name}.pdf`);
		await this.addSignatureField(id);
		await this.invite(id, signerEmail);
		return id;
	}
}
