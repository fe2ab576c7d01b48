/**
 * The E-Signature node's SignOS operations, run through n8n's execution engine (n8n-core's
 * WorkflowExecute) against the SignOS simulator over real HTTP, with the SignOS API
 * credential applied by the credentials helper exactly as n8n applies it.
 */
import { Workflow, type INode, type IHttpRequestOptions } from 'n8n-workflow';

import { SignOsApi } from '../../credentials/SignOsApi.credentials';
import { SignOs } from '../../nodes/SignOs/SignOs.node';
import { binaryBytes, binaryItem, contractPdf, runNode, TestCredentialsHelper } from '../helpers';
import { SignOsSimulator } from '../simulators/signos/server';

let simulator: SignOsSimulator;
let credentials: TestCredentialsHelper;
let credential: { id: string; name: string };

async function startWith(options: ConstructorParameters<typeof SignOsSimulator>[0] = {}) {
	simulator = await new SignOsSimulator(options).start();
	credentials = new TestCredentialsHelper([new SignOsApi()]);
	credential = credentials.add('signOsApi', { apiKey: simulator.apiKey, baseUrl: simulator.url }) as { id: string; name: string };
}

afterEach(async () => {
	await simulator.stop();
});

async function run(parameters: Record<string, unknown>, input?: Parameters<typeof runNode>[0]['input'], as = credential) {
	return await runNode({
		node: {
			type: 'signOs',
			parameters: { authentication: 'apiKey', ...parameters },
			credentials: { signOsApi: as },
		},
		nodeTypes: { signOs: new SignOs() },
		credentialsHelper: credentials,
		input,
	});
}

async function upload(name = 'Service Agreement'): Promise<string> {
	const result = await run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [
		binaryItem(contractPdf(name), `${name}.pdf`),
	]);
	expect(result.error).toBeUndefined();
	return String(result.items[0].json.id);
}

async function send(documentId: string, signers: Array<{ email: string; role: string; order?: number }>) {
	return await run({
		resource: 'invite',
		operation: 'send',
		documentId,
		signers: { signer: signers },
		options: { subject: 'Please sign', expirationDays: 14 },
	});
}

describe('E-Signature node × SignOS simulator', () => {
	it('uploads through the presigned URL flow and creates a draft document', async () => {
		await startWith();
		const id = await upload();
		expect(id).toMatch(/^doc_/);
		const doc = simulator.documents.get(id);
		expect(doc).toMatchObject({ title: 'Service Agreement', status: 'draft', recipients: [] });
		expect(simulator.objects.get(doc?.storageKey ?? '')?.data.subarray(0, 5).toString()).toBe('%PDF-');

		const calls = simulator.requests.map((r) => [r.method, r.path.replace(/^\/r2\/.*/, '/r2/<key>'), r.status]);
		expect(calls).toEqual([
			['GET', '/v1/upload/presigned-url', 200],
			['PUT', '/r2/<key>', 200],
			['POST', '/v1/documents', 201],
		]);
		// The API key goes to SignOS, never to the storage URL.
		expect(simulator.requests[0].authorization).toBe(`Bearer ${simulator.apiKey}`);
		expect(simulator.requests[1].authorization).toBeUndefined();
		expect(simulator.requests[1].contentType).toBe('application/pdf');
	});

	it('sends to recipients, reports the status, and downloads the signed PDF once completed', async () => {
		await startWith();
		const id = await upload('Lease');
		const sent = await send(id, [
			{ email: 'tenant@example.com', role: 'signer', order: 1 },
			{ email: 'manager@example.com', role: 'Approver', order: 2 },
		]);
		expect(sent.error).toBeUndefined();
		expect(sent.items[0].json).toMatchObject({ provider: 'signos', documentId: id, status: 'sent' });
		const doc = simulator.documents.get(id);
		expect(doc?.recipients.map((r) => [r.email, r.role, r.order])).toEqual([
			['tenant@example.com', 'signer', 1],
			['manager@example.com', 'approver', 2],
		]);
		expect(doc?.subject).toBe('Please sign');
		expect(doc?.expiresAt).not.toBeNull();

		const pending = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(pending.items[0].json).toMatchObject({ id, name: 'Lease', status: 'pending' });

		const early = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(early.error?.message).toMatch(/not signed yet \(status: pending\)/);

		simulator.signRecipient(id, 'tenant@example.com');
		simulator.signRecipient(id, 'manager@example.com');
		const done = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(done.items[0].json).toMatchObject({ status: 'completed' });

		const file = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(file.error).toBeUndefined();
		expect(binaryBytes(file.items[0]).toString('latin1')).toContain(`SignOS signature certificate: ${id} completed`);
		expect(file.items[0].binary?.data.fileName).toBe('Lease-signed.pdf');
		expect(file.items[0].binary?.data.mimeType).toBe('application/pdf');
	});

	it('voids a sent document (Invite → Cancel)', async () => {
		await startWith();
		const id = await upload();
		expect((await send(id, [{ email: 'a@example.com', role: 'signer' }])).error).toBeUndefined();
		const cancelled = await run({ resource: 'invite', operation: 'cancel', documentId: id, reason: 'Wrong terms' });
		expect(cancelled.error).toBeUndefined();
		expect(simulator.documents.get(id)?.status).toBe('voided');
		const got = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(got.items[0].json).toMatchObject({ status: 'cancelled' });
	});

	it('refuses a role SignOS does not have, before calling SignOS', async () => {
		await startWith();
		const id = await upload();
		const before = simulator.requests.length;
		const result = await send(id, [{ email: 'a@example.com', role: 'Signer 1' }]);
		expect(result.error?.message).toMatch(/"Signer 1" is not a SignOS recipient role/);
		expect(simulator.requests.length).toBe(before);
	});

	it('surfaces SignOS\'s own error message and status', async () => {
		await startWith();
		const id = await upload();
		expect((await send(id, [{ email: 'a@example.com', role: 'cc' }])).error?.message).toMatch(
			/At least one signer or approver is required/,
		);
		const missing = await run({ resource: 'document', operation: 'get', documentId: 'doc_missing' });
		expect(missing.error?.message).toMatch(/Document doc_missing not found/);
	});

	it('fails with a readable error on a wrong API key', async () => {
		await startWith();
		const wrong = credentials.add('signOsApi', { apiKey: 'so_test_000000000000000000000000', baseUrl: simulator.url }) as {
			id: string;
			name: string;
		};
		const result = await run({ resource: 'document', operation: 'get', documentId: 'doc_x' }, undefined, wrong);
		expect(result.error?.message).toMatch(/SignOS rejected the credentials \(HTTP 401\)/);
	});

	it('waits for Retry-After on HTTP 429 and then succeeds', async () => {
		// One API call per 1.5 s window: the upload's second API call is rate-limited.
		await startWith({ rateLimit: { max: 1, windowMs: 1500 } });
		const id = await upload();
		expect(simulator.documents.get(id)?.status).toBe('draft');

		const api = simulator.requests.filter((r) => r.path.startsWith('/v1/'));
		const limited = api.find((r) => r.status === 429);
		expect(limited).toMatchObject({ method: 'POST', path: '/v1/documents' });
		const retry = api[api.indexOf(limited as (typeof api)[number]) + 1];
		expect(retry).toMatchObject({ method: 'POST', path: '/v1/documents', status: 201 });
		// The node waited as long as SignOS asked before sending the request again.
		expect(retry.atMs - (limited?.atMs ?? 0)).toBeGreaterThanOrEqual((limited?.retryAfter ?? 0) * 1000 - 5);
		expect(simulator.documents.size).toBe(1);
	});

	it('passes the credential test request against the simulator, and fails it with a wrong key', async () => {
		await startWith();
		const type = new SignOsApi();
		const node: INode = { id: 'c', name: 'c', type: 'mock', typeVersion: 1, position: [0, 0], parameters: {} };
		const workflow = new Workflow({
			nodes: [node],
			connections: {},
			active: false,
			nodeTypes: { getByName: () => undefined as never, getByNameAndVersion: () => undefined as never, getKnownTypes: () => ({}) },
		});
		const probe = async (apiKey: string) => {
			const data = credentials.applyDefaults('signOsApi', { apiKey, baseUrl: `${simulator.url}/` });
			const baseURL = workflow.expression.getSimpleParameterValue(node, type.test.request.baseURL as string, 'internal', {
				$credentials: data,
			}) as string;
			const options = (await credentials.authenticate(data, 'signOsApi', {
				url: type.test.request.url as string,
				method: 'GET',
				headers: {},
			} as IHttpRequestOptions)) as IHttpRequestOptions;
			const query = new URLSearchParams(type.test.request.qs as Record<string, string>).toString();
			return await fetch(`${baseURL}${options.url}?${query}`, { headers: options.headers as Record<string, string> });
		};
		expect((await probe(simulator.apiKey)).status).toBe(200);
		expect((await probe('so_live_wrongwrongwrongwrong')).status).toBe(401);
	});
});
