/**
 * A tiny provider over real HTTP for the node's own engine tests of issue 14's operations (the
 * router's once-for-all-items Bulk Send, parameter mapping, the file-not-ready wait): an
 * adapter that speaks a minimal JSON API, a server that answers it and records what it got,
 * and a node built from the adapter by the same factory as the provider nodes. Each provider's
 * real adapter is tested against its own simulator in test/providers/.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { INodeType, INodeTypeDescription } from 'n8n-workflow';

import { providerNodeDescription, providerNodeExecute } from '../../nodes/ESign/provider-node';
import {
	FileNotReadyError,
	type DocumentDetails,
	type ProviderAdapter,
	type ProviderClient,
	type TemplateSummary,
} from '../../nodes/providers/adapter';
import { makePdf } from './pdf';

export const CONTRACT_API_KEY = 'contract_key_5d1f0a';

export interface ContractServer {
	baseUrl: string;
	/** Every request: method, path and parsed JSON body. */
	requests: Array<{ method: string; path: string; body: unknown }>;
	/** How many more times GET /documents/:id/file answers 409 (and /certificate too). */
	notReadyTimes: number;
	close(): Promise<void>;
}

const TEMPLATES: TemplateSummary[] = [
	{ id: 'tpl_nda', name: 'Mutual NDA', roles: ['Client', 'Company'], fields: ['company_name', 'start_date'], raw: {} },
	{ id: 'tpl_offer', name: 'Offer Letter', roles: ['Candidate'], fields: ['salary'], raw: {} },
];

async function readJson(request: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	return text ? (JSON.parse(text) as unknown) : undefined;
}

export async function startContractServer(): Promise<ContractServer> {
	const state: ContractServer = { baseUrl: '', requests: [], notReadyTimes: 0, close: async () => undefined };
	let documents = 0;
	const server: Server = createServer((request, response) => {
		void (async () => {
			const url = new URL(request.url ?? '/', 'http://localhost');
			const body = await readJson(request);
			state.requests.push({ method: request.method ?? '', path: url.pathname + url.search, body });
			const json = (status: number, value: unknown) => {
				response.writeHead(status, { 'content-type': 'application/json' });
				response.end(JSON.stringify(value));
			};
			if (request.headers['x-auth-token'] !== CONTRACT_API_KEY) return json(401, { error: 'bad key' });
			const parts = url.pathname.split('/').filter(Boolean);
			if (request.method === 'GET' && url.pathname === '/templates') {
				const search = url.searchParams.get('search')?.toLowerCase();
				return json(200, TEMPLATES.filter((template) => !search || template.name.toLowerCase().includes(search)));
			}
			if (parts[0] === 'templates' && parts[1]) {
				const template = TEMPLATES.find((candidate) => candidate.id === parts[1]);
				if (!template) return json(404, { error: `no template ${parts[1]}` });
				if (request.method === 'GET' && parts.length === 2) return json(200, template);
				if (request.method === 'POST' && parts[2] === 'send') {
					documents++;
					return json(200, { id: `doc_${documents}`, name: template.name, status: 'pending' });
				}
				if (request.method === 'POST' && parts[2] === 'bulk') {
					const rows = (body as { rows: Array<{ email: string }> }).rows;
					return json(200, {
						batch: 'batch_1',
						rows: rows.map((row, index) =>
							row.email.endsWith('@bounce.test')
								? { index, email: row.email, status: 'failed', error: 'The address bounced before' }
								: { index, email: row.email, status: 'sent', documentId: `doc_${++documents}` },
						),
					});
				}
			}
			if (parts[0] === 'documents' && parts[1]) {
				if (request.method === 'GET' && parts.length === 2) return json(200, { id: parts[1], name: 'NDA', status: 'completed' });
				if (request.method === 'POST' && parts[2] === 'signing-link') {
					const { email } = body as { email: string };
					return json(200, { url: `https://sign.example/s/${parts[1]}/${encodeURIComponent(email)}?token=t0p5ecret`, expiresAt: '2026-12-03T18:00:00.000Z' });
				}
				if (request.method === 'POST' && parts[2] === 'fields') return json(200, { id: parts[1], name: 'NDA', status: 'draft' });
				if (request.method === 'GET' && (parts[2] === 'file' || parts[2] === 'certificate')) {
					if (state.notReadyTimes > 0) {
						state.notReadyTimes--;
						return json(409, { error: 'The file is still being prepared' });
					}
					response.writeHead(200, { 'content-type': 'application/pdf' });
					response.end(makePdf({ title: parts[2] === 'file' ? 'Signed NDA' : 'Audit certificate', pages: [[parts[2]]] }));
					return;
				}
			}
			return json(404, { error: 'no such route' });
		})();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	state.close = async () => await new Promise<void>((resolve) => server.close(() => resolve()));
	return state;
}

function details(answer: { id: string; name: string; status: string }): DocumentDetails {
	return { id: answer.id, name: answer.name, status: answer.status as DocumentDetails['status'], roles: [], invites: [], raw: answer };
}

/** The provider's 409 becomes FileNotReadyError with a short hint (tests stay fast). */
async function file(client: ProviderClient, path: string) {
	try {
		const answer = await client.request({ method: 'GET', path, response: 'binary' });
		return { data: answer.data, fileName: path.endsWith('certificate') ? 'certificate.pdf' : 'signed.pdf', mimeType: 'application/pdf' };
	} catch (error) {
		if ((error as { httpCode?: string }).httpCode === '409') throw new FileNotReadyError('The file is still being prepared', 100);
		throw error;
	}
}

export const contractAdapter: ProviderAdapter = {
	provider: 'contract',
	displayName: 'Contract Sign',
	credentials: [{ value: 'apiKey', displayName: 'API Key', credentialType: 'docuSealApi' }],
	baseUrl: (credentials) => String(credentials.baseUrl),
	errorMessage: (_status, body) => (body as { error?: string } | undefined)?.error,
	rateLimit: { maxRetries: 0, defaultRetryAfterMs: 10, maxWaitMs: 10 },
	fieldPlacement: { anchorText: true },
	document: {
		get: async (client, documentId) => details(await client.request({ method: 'GET', path: `/documents/${documentId}` })),
		addFields: async (client, { documentId, fields }) =>
			details(await client.request({ method: 'POST', path: `/documents/${documentId}/fields`, body: { kind: 'json', data: { fields } } })),
		download: async (client, { documentId }) => await file(client, `/documents/${documentId}/file`),
		auditCertificate: async (client, documentId) => await file(client, `/documents/${documentId}/certificate`),
	},
	template: {
		list: async (client, { search }) => await client.request<TemplateSummary[]>({ method: 'GET', path: '/templates', query: { search } }),
		get: async (client, templateId) => await client.request<TemplateSummary>({ method: 'GET', path: `/templates/${templateId}` }),
	},
	invite: {
		signingLink: async (client, { documentId, email, returnUrl }) => {
			const answer = await client.request<{ url: string; expiresAt: string }>({
				method: 'POST',
				path: `/documents/${documentId}/signing-link`,
				body: { kind: 'json', data: { email, returnUrl } },
			});
			return { documentId, email, url: answer.url, expiresAt: answer.expiresAt, raw: answer };
		},
	},
	webhook: {},
	signatureRequest: {
		sendFromTemplate: async (client, input) =>
			details(await client.request({ method: 'POST', path: `/templates/${input.templateId}/send`, body: { kind: 'json', data: input } })),
		bulkSend: async (client, input) => {
			const answer = await client.request<{ batch: string; rows: Array<{ index: number; email: string; status: 'sent' | 'failed'; documentId?: string; error?: string }> }>({
				method: 'POST',
				path: `/templates/${input.templateId}/bulk`,
				body: { kind: 'json', data: input },
			});
			return { batchId: answer.batch, rows: answer.rows, raw: answer };
		},
	},
};

/** The adapter's node, built by the provider nodes' factory. */
export function contractNode(): INodeType {
	const description: INodeTypeDescription = {
		...providerNodeDescription(contractAdapter),
		displayName: 'Contract Sign',
		name: 'contractSign',
		icon: 'file:contract.svg',
		usableAsTool: true,
	};
	return { description, execute: providerNodeExecute(contractAdapter) };
}
