/**
 * The three flows of the issue, in a real n8n with the built package, the relay and the
 * SignNow simulator as real servers on loopback. The workflows come from examples/.
 */
import { contractPdf } from '../helpers/pdf';
import { prepareExample, readExample } from './harness/examples';
import type { WorkflowRef } from './harness/n8n';
import type { RelaySubscription } from './harness/relay';
import { freePort, http, waitFor } from './harness/util';
import { RELAY_SOURCE, settle, startWorld, stopWorld, waitForExecutions, type World } from './harness/world';

let world: World;

beforeAll(async () => {
	world = await startWorld();
}, 15 * 60_000);

afterAll(async () => {
	if (world) await stopWorld(world);
});

const SIGNED_PDF_PATH = '/signed-pdf';

function sinkRequestsFor(documentId: string) {
	return world.sink
		.to(SIGNED_PDF_PATH)
		.filter((request) => new URL(request.path, 'http://sink').searchParams.get('document') === documentId);
}

/** Imports and activates a via-relay example; resolves once its one relay subscription exists and the trigger stored its secret. */
async function activateRelayExample(file: string): Promise<{ workflow: WorkflowRef; subscription: RelaySubscription }> {
	const workflow = await world.n8n.createWorkflow(
		prepareExample(file, {
			credentials: {
				eSignRelayApi: world.credentials.eSignRelayApi,
				signNowApiKeyApi: world.credentials.signNowApiKeyApi,
			},
			text: { 'https://example.com': world.sink.url },
		}),
	);
	await world.n8n.activate(workflow);
	const [subscription] = await waitFor('the relay subscription', async () => {
		const found = await world.relay.subscriptions();
		return found.length === 1 ? found : undefined;
	});
	await world.n8n.waitUntilActivated(workflow, 'secret');
	return { workflow, subscription };
}

async function forgeDelivery(url: string, headers: Record<string, string>) {
	return await http(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...headers },
		body: JSON.stringify({ id: 'evt_forged', provider: 'signnow', type: 'document.completed', documentId: 'x' }),
	});
}

describe('Flow 1: signed document via the relay (examples/signed-document-via-relay.json)', () => {
	let workflow: WorkflowRef;
	let webhookUrl: string;

	test('activating the imported example creates a relay subscription for its webhook URL', async () => {
		// The one-time SignNow set-up a relay user does: account-wide "document complete" → relay.
		await world.signNow.subscribe('document.complete', world.relay.ingestUrl(RELAY_SOURCE), world.relaySecret);
		let subscription: RelaySubscription;
		({ workflow, subscription } = await activateRelayExample('signed-document-via-relay.json'));
		webhookUrl = subscription.url;
		expect(webhookUrl).toMatch(new RegExp(`^${world.n8n.baseUrl}/webhook/[^/]+/webhook$`));
		expect(subscription.eventTypes).toEqual(['document.completed']);
		// The SignNow Trigger listens to SignNow's events only.
		expect(subscription.providers).toEqual(['signnow']);
	});

	test('signing sends exactly the signed PDF to the sink, once', async () => {
		const documentId = await world.signNow.prepare(contractPdf('Flow 1 contract', 2), 'Flow 1 contract', 'signer@example.com');
		await world.signNow.sign(documentId);
		const [execution] = await waitForExecutions(world.n8n, workflow, 1);
		expect(execution.status).toBe('success');
		const expected = await world.signNow.download(documentId);
		expect(expected.subarray(0, 5).toString()).toBe('%PDF-');
		await waitFor('the sink to receive the PDF', () => sinkRequestsFor(documentId).length >= 1);
		const received = sinkRequestsFor(documentId);
		expect(received).toHaveLength(1);
		expect(received[0].body.equals(expected)).toBe(true);
	});

	test('the same provider callback sent again does not run the workflow again', async () => {
		const original = world.simulator.state.deliveries.find(
			(delivery) => delivery.event === 'user.document.complete' && delivery.url === world.relay.ingestUrl(RELAY_SOURCE),
		);
		expect(original).toBeDefined();
		const documentId = (JSON.parse(original!.rawBody) as { content: { document_id: string } }).content.document_id;
		const again = await http(original!.url, { method: 'POST', headers: original!.headers, body: original!.rawBody });
		expect(again.status).toBe(200);
		expect(again.json<{ events: Array<{ duplicate: boolean }> }>().events[0].duplicate).toBe(true);

		// Barrier: a second document signed afterwards must be the only new execution.
		const second = await world.signNow.prepare(contractPdf('Flow 1 second', 1), 'Flow 1 second', 'signer@example.com');
		await world.signNow.sign(second);
		await waitFor('the second PDF at the sink', () => sinkRequestsFor(second).length === 1);
		await settle();
		expect(await world.n8n.executions(workflow.id)).toHaveLength(2);
		expect(sinkRequestsFor(documentId)).toHaveLength(1);
	});

	test('a forged request to the trigger URL is refused with 401 and starts no execution', async () => {
		const before = (await world.n8n.executions(workflow.id)).length;
		const now = String(Math.floor(Date.now() / 1000));
		const forged = await forgeDelivery(webhookUrl, {
			'webhook-id': 'evt_forged',
			'webhook-timestamp': now,
			'webhook-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}`,
		});
		expect(forged.status).toBe(401);
		const unsigned = await forgeDelivery(webhookUrl, {});
		expect(unsigned.status).toBe(401);
		const stale = await forgeDelivery(webhookUrl, {
			'webhook-id': 'evt_forged',
			'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600),
			'webhook-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}`,
		});
		expect(stale.status).toBe(401);

		const third = await world.signNow.prepare(contractPdf('Flow 1 third', 1), 'Flow 1 third', 'signer@example.com');
		await world.signNow.sign(third);
		await waitFor('the third PDF at the sink', () => sinkRequestsFor(third).length === 1);
		await settle();
		expect(await world.n8n.executions(workflow.id)).toHaveLength(before + 1);
	});

	test('deactivating the workflow deletes the relay subscription', async () => {
		await world.n8n.deactivate(workflow);
		await waitFor('the relay subscription to be deleted', async () => (await world.relay.subscriptions()).length === 0, 30_000);
		const gone = await world.relay.admin('GET', `/v1/subscriptions`);
		expect(gone.status).toBe(200);
	});
});

describe('Flow 1, built before the per-provider nodes (legacy eSignTrigger + eSign types)', () => {
	const LEGACY = 'test/e2e/fixtures/legacy-signed-document-via-relay.json';

	test('the old workflow still imports, activates, and sends the signed PDF when a document is signed', async () => {
		const nodes = readExample(LEGACY).nodes as Array<{ type: string }>;
		expect(nodes.map((node) => node.type)).toEqual(['n8n-nodes-esign.eSignTrigger', 'n8n-nodes-esign.eSign', 'n8n-nodes-base.httpRequest']);
		const { workflow, subscription } = await activateRelayExample(LEGACY);
		// The provider-agnostic trigger listens to every provider, as it always did.
		expect(subscription.providers).toEqual([]);
		const documentId = await world.signNow.prepare(contractPdf('Legacy contract', 1), 'Legacy contract', 'legacy@example.com');
		await world.signNow.sign(documentId);
		const [execution] = await waitForExecutions(world.n8n, workflow, 1);
		expect(execution.status).toBe('success');
		await waitFor('the sink to receive the PDF', () => sinkRequestsFor(documentId).length >= 1);
		expect(sinkRequestsFor(documentId)[0].body.equals(await world.signNow.download(documentId))).toBe(true);
		await world.n8n.deactivate(workflow);
		await waitFor('the relay subscription to be deleted', async () => (await world.relay.subscriptions()).length === 0, 30_000);
	});
});

describe('Activation with the relay down', () => {
	test('n8n refuses to activate, with a message naming the relay URL and what to do', async () => {
		const down = `http://127.0.0.1:${await freePort()}`;
		const credential = await world.n8n.createCredential('Relay that is not running', 'eSignRelayApi', { url: down, apiToken: 'x'.repeat(32) });
		const workflow = await world.n8n.createWorkflow(
			prepareExample('signed-document-via-relay.json', {
				credentials: { eSignRelayApi: credential.id, signNowApiKeyApi: world.credentials.signNowApiKeyApi },
				text: { 'https://example.com': world.sink.url },
			}),
		);
		// n8n 2.40 publishes the workflow at once and activates its triggers in the background: the
		// trigger's error is recorded as its trigger status (what the editor shows on the node).
		const refused = await world.n8n.activate(workflow).then(() => undefined, (error: Error) => error.message.replace(/\\"/g, '"'));
		const message =
			refused ??
			(await waitFor('the trigger to fail activating', async () => {
				const status = await world.n8n.rest<{ status: string; triggers: Array<{ status: string; errorMessage: string | null }> }>(
					'GET',
					`/workflows/${workflow.id}/publication-status`,
				);
				return status.status === 'failed' ? (status.triggers[0]?.errorMessage ?? '') : undefined;
			}));
		expect(message).toContain(`Could not reach the relay at ${down}`);
		expect(message).toContain('Start the relay, or fix the Relay URL in the "E-Signature Relay API" credential.');
		expect(await world.relay.subscriptions()).toEqual([]);
		await world.n8n.deactivate(workflow).catch(() => undefined);
	});
});

describe('Flow 1b: the trigger attaches the signed PDF itself (examples/signed-pdf-attached-via-relay.json)', () => {
	let workflow: WorkflowRef;

	test('activation subscribes to SignNow\'s completed documents only, as the PDF comes with the SignNow credential', async () => {
		let subscription: RelaySubscription;
		({ workflow, subscription } = await activateRelayExample('signed-pdf-attached-via-relay.json'));
		expect(subscription.eventTypes).toEqual(['document.completed']);
		expect(subscription.providers).toEqual(['signnow']);
	});

	test('signing runs the two-node workflow once, and the sink receives exactly the signed PDF', async () => {
		const documentId = await world.signNow.prepare(contractPdf('Flow 1b contract', 3), 'Flow 1b contract', 'attach@example.com');
		await world.signNow.sign(documentId);
		const [execution] = await waitForExecutions(world.n8n, workflow, 1);
		expect(execution.status).toBe('success');
		await waitFor('the sink to receive the PDF', () => sinkRequestsFor(documentId).length >= 1);
		await settle();
		const received = sinkRequestsFor(documentId);
		expect(received).toHaveLength(1);
		const expected = await world.signNow.download(documentId);
		expect(expected.subarray(0, 5).toString()).toBe('%PDF-');
		expect(received[0].body.equals(expected)).toBe(true);
		expect(received[0].headers['content-type']).toMatch(/^application\/pdf/);
	});

	test('deactivating deletes its relay subscription', async () => {
		await world.n8n.deactivate(workflow);
		await waitFor('the relay subscription to be deleted', async () => (await world.relay.subscriptions()).length === 0, 30_000);
	});
});

describe('Flow 2: the action chain (examples/send-for-signature.json)', () => {
	test('upload → fields → role-based invite → webhook registration, run by n8n, leaves SignNow in the expected state', async () => {
		const workflow = await world.n8n.createWorkflow(
			prepareExample('send-for-signature.json', {
				credentials: { signNowApiKeyApi: world.credentials.signNowApiKeyApi },
				text: {
					'https://relay.example.com/ingest/signnow': world.relay.ingestUrl(RELAY_SOURCE),
					RELAY_SOURCE_SECRET: world.relaySecret,
				},
			}),
		);
		await world.n8n.activate(workflow);
		const pdf = contractPdf('Flow 2 agreement', 2);
		const documentsBefore = new Set(world.simulator.state.documents.keys());
		const answer = await waitFor('the production webhook to be registered', async () => {
			const response = await http(
				`${world.n8n.baseUrl}/webhook/send-for-signature?signerEmail=flow2.signer%40example.com&fileName=agreement.pdf`,
				{ method: 'POST', headers: { 'content-type': 'application/pdf' }, body: pdf },
			);
			return response.status === 404 ? undefined : response;
		});
		expect(answer.status).toBe(200);

		const created = [...world.simulator.state.documents.values()].filter((document) => !documentsBefore.has(document.id));
		expect(created).toHaveLength(1);
		const document = created[0];
		expect(document.original.equals(pdf)).toBe(true);
		expect(document.name).toBe('agreement');
		expect(document.pageCount).toBe(2);
		expect(document.fields.map((field) => [field.type, field.role, field.page_number])).toEqual([
			['signature', 'Signer 1', 0],
			['text', 'Signer 1', 0],
		]);
		expect(document.roles.map((role) => role.name)).toEqual(['Signer 1']);
		expect(document.fieldInvites.map((invite) => [invite.email, invite.status, invite.role])).toEqual([
			['flow2.signer@example.com', 'pending', 'Signer 1'],
		]);
		const subscriptions = [...world.simulator.state.subscriptions.values()].filter(
			(subscription) => subscription.entity_id === document.id,
		);
		expect(subscriptions.map((subscription) => [subscription.event, subscription.attributes.callback, subscription.secretKey])).toEqual([
			['document.complete', world.relay.ingestUrl(RELAY_SOURCE), world.relaySecret],
		]);
		expect(subscriptions[0].attributes.delete_access_token).toBe(true);

		const [execution] = await waitForExecutions(world.n8n, workflow, 1);
		expect(execution.status).toBe('success');
		await world.n8n.deactivate(workflow);
	});
});

describe('Flow 3: signed document, direct mode (examples/signed-document-direct.json)', () => {
	let workflow: WorkflowRef;
	let callbackUrl: string;

	test('activating registers an event subscription with SignNow for the trigger URL, with a secret key', async () => {
		workflow = await world.n8n.createWorkflow(
			prepareExample('signed-document-direct.json', {
				credentials: { signNowApiKeyApi: world.credentials.signNowApiKeyApi },
				text: { 'https://example.com': world.sink.url },
			}),
		);
		await world.n8n.activate(workflow);
		const subscription = await waitFor('the SignNow subscription', () =>
			[...world.simulator.state.subscriptions.values()].find((candidate) =>
				candidate.attributes.callback.startsWith(`${world.n8n.baseUrl}/webhook/`),
			),
		);
		callbackUrl = subscription.attributes.callback;
		await world.n8n.waitUntilActivated(workflow, 'providerSecret');
		expect(subscription.event).toBe('user.document.complete');
		expect(subscription.entity_id).toBe(world.simulator.user.id);
		expect(subscription.secretKey).toMatch(/^[0-9a-f]{64}$/);
		expect(subscription.attributes.delete_access_token).toBe(true);
	});

	test('signing sends exactly the signed PDF to the sink, once', async () => {
		const documentId = await world.signNow.prepare(contractPdf('Flow 3 contract', 1), 'Flow 3 contract', 'direct@example.com');
		await world.signNow.sign(documentId);
		const [execution] = await waitForExecutions(world.n8n, workflow, 1);
		expect(execution.status).toBe('success');
		const expected = await world.signNow.download(documentId);
		await waitFor('the sink to receive the PDF', () => sinkRequestsFor(documentId).length >= 1);
		const received = sinkRequestsFor(documentId);
		expect(received).toHaveLength(1);
		expect(received[0].body.equals(expected)).toBe(true);
		const direct = world.simulator.state.deliveries.filter((delivery) => delivery.url === callbackUrl);
		expect(direct.map((delivery) => delivery.status)).toEqual([200]);
	});

	test('a callback with a wrong SignNow signature is refused with 401 and starts no execution', async () => {
		const before = (await world.n8n.executions(workflow.id)).length;
		const genuine = world.simulator.state.deliveries.find((delivery) => delivery.url === callbackUrl)!;
		const tampered = genuine.rawBody.replace('"document_name":"', '"document_name":"X');
		const forged = await http(callbackUrl, { method: 'POST', headers: genuine.headers, body: tampered });
		expect(forged.status).toBe(401);
		const unsigned = await http(callbackUrl, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: genuine.rawBody,
		});
		expect(unsigned.status).toBe(401);

		const next = await world.signNow.prepare(contractPdf('Flow 3 next', 1), 'Flow 3 next', 'direct@example.com');
		await world.signNow.sign(next);
		await waitFor('the next PDF at the sink', () => sinkRequestsFor(next).length === 1);
		await settle();
		expect(await world.n8n.executions(workflow.id)).toHaveLength(before + 1);
	});

	test('deactivating removes the SignNow event subscription', async () => {
		await world.n8n.deactivate(workflow);
		await waitFor(
			'the SignNow subscription to be removed',
			() => ![...world.simulator.state.subscriptions.values()].some((s) => s.attributes.callback === callbackUrl),
			30_000,
		);
	});
});

describe('Flow 4: an NDA from a template to every row of a sheet, signed PDFs collected (examples/nda-from-template.json)', () => {
	test('every row gets its own prefilled document; each signed one is downloaded and stored, once', async () => {
		const templateId = await world.signNow.template(contractPdf('Mutual NDA', 1), 'Mutual NDA', ['Signer'], [{ name: 'company_name', role: 'Signer' }]);
		const workflow = await world.n8n.createWorkflow(
			prepareExample('nda-from-template.json', {
				credentials: { signNowApiKeyApi: world.credentials.signNowApiKeyApi },
				text: { 'https://example.com': world.sink.url, NDA_TEMPLATE_ID: templateId },
			}),
		);
		await world.n8n.activate(workflow);
		await world.n8n.waitUntilActivated(workflow, 'providerSecret');
		// The sheet: a CSV as a spreadsheet exports it (Google Sheets cannot be reached from the tests).
		const rows = [
			{ name: 'Ann Archer', email: 'ann@client-one.example', company: 'Client One' },
			{ name: 'Bo Baker', email: 'bo@client-two.example', company: 'Client Two' },
			{ name: 'Cy Cole', email: 'cy@client-three.example', company: 'Client Three' },
		];
		const csv = ['name,email,company', ...rows.map((row) => `${row.name},${row.email},${row.company}`)].join('\n');
		const documentsBefore = new Set(world.simulator.state.documents.keys());
		const answer = await waitFor('the production webhook to be registered', async () => {
			const response = await http(`${world.n8n.baseUrl}/webhook/nda-from-template`, {
				method: 'POST',
				headers: { 'content-type': 'text/csv' },
				body: Buffer.from(csv),
			});
			return response.status === 404 ? undefined : response;
		});
		expect(answer.status).toBe(200);
		const sent = answer.json<Array<{ id: string; templateId: string; status: string }>>();
		expect(sent.map((document) => [document.templateId, document.status])).toEqual(rows.map(() => [templateId, 'pending']));

		// One document per row, made from the template, prefilled and sent to that row's signer.
		const created = [...world.simulator.state.documents.values()].filter((document) => !documentsBefore.has(document.id));
		expect(created.map((document) => document.id).sort()).toEqual(sent.map((document) => document.id).sort());
		for (const row of rows) {
			const document = created.find((candidate) => candidate.fieldInvites.some((invite) => invite.email === row.email));
			expect({ row: row.email, found: document !== undefined }).toEqual({ row: row.email, found: true });
			expect(document!.fields.find((field) => field.name === 'company_name')?.prefilled_text).toBe(row.company);
			expect(document!.fieldInvites.map((invite) => [invite.email, invite.role, invite.status])).toEqual([[row.email, 'Signer', 'pending']]);
		}

		// Each signer signs: the trigger starts the collecting half once per document.
		for (const document of created) await world.signNow.sign(document.id);
		await waitFor('every signed NDA at the sink', () => created.every((document) => sinkRequestsFor(document.id).length >= 1), 120_000).catch(
			async (error: Error) => {
				// What happened instead: the callbacks SignNow made and the executions they started.
				const deliveries = world.simulator.state.deliveries.map((delivery) => `${delivery.url} → ${delivery.status}`);
				const executions = await world.n8n.executions(workflow.id);
				const failed = executions.find((execution) => execution.status !== 'success');
				const detail = failed ? JSON.stringify((await world.n8n.execution(failed.id)).data).slice(0, 3000) : '';
				throw new Error(`${error.message}\ndeliveries: ${deliveries.join('; ')}\nexecutions: ${executions.map((e) => e.status).join(', ')}\n${detail}`);
			},
		);
		await settle();
		for (const document of created) {
			const received = sinkRequestsFor(document.id);
			expect(received).toHaveLength(1);
			expect(received[0].body.equals(await world.signNow.download(document.id))).toBe(true);
		}
		await world.n8n.deactivate(workflow);
	});
});
