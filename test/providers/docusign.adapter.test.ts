/**
 * The DocuSign adapter's issue-14 operations (templates, send from template, embedded signing
 * links, anchor tabs, certificate, Connect webhooks, bulk send) against the DocuSign simulator
 * over real HTTP, through a plain `ProviderClient` (fetch with a Bearer token from the
 * simulator's account server): the adapter's requests and the simulator's answers, without n8n.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	ProviderInputError,
	type BinaryResponse,
	type ProviderClient,
	type ProviderRequest,
} from '../../nodes/providers/adapter';
import { docuSignAdapter } from '../../nodes/providers/docusign/api';
import { docusignWebhook } from '../../nodes/providers/docusign/webhook';
import { contractPdf, makePdf } from '../helpers/pdf';
import { startDocuSignSimulator, type DocuSignSimulator } from '../simulators/docusign/simulator';

let sim: DocuSignSimulator;
let client: ProviderClient;
let token: string;

class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly body: unknown,
	) {
		super(`HTTP ${status}: ${JSON.stringify(body)}`);
	}
}

/** A `ProviderClient` over fetch: what the node's transport does, minus n8n. */
function fetchClient(credentials: Record<string, unknown>): ProviderClient {
	const base = docuSignAdapter.baseUrl(credentials);
	async function request(req: ProviderRequest): Promise<unknown> {
		const url = new URL(/^https?:/.test(req.path) ? req.path : `${base}${req.path}`);
		for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
		const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...req.headers };
		let body: string | undefined;
		if (req.body?.kind === 'json') {
			headers['content-type'] = 'application/json';
			body = JSON.stringify(req.body.data);
		} else if (req.body) {
			throw new Error(`this test client sends JSON only, not ${req.body.kind}`);
		}
		const answer = await fetch(url, { method: req.method, headers, body });
		const bytes = Buffer.from(await answer.arrayBuffer());
		if (!answer.ok) {
			let parsed: unknown = bytes.toString('utf8');
			try {
				parsed = JSON.parse(String(parsed));
			} catch {
				/* not JSON */
			}
			throw new HttpError(answer.status, parsed);
		}
		if (req.response === 'none') return undefined;
		if (req.response === 'binary') return { data: bytes, mimeType: answer.headers.get('content-type') ?? undefined } satisfies BinaryResponse;
		return bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'));
	}
	return { request: request as ProviderClient['request'], credentials };
}

async function accessToken(simulator: DocuSignSimulator): Promise<string> {
	const consent = await fetch(
		`${simulator.url}/oauth/auth?response_type=code&client_id=${simulator.state.application.integrationKey}&redirect_uri=http://127.0.0.1/callback&scope=signature`,
		{ redirect: 'manual' },
	);
	const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
	const basic = Buffer.from(`${simulator.state.application.integrationKey}:${simulator.state.application.secretKey}`).toString('base64');
	const answer = await fetch(`${simulator.url}/oauth/token`, {
		method: 'POST',
		headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
		body: `grant_type=authorization_code&code=${code}`,
	});
	return ((await answer.json()) as { access_token: string }).access_token;
}

/** The simulator's createTemplate, as a DocuSign user makes one (here through the REST API). */
async function createTemplate(definition: Record<string, unknown>): Promise<string> {
	const created = await client.request<{ templateId: string }>({ method: 'POST', path: '/templates', body: { kind: 'json', data: definition } });
	return created.templateId;
}

function leaseTemplate(name = 'Residential lease') {
	return {
		name,
		emailSubject: 'Your lease to sign',
		documents: [{ documentId: '1', name: 'Lease', fileExtension: 'pdf', documentBase64: contractPdf('Lease', 2).toString('base64') }],
		recipients: {
			signers: [
				{
					recipientId: '1',
					roleName: 'Tenant',
					routingOrder: '1',
					tabs: {
						signHereTabs: [{ documentId: '1', pageNumber: '2', xPosition: '72', yPosition: '600' }],
						textTabs: [{ documentId: '1', pageNumber: '1', xPosition: '72', yPosition: '200', tabLabel: 'Rent' }],
						checkboxTabs: [{ documentId: '1', pageNumber: '1', xPosition: '72', yPosition: '260', tabLabel: 'Pets' }],
					},
				},
				{
					recipientId: '2',
					roleName: 'Landlord',
					routingOrder: '2',
					tabs: {
						signHereTabs: [{ documentId: '1', pageNumber: '2', xPosition: '300', yPosition: '600' }],
						textTabs: [{ documentId: '1', pageNumber: '1', xPosition: '300', yPosition: '200', tabLabel: 'Landlord company' }],
					},
				},
			],
		},
	};
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
	try {
		await promise;
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected a rejection');
}

beforeEach(async () => {
	sim = await startDocuSignSimulator();
	token = await accessToken(sim);
	client = fetchClient({ environment: 'demo', accountId: sim.state.accountId, baseUri: sim.baseUri });
});

afterEach(async () => {
	await sim.close();
});

const adapter = docuSignAdapter;

describe('templates', () => {
	test('list pages through GET /templates (count, start_position), filters by name, names each template\'s roles', async () => {
		for (let i = 1; i <= 5; i++) await createTemplate(leaseTemplate(`Lease ${i}`));
		await createTemplate({ ...leaseTemplate('NDA'), recipients: { signers: [{ recipientId: '1', roleName: 'Counterparty' }] } });
		const all = await adapter.template!.list!(client, { limit: 100 });
		expect(all.map((t) => t.name)).toEqual(['Lease 1', 'Lease 2', 'Lease 3', 'Lease 4', 'Lease 5', 'NDA']);
		expect(all[0].roles).toEqual(['Tenant', 'Landlord']);
		expect(all[5].roles).toEqual(['Counterparty']);

		const requests = sim.state.requests.length;
		const some = await adapter.template!.list!(client, { limit: 3 });
		expect(some.map((t) => t.name)).toEqual(['Lease 1', 'Lease 2', 'Lease 3']);
		// One page of exactly the 3 asked for.
		expect(sim.state.requests.slice(requests).filter((r) => r.path.endsWith('/templates'))).toHaveLength(1);

		const found = await adapter.template!.list!(client, { limit: 10, search: 'nda' });
		expect(found.map((t) => t.name)).toEqual(['NDA']);
	});

	test('get answers the roles and the prefillable tab labels; an unknown id is DocuSign\'s error', async () => {
		const id = await createTemplate(leaseTemplate());
		const template = await adapter.template!.get!(client, id);
		expect(template).toMatchObject({ id, name: 'Residential lease', roles: ['Tenant', 'Landlord'], fields: ['Rent', 'Pets', 'Landlord company'] });
		const missing = (await rejection(adapter.template!.get!(client, '00000000-0000-0000-0000-000000000000'))) as HttpError;
		// DocuSign answers 400 with an error code for a missing resource, as for envelopes.
		expect(missing.status).toBe(400);
		expect(missing.body).toMatchObject({ errorCode: 'TEMPLATE_ID_INVALID' });
	});
});

describe('send from template', () => {
	test('templateRoles fill the roles, prefilled values land in the role\'s tabs by label, the envelope is sent', async () => {
		const id = await createTemplate(leaseTemplate());
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId: id,
			subject: 'Lease for 12 Oak St',
			recipients: [
				{ role: 'tenant', email: 'tenant@example.com', name: 'Terry Tenant', order: 1 },
				{ role: 'Landlord', email: 'landlord@example.com', name: 'Lee Landlord', order: 2 },
			],
			fieldValues: { Rent: '1200', Pets: 'yes', 'Landlord company': 'Oak Homes' },
		});
		expect(details).toMatchObject({ name: 'Lease for 12 Oak St', status: 'pending' });
		expect(details.invites.map((i) => [i.email, i.role, i.status, i.signingOrder])).toEqual([
			['tenant@example.com', 'Tenant', 'sent', 1],
			['landlord@example.com', 'Landlord', 'created', 2],
		]);
		const envelope = sim.state.envelopes.get(details.id)!;
		expect(envelope.templateId).toBe(id);
		expect(envelope.documents[0].data.equals(contractPdf('Lease', 2))).toBe(true);
		expect(envelope.signers[0].tabs?.textTabs).toEqual([expect.objectContaining({ tabLabel: 'Rent', value: '1200' })]);
		expect(envelope.signers[0].tabs?.checkboxTabs).toEqual([expect.objectContaining({ tabLabel: 'Pets', selected: 'true' })]);
		expect(envelope.signers[1].tabs?.textTabs).toEqual([expect.objectContaining({ tabLabel: 'Landlord company', value: 'Oak Homes' })]);
		// Not embedded: no clientUserId, so DocuSign emails them.
		expect(envelope.signers.every((s) => s.clientUserId === undefined)).toBe(true);
	});

	test('an unknown role or field is refused before anything is sent, naming the template\'s roles and fields', async () => {
		const id = await createTemplate(leaseTemplate());
		const before = sim.state.envelopes.size;
		const role = await rejection(
			adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Buyer', email: 'b@example.com', name: 'B' }], fieldValues: {} }),
		);
		expect(role).toBeInstanceOf(ProviderInputError);
		expect(role.message).toBe('The template "Residential lease" has no role "Buyer"');
		expect((role as ProviderInputError).description).toBe('Its roles are: "Tenant", "Landlord".');
		const field = await rejection(
			adapter.signatureRequest!.sendFromTemplate!(client, {
				templateId: id,
				recipients: [{ role: 'Tenant', email: 't@example.com', name: 'T' }],
				fieldValues: { Deposit: '100' },
			}),
		);
		expect(field).toBeInstanceOf(ProviderInputError);
		expect((field as ProviderInputError).description).toBe('Its fields (tab labels) are: "Rent", "Pets", "Landlord company".');
		// A field of a role nobody fills would be dropped with the role: refused too.
		const unfilled = await rejection(
			adapter.signatureRequest!.sendFromTemplate!(client, {
				templateId: id,
				recipients: [{ role: 'Tenant', email: 't@example.com', name: 'T' }],
				fieldValues: { 'Landlord company': 'Oak Homes' },
			}),
		);
		expect(unfilled.message).toBe('The field "Landlord company" belongs to the role "Landlord", which no recipient fills');
		expect(sim.state.envelopes.size).toBe(before);
	});

	test('DocuSign matches a role by name and routing order: the adapter sends the template\'s order and refuses another', async () => {
		const id = await createTemplate(leaseTemplate());
		const wrong = await rejection(
			adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Landlord', email: 'l@example.com', name: 'L', order: 1 }], fieldValues: {} }),
		);
		expect(wrong).toBeInstanceOf(ProviderInputError);
		expect(wrong.message).toBe('The role "Landlord" signs at position 2 in the template, not 1');
		// The simulator, as DocuSign: a templateRole whose order differs matches no role and joins as
		// one more signer without tabs, while the role itself (unfilled) is dropped.
		const created = await client.request<{ envelopeId: string }>({
			method: 'POST',
			path: '/envelopes',
			body: { kind: 'json', data: { templateId: id, status: 'sent', templateRoles: [{ roleName: 'Landlord', routingOrder: '1', email: 'l@example.com', name: 'L' }] } },
		});
		const envelope = sim.state.envelopes.get(created.envelopeId)!;
		expect(envelope.signers.map((s) => [s.recipientId, s.roleName, s.routingOrder, s.tabs])).toEqual([['3', 'Landlord', '1', undefined]]);
	});

	test('roles left unfilled are dropped from the envelope, as DocuSign drops them', async () => {
		const id = await createTemplate(leaseTemplate());
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId: id,
			recipients: [{ role: 'Tenant', email: 'tenant@example.com', name: 'Terry Tenant' }],
			fieldValues: {},
		});
		expect(details.invites.map((i) => i.email)).toEqual(['tenant@example.com']);
		expect(details.name).toBe('Your lease to sign');
	});
});

describe('embedded signing links', () => {
	test('an embedded signer (clientUserId set at send) gets a recipient view URL that lasts 5 minutes', async () => {
		const id = await createTemplate(leaseTemplate());
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId: id,
			recipients: [{ role: 'Tenant', email: 'Tenant@Example.com', name: 'Terry Tenant' }],
			fieldValues: {},
			embeddedSigning: true,
		});
		expect(sim.state.envelopes.get(details.id)!.signers[0].clientUserId).toBe('tenant@example.com');
		const before = Date.now();
		const link = await adapter.invite.signingLink!(client, { documentId: details.id, email: 'tenant@example.com', returnUrl: 'https://app.example.com/done' });
		expect(link.url).toMatch(new RegExp(`^${sim.url}/Signing/MTRedeem/v1/[0-9a-f-]{36}\\?slt=`));
		expect(Date.parse(link.expiresAt!) - before).toBeGreaterThanOrEqual(5 * 60 * 1000 - 1000);
		expect(Date.parse(link.expiresAt!) - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000);
		expect(sim.state.recipientViews).toEqual([expect.objectContaining({ envelopeId: details.id, recipientId: '1', url: link.url, returnUrl: 'https://app.example.com/done' })]);
	});

	test('Send with embedded signing sets clientUserId too; a signer out of routing order gets DocuSign\'s error', async () => {
		const details = await adapter.signatureRequest!.send!(client, {
			file: { data: contractPdf('Lease', 1), fileName: 'lease.pdf', mimeType: 'application/pdf' },
			signers: [
				{ email: 'a@example.com', name: 'Ann', role: 'A', order: 1 },
				{ email: 'b@example.com', name: 'Bob', role: 'B', order: 2 },
			],
			fields: [],
			extractFieldsFromTags: false,
			embeddedSigning: true,
		});
		expect((await adapter.invite.signingLink!(client, { documentId: details.id, email: 'a@example.com', returnUrl: 'https://x.example/r' })).url).toContain('/Signing/');
		const early = (await rejection(adapter.invite.signingLink!(client, { documentId: details.id, email: 'b@example.com', returnUrl: 'https://x.example/r' }))) as HttpError;
		expect(early.body).toMatchObject({ errorCode: 'RECIPIENT_NOT_IN_SEQUENCE' });
	});

	test('a signer DocuSign emails (no clientUserId), a missing return URL, a stranger: ProviderInputErrors that say what to do', async () => {
		const id = await createTemplate(leaseTemplate());
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, {
			templateId: id,
			recipients: [{ role: 'Tenant', email: 'tenant@example.com', name: 'Terry Tenant' }],
			fieldValues: {},
		});
		const remote = await rejection(adapter.invite.signingLink!(client, { documentId: details.id, email: 'tenant@example.com', returnUrl: 'https://x.example/r' }));
		expect(remote).toBeInstanceOf(ProviderInputError);
		expect(remote.message).toBe('tenant@example.com is not an embedded signer, so DocuSign gives no signing link for them');
		expect((remote as ProviderInputError).description).toContain('"Embedded Signing"');
		const noReturn = await rejection(adapter.invite.signingLink!(client, { documentId: details.id, email: 'tenant@example.com' }));
		expect(noReturn.message).toBe('DocuSign needs a Return URL for a signing link');
		const stranger = await rejection(adapter.invite.signingLink!(client, { documentId: details.id, email: 'x@example.com', returnUrl: 'https://x.example/r' }));
		expect((stranger as ProviderInputError).description).toBe('Its signers are: tenant@example.com.');
		expect(sim.state.recipientViews).toEqual([]);
	});

	test('the simulator refuses a recipient view for a recipient that is not embedded, as DocuSign does', async () => {
		const id = await createTemplate(leaseTemplate());
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Tenant', email: 't@example.com', name: 'T' }], fieldValues: {} });
		const refused = (await rejection(
			client.request({ method: 'POST', path: `/envelopes/${details.id}/views/recipient`, body: { kind: 'json', data: { returnUrl: 'https://x.example', authenticationMethod: 'none', email: 't@example.com', userName: 'T', clientUserId: 't@example.com' } } }),
		)) as HttpError;
		expect(refused.status).toBe(400);
		expect(refused.body).toMatchObject({ errorCode: 'UNKNOWN_ENVELOPE_RECIPIENT' });
	});
});

describe('anchor tabs', () => {
	const pdf = makePdf({ title: 'Lease', pages: [['Lease agreement', 'Rent: 1200'], ['Tenant signature:', 'Landlord signature:', 'Tenant signature:']] });
	const send = (fields: Parameters<NonNullable<typeof adapter.signatureRequest>['send'] & object>[1]['fields']) =>
		adapter.signatureRequest!.send!(client, {
			file: { data: pdf, fileName: 'lease.pdf', mimeType: 'application/pdf' },
			signers: [{ email: 't@example.com', name: 'Terry', role: 'Tenant' }],
			fields,
			extractFieldsFromTags: false,
		});

	test('the adapter declares anchor text and sends anchorString with offsets in pixels (= points) and no page', async () => {
		expect(adapter.fieldPlacement?.anchorText).toBe(true);
		const details = await send([
			{ type: 'signature', role: 'Tenant', page: 1, x: 0, y: 0, width: 150, height: 30, required: true, anchor: { text: 'Tenant signature:', offsetX: 120, offsetY: -4 } },
			{ type: 'date', role: 'Tenant', page: 1, x: 0, y: 0, width: 100, height: 20, required: true, anchor: { text: 'rent:', offsetX: 60, offsetY: 0 } },
		]);
		const signer = sim.state.envelopes.get(details.id)!.signers[0];
		expect(signer.tabs?.signHereTabs).toEqual([
			{ anchorString: 'Tenant signature:', anchorXOffset: '120', anchorYOffset: '-4', anchorUnits: 'pixels', anchorIgnoreIfNotPresent: 'false', tabLabel: 'signature_1', optional: 'false' },
		]);
		// Every occurrence, on the page it is on; matched case-insensitively as DocuSign does by default.
		expect(signer.anchorTabs).toEqual([
			{ group: 'signHereTabs', anchorString: 'Tenant signature:', documentId: '1', pageNumber: 2 },
			{ group: 'signHereTabs', anchorString: 'Tenant signature:', documentId: '1', pageNumber: 2 },
			{ group: 'dateSignedTabs', anchorString: 'rent:', documentId: '1', pageNumber: 1 },
		]);
	});

	test('a text the PDF does not contain fails the send with ANCHOR_TAB_STRING_NOT_FOUND (anchorIgnoreIfNotPresent=false)', async () => {
		const missing = (await rejection(
			send([{ type: 'signature', role: 'Tenant', page: 1, x: 0, y: 0, width: 150, height: 30, required: true, anchor: { text: 'Guarantor signature:', offsetX: 0, offsetY: 0 } }]),
		)) as HttpError;
		expect(missing.status).toBe(400);
		expect(missing.body).toEqual({ errorCode: 'ANCHOR_TAB_STRING_NOT_FOUND', message: expect.stringContaining('Guarantor signature:') });
		expect(sim.state.envelopes.size).toBe(0);
	});
});

describe('certificate of completion and signed file', () => {
	test('auditCertificate downloads GET …/documents/certificate, a PDF naming the signers; download works at completion', async () => {
		const id = await createTemplate(leaseTemplate());
		const details = await adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Tenant', email: 't@example.com', name: 'Terry' }], fieldValues: {} });
		await sim.control('sign', { envelopeId: details.id, email: 't@example.com' });
		const certificate = await adapter.document.auditCertificate!(client, details.id);
		expect(certificate.mimeType).toBe('application/pdf');
		expect(certificate.data.subarray(0, 5).toString()).toBe('%PDF-');
		expect(certificate.data.toString('latin1')).toContain('Signer: Terry t@example.com - completed');
		const signed = await adapter.document.download!(client, { documentId: details.id, withHistory: false });
		expect(signed.data.toString('latin1')).toContain('% signed by: t@example.com');
	});
});

describe('Connect webhooks (custom configurations)', () => {
	async function listener() {
		const received: Array<{ headers: IncomingHttpHeaders; body: Buffer }> = [];
		const server = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(200).end();
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		return {
			url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
			received,
			close: () => new Promise<void>((resolve) => server.close(() => resolve())),
		};
	}

	test('register creates one configuration for the events, list shows it, Connect posts signed JSON SIM there, delete stops it', async () => {
		const hook = await listener();
		try {
			sim.state.connectHmacSecrets = ['account-connect-key'];
			const subscriptions = await adapter.webhook.register!(client, { events: ['envelope-sent', 'envelope-completed'], callbackUrl: hook.url });
			expect(subscriptions.map((s) => [s.event, s.callbackUrl])).toEqual([
				['envelope-sent', hook.url],
				['envelope-completed', hook.url],
			]);
			const connectId = subscriptions[0].id;
			expect(connectId).toMatch(/^\d+$/);
			expect(subscriptions[1].id).toBe(connectId);
			expect(sim.state.connectConfigurations.get(connectId)?.json).toMatchObject({
				configurationType: 'custom', urlToPublishTo: hook.url, allUsers: 'true', deliveryMode: 'SIM', includeHMAC: 'true', requiresAcknowledgement: 'true',
				eventData: { version: 'restv2.1', format: 'json', includeData: ['recipients'] },
			});
			expect((await adapter.webhook.list!(client)).map((s) => [s.id, s.event])).toEqual([
				[connectId, 'envelope-sent'],
				[connectId, 'envelope-completed'],
			]);

			const id = await createTemplate(leaseTemplate());
			const details = await adapter.signatureRequest!.sendFromTemplate!(client, { templateId: id, recipients: [{ role: 'Tenant', email: 't@example.com', name: 'T' }], fieldValues: {} });
			await sim.settled();
			// recipient-sent is not subscribed to: only envelope-sent arrives.
			expect(hook.received.map((m) => JSON.parse(m.body.toString()).event)).toEqual(['envelope-sent']);
			const message = hook.received[0];
			expect(JSON.parse(message.body.toString()).configurationId).toBe(Number(connectId));
			// What Direct mode's handler does with the key the user pasted into the credential.
			docusignWebhook.verify({ rawBody: message.body, headers: message.headers }, ['account-connect-key'], docusignWebhook.parseOptions({}), Date.now());
			expect(docusignWebhook.normalize({ rawBody: message.body, headers: message.headers }, docusignWebhook.parseOptions({}), Date.now())[0]).toMatchObject({ type: 'invite.sent', documentId: details.id });

			await adapter.webhook.delete!(client, connectId);
			expect(await adapter.webhook.list!(client)).toEqual([]);
			await sim.control('sign', { envelopeId: details.id, email: 't@example.com' });
			await sim.settled();
			expect(hook.received).toHaveLength(1);
		} finally {
			await hook.close();
		}
	});

	test('Direct mode is declared with the credential\'s Connect HMAC key; one envelope means the account; unknown events are refused', async () => {
		expect(adapter.directWebhook).toEqual({ secret: { kind: 'credential', field: 'connectHmacSecret' }, handlerOptions: { maxAgeSeconds: 600 } });
		// The handler with those options takes a fresh message and refuses one generated 11 minutes ago (a captured replay, or a Connect retry).
		const options = docusignWebhook.parseOptions(adapter.directWebhook!.handlerOptions);
		const message = (generatedDateTime: string) => {
			const rawBody = Buffer.from(JSON.stringify({ event: 'envelope-sent', generatedDateTime, data: { envelopeId: 'e' } }));
			return { rawBody, headers: { 'content-type': 'application/json', 'x-docusign-signature-1': createHmac('sha256', 'k').update(rawBody).digest('base64') } };
		};
		const now = Date.now();
		expect(() => docusignWebhook.verify(message(new Date(now - 60_000).toISOString()), ['k'], options, now)).not.toThrow();
		expect(() => docusignWebhook.verify(message(new Date(now - 11 * 60_000).toISOString()), ['k'], options, now)).toThrow(/outside the accepted window/);
		// Connect cannot watch one envelope: the configuration covers the account (no entityId), the trigger filters.
		const scoped = await adapter.webhook.register!(client, { events: ['envelope-sent'], callbackUrl: 'https://n8n.example/webhook', documentId: 'abc' });
		expect(scoped.map((s) => [s.event, s.entityId])).toEqual([['envelope-sent', undefined]]);
		expect(sim.state.connectConfigurations.get(scoped[0].id)?.json).not.toHaveProperty('envelopeIds');
		// Deleting the same configuration twice (once per event row) is fine: the second finds it gone.
		await adapter.webhook.delete!(client, scoped[0].id);
		await adapter.webhook.delete!(client, scoped[0].id);
		expect(sim.state.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([200]);
		const unknown = await rejection(adapter.webhook.register!(client, { events: ['envelope-signed'], callbackUrl: 'https://n8n.example/webhook' }));
		expect(unknown.message).toBe('Unknown DocuSign Connect event: envelope-signed');
		const badId = await rejection(adapter.webhook.delete!(client, 'not-a-number'));
		expect(badId).toBeInstanceOf(ProviderInputError);
		expect(sim.state.connectConfigurations.size).toBe(0);
	});
});

describe('bulk send', () => {
	test('a bulk send list, sent with the template: rows queued under one batch id, envelopes made afterwards, each with its Connect events', async () => {
		sim.state.connect = undefined;
		const received: string[] = [];
		const server = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				const body = JSON.parse(Buffer.concat(chunks).toString()) as { event: string; data: { envelopeId: string } };
				received.push(`${body.event} ${body.data.envelopeId}`);
				response.writeHead(200).end();
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		try {
			await adapter.webhook.register!(client, { events: ['envelope-sent'], callbackUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook` });
			const id = await createTemplate(leaseTemplate());
			const result = await adapter.signatureRequest!.bulkSend!(client, {
				templateId: id,
				role: 'tenant',
				title: 'Lease renewals',
				rows: [
					{ email: 'a@example.com', name: 'Ann', fieldValues: { Rent: '1000' } },
					{ email: 'b@example.com', name: 'Bob', fieldValues: { Rent: '1100', Pets: 'no' } },
					{ email: 'c@example.com', name: 'Cy', fieldValues: {} },
				],
			});
			expect(result.batchId).toMatch(/^[0-9a-f-]{36}$/);
			expect(result.rows).toEqual([
				{ index: 0, email: 'a@example.com', status: 'queued' },
				{ index: 1, email: 'b@example.com', status: 'queued' },
				{ index: 2, email: 'c@example.com', status: 'queued' },
			]);
			const list = [...sim.state.bulkSendLists.values()][0];
			expect(list.copies[1]).toEqual({ recipients: [{ roleName: 'Tenant', name: 'Bob', email: 'b@example.com', tabs: [{ tabLabel: 'Rent', initialValue: '1100' }, { tabLabel: 'Pets', initialValue: 'false' }] }] });

			await sim.settled();
			const batch = sim.state.bulkSendBatches.get(result.batchId!)!;
			expect([batch.queued, batch.sent, batch.failed]).toEqual([0, 3, 0]);
			const made = batch.envelopeIds.map((envelopeId) => sim.state.envelopes.get(envelopeId)!);
			expect(made.map((e) => [e.signers[0].email, e.signers[0].roleName, e.status, e.bulkBatchId])).toEqual([
				['a@example.com', 'Tenant', 'sent', result.batchId],
				['b@example.com', 'Tenant', 'sent', result.batchId],
				['c@example.com', 'Tenant', 'sent', result.batchId],
			]);
			expect(made[1].signers[0].tabs?.textTabs).toEqual([expect.objectContaining({ tabLabel: 'Rent', value: '1100' })]);
			// Roles no row fills (Landlord) are dropped, as with any envelope from a template.
			expect(made.every((e) => e.signers.length === 1)).toBe(true);
			expect(received).toEqual(made.map((e) => `envelope-sent ${e.envelopeId}`));

			const status = await client.request<Record<string, string>>({ method: 'GET', path: `/bulk_send_batch/${result.batchId}` });
			expect(status).toMatchObject({ batchId: result.batchId, batchSize: '3', sent: '3', queued: '0', failed: '0', envelopeIdOrTemplateId: id });
		} finally {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	});

	test('an unknown role or field is refused before any list is made', async () => {
		const id = await createTemplate(leaseTemplate());
		const role = await rejection(adapter.signatureRequest!.bulkSend!(client, { templateId: id, role: 'Buyer', rows: [{ email: 'a@example.com', name: 'A', fieldValues: {} }] }));
		expect((role as ProviderInputError).description).toBe('Its roles are: "Tenant", "Landlord".');
		const field = await rejection(adapter.signatureRequest!.bulkSend!(client, { templateId: id, role: 'Landlord', rows: [{ email: 'a@example.com', name: 'A', fieldValues: { Rent: '1' } }] }));
		expect(field.message).toBe('The field "Rent" belongs to the role "Tenant", which no recipient fills');
		expect(sim.state.bulkSendLists.size).toBe(0);
	});
});
