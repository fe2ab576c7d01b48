/**
 * The E-Signature node's DocuSign operations through n8n's execution engine against the DocuSign
 * simulator (account server + eSignature REST v2.1 over real HTTP), authenticated with an OAuth2
 * authorization-code token that n8n-core refreshes after a 401; and the simulator's Connect
 * messages checked by the relay's pure handler.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { ICredentialDataDecryptedObject, IDataObject, INodeCredentialsDetails, INodeExecutionData } from 'n8n-workflow';

import { DocuSignOAuth2Api } from '../../credentials/DocuSignOAuth2Api.credentials';
import { DocuSign } from '../../nodes/DocuSign/DocuSign.node';
import { docusignWebhook } from '../../nodes/providers/docusign/webhook';
import {
	binaryBytes,
	binaryItem,
	connectAuthorizationCode,
	contractPdf,
	oAuth2ApiCredentialType,
	runNode,
	testCredential,
	TestCredentialsHelper,
} from '../helpers';
import { startDocuSignSimulator, type DocuSignSimulator } from '../simulators/docusign/simulator';

let simulator: DocuSignSimulator;
let credentials: TestCredentialsHelper;
let credential: INodeCredentialsDetails;

/** What the user enters, plus the OAuth URLs pointed at the simulator instead of account-d.docusign.com. */
function credentialData(extra: ICredentialDataDecryptedObject = {}): ICredentialDataDecryptedObject {
	return {
		environment: 'demo',
		accountId: simulator.state.accountId,
		baseUri: simulator.baseUri,
		clientId: simulator.state.application.integrationKey,
		clientSecret: simulator.state.application.secretKey,
		authUrl: `${simulator.url}/oauth/auth`,
		accessTokenUrl: `${simulator.url}/oauth/token`,
		...extra,
	};
}

async function connect(): Promise<IDataObject> {
	return await connectAuthorizationCode({
		authUrl: `${simulator.url}/oauth/auth`,
		accessTokenUrl: `${simulator.url}/oauth/token`,
		clientId: simulator.state.application.integrationKey,
		clientSecret: simulator.state.application.secretKey,
		scope: 'signature extended',
	});
}

beforeEach(async () => {
	simulator = await startDocuSignSimulator();
	credentials = new TestCredentialsHelper([new DocuSignOAuth2Api(), oAuth2ApiCredentialType]);
	credential = credentials.add('docuSignOAuth2Api', credentialData({ oauthTokenData: await connect() }));
});

afterEach(async () => {
	await simulator.close();
});

async function run(parameters: Record<string, unknown>, input?: INodeExecutionData[], details = credential) {
	return await runNode({
		node: {
			type: 'docuSign',
			parameters: { authentication: 'oAuth2', ...parameters },
			credentials: { docuSignOAuth2Api: details },
		},
		nodeTypes: { docuSign: new DocuSign() },
		credentialsHelper: credentials,
		input,
	});
}

const SIGNERS = {
	signer: [
		{ email: 'tenant@example.com', name: 'Terry Tenant', role: 'Tenant', order: 1 },
		{ email: 'landlord@example.com', name: 'Lee Landlord', role: 'Landlord', order: 2 },
	],
};

async function send(extra: Record<string, unknown> = {}) {
	return await run(
		{
			resource: 'signatureRequest',
			operation: 'send',
			binaryPropertyName: 'data',
			requestSigners: SIGNERS,
			signatureFields: {
				field: [
					{ type: 'signature', role: 'Tenant', page: 2, x: 72, y: 650, width: 200, height: 40, required: true },
					{ type: 'date', role: 'landlord@example.com', page: 2, x: 300, y: 650, width: 120, height: 20, required: true },
				],
			},
			options: { subject: 'Lease for 12 Oak St', message: 'Please sign by Friday' },
			...extra,
		},
		[binaryItem(contractPdf('Lease', 2), 'lease.pdf')],
	);
}

async function sentEnvelopeId(): Promise<string> {
	const result = await send();
	expect(result.error).toBeUndefined();
	return String(result.items[0].json.id);
}

describe('E-Signature node × DocuSign simulator', () => {
	it('creates and sends an envelope in one call: base64 document, signers in routing order, tabs', async () => {
		const result = await send();
		expect(result.error).toBeUndefined();
		const json = result.items[0].json;
		expect(json).toMatchObject({ provider: 'docusign', name: 'Lease for 12 Oak St', status: 'pending', signed: false, fieldsAdded: 2 });
		const envelope = simulator.state.envelopes.get(String(json.id));
		expect(envelope?.status).toBe('sent');
		expect(envelope?.emailBlurb).toBe('Please sign by Friday');
		expect(envelope?.documents[0].data.equals(contractPdf('Lease', 2))).toBe(true);
		expect(envelope?.signers.map((s) => [s.email, s.name, s.roleName, s.routingOrder, s.status])).toEqual([
			['tenant@example.com', 'Terry Tenant', 'Tenant', '1', 'sent'],
			['landlord@example.com', 'Lee Landlord', 'Landlord', '2', 'created'],
		]);
		expect(envelope?.signers[0].tabs).toEqual({
			signHereTabs: [{ documentId: '1', pageNumber: '2', xPosition: '72', yPosition: '650', tabLabel: 'signature_1', optional: 'false' }],
		});
		expect(envelope?.signers[1].tabs?.dateSignedTabs).toHaveLength(1);
		// Every REST call carried the connected OAuth token.
		const rest = simulator.state.requests.filter((r) => r.path.startsWith('/restapi/'));
		expect(rest.length).toBeGreaterThan(0);
		expect(rest.every((r) => r.authorization?.startsWith('Bearer eyJ0eXAi.'))).toBe(true);
	});

	it('gets an envelope with its recipients', async () => {
		const id = await sentEnvelopeId();
		const result = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({ id, status: 'pending' });
		expect((result.items[0].json.invites as Array<{ email: string; status: string }>).map((i) => [i.email, i.status])).toEqual([
			['tenant@example.com', 'sent'],
			['landlord@example.com', 'created'],
		]);
	});

	it('reminds a pending signer (resend_envelope), and refuses one who already signed', async () => {
		const id = await sentEnvelopeId();
		const reminded = await run({ resource: 'signatureRequest', operation: 'remind', documentId: id, signerEmail: 'tenant@example.com' });
		expect(reminded.error).toBeUndefined();
		expect(reminded.items[0].json.remindedEmail).toBe('tenant@example.com');
		expect(simulator.state.envelopes.get(id)?.signers[0].resentCount).toBe(1);

		await simulator.control('sign', { envelopeId: id, email: 'tenant@example.com' });
		const again = await run({ resource: 'signatureRequest', operation: 'remind', documentId: id, signerEmail: 'tenant@example.com' });
		expect(again.error?.message).toBe('tenant@example.com has already signed');
		expect(simulator.state.envelopes.get(id)?.signers[0].resentCount).toBe(1);
	});

	it('downloads the combined PDF only once completed, with the certificate on request', async () => {
		const id = await sentEnvelopeId();
		const early = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data' });
		expect(early.error?.message).toBe(`Document ${id} is not signed yet (status: pending)`);

		await simulator.control('sign', { envelopeId: id, email: 'tenant@example.com' });
		await simulator.control('sign', { envelopeId: id, email: 'landlord@example.com' });
		const file = await run({
			resource: 'document',
			operation: 'download',
			documentId: id,
			binaryPropertyName: 'signed',
			options: { withHistory: true },
		});
		expect(file.error).toBeUndefined();
		expect(file.items[0].json).toMatchObject({ status: 'completed', mimeType: 'application/pdf', fileName: 'Combined.pdf' });
		const text = binaryBytes(file.items[0], 'signed').toString('latin1');
		expect(text.startsWith('%PDF-')).toBe(true);
		expect(text).toContain('signed by: tenant@example.com, landlord@example.com');
		expect(text).toContain('Certificate Of Completion');
	});

	it('voids a pending envelope with the reason, and reports DocuSign\'s error for a completed one', async () => {
		const id = await sentEnvelopeId();
		const voided = await run({ resource: 'invite', operation: 'cancel', documentId: id, reason: 'Wrong unit number' });
		expect(voided.error).toBeUndefined();
		expect(simulator.state.envelopes.get(id)).toMatchObject({ status: 'voided', voidedReason: 'Wrong unit number' });

		const done = await sentEnvelopeId();
		await simulator.control('sign', { envelopeId: done, email: 'tenant@example.com' });
		await simulator.control('sign', { envelopeId: done, email: 'landlord@example.com' });
		const refused = await run({ resource: 'invite', operation: 'cancel', documentId: done });
		expect(refused.error?.httpCode).toBe('400');
		expect(refused.error?.message).toBe(
			"DocuSign answered HTTP 400: Only envelopes in the 'Sent' or 'Delivered' states may be voided. (ENVELOPE_CANNOT_VOID_INVALID_STATE)",
		);
	});

	it('reports an unknown envelope with DocuSign\'s error code', async () => {
		const result = await run({ resource: 'document', operation: 'get', documentId: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' });
		expect(result.error?.message).toMatch(/ENVELOPE_DOES_NOT_EXIST/);
	});

	it('refuses a field for a signer that is not in the list, before calling DocuSign', async () => {
		const result = await send({
			signatureFields: { field: [{ type: 'signature', role: 'Guarantor', page: 1, x: 1, y: 1, width: 10, height: 10, required: true }] },
		});
		expect(result.error?.message).toBe('Field 1: no signer has the role or email "Guarantor"');
		expect(simulator.state.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/envelopes'))).toHaveLength(0);
	});

	it('passes on DocuSign\'s validation error for a tab beyond the last page', async () => {
		const result = await send({
			signatureFields: { field: [{ type: 'signature', role: 'Tenant', page: 5, x: 1, y: 1, width: 10, height: 10, required: true }] },
		});
		expect(result.error?.message).toMatch(/TAB_PAGENUMBER_IS_NOT_IN_DOCUMENT/);
		expect(simulator.state.envelopes.size).toBe(0);
	});
});

describe('E-Signature node × DocuSign simulator: issue 14', () => {
	it('Send with "Embedded Signing" (a DocuSign-only parameter) makes embedded recipients: clientUserId on each signer', async () => {
		const parameter = new DocuSign().description.properties.find((property) => property.name === 'embeddedSigning');
		// The factory keeps it on the DocuSign node, without the provider condition.
		expect(parameter?.displayOptions?.show).toEqual({ resource: ['signatureRequest'], operation: ['send'] });
		const result = await send({ embeddedSigning: true });
		expect(result.error).toBeUndefined();
		const envelope = simulator.state.envelopes.get(String(result.items[0].json.id));
		expect(envelope?.signers.map((signer) => signer.clientUserId)).toEqual(['tenant@example.com', 'landlord@example.com']);
	});

	it('Send without it leaves the signers to DocuSign\'s emails (no clientUserId)', async () => {
		const result = await send();
		expect(result.error).toBeUndefined();
		const envelope = simulator.state.envelopes.get(String(result.items[0].json.id));
		expect(envelope?.signers.map((signer) => signer.clientUserId)).toEqual([undefined, undefined]);
	});

	/** A server template, made as a DocuSign user's integration would (POST /templates). */
	async function seedTemplate(name = 'Residential lease'): Promise<string> {
		const token = String((await connect()).access_token);
		const answer = await fetch(`${simulator.url}/restapi/v2.1/accounts/${simulator.state.accountId}/templates`, {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: JSON.stringify({
				name,
				emailSubject: 'Your lease',
				documents: [{ documentId: '1', name: 'Lease', fileExtension: 'pdf', documentBase64: contractPdf('Lease', 2).toString('base64') }],
				recipients: {
					signers: [
						{ recipientId: '1', roleName: 'Tenant', routingOrder: '1', tabs: { textTabs: [{ documentId: '1', pageNumber: '1', xPosition: '72', yPosition: '200', tabLabel: 'Rent' }] } },
						{ recipientId: '2', roleName: 'Landlord', routingOrder: '2' },
					],
				},
			}),
		});
		expect(answer.status).toBe(201);
		return ((await answer.json()) as { templateId: string }).templateId;
	}

	it('Template → List (limit, filters.search) and Get (templateId): roles and prefillable fields', async () => {
		const lease = await seedTemplate();
		await seedTemplate('NDA');
		const listed = await run({ resource: 'template', operation: 'list', limit: 10, filters: { search: 'lease' } });
		expect(listed.error).toBeUndefined();
		expect(listed.items.map((item) => [item.json.id, item.json.name, item.json.roles])).toEqual([[lease, 'Residential lease', ['Tenant', 'Landlord']]]);
		const got = await run({ resource: 'template', operation: 'get', templateId: lease });
		expect(got.error).toBeUndefined();
		expect(got.items[0].json).toMatchObject({ provider: 'docusign', id: lease, roles: ['Tenant', 'Landlord'], fields: ['Rent'] });
	});

	it('Send From Template with Embedded Signing, then Invite → Get Signing Link (a 5-minute recipient view, marked secret)', async () => {
		const templateId = await seedTemplate();
		const sent = await run({
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId,
			templateRecipients: { recipient: [{ role: 'Tenant', email: 'tenant@example.com', name: 'Terry Tenant', order: 0 }] },
			prefillFields: { field: [{ name: 'Rent', value: '1200' }] },
			options: { subject: 'Lease for 12 Oak St' },
			embeddedSigning: true,
		});
		expect(sent.error).toBeUndefined();
		expect(sent.items[0].json).toMatchObject({ provider: 'docusign', name: 'Lease for 12 Oak St', status: 'pending', templateId });
		const envelopeId = String(sent.items[0].json.id);
		const envelope = simulator.state.envelopes.get(envelopeId)!;
		expect(envelope.signers.map((signer) => [signer.email, signer.clientUserId])).toEqual([['tenant@example.com', 'tenant@example.com']]);
		expect(envelope.signers[0].tabs?.textTabs).toEqual([expect.objectContaining({ tabLabel: 'Rent', value: '1200' })]);

		const link = await run({ resource: 'invite', operation: 'signingLink', documentId: envelopeId, signerEmail: 'tenant@example.com', options: { returnUrl: 'https://app.example.com/done' } });
		expect(link.error).toBeUndefined();
		expect(link.items[0].json).toMatchObject({ provider: 'docusign', documentId: envelopeId, email: 'tenant@example.com', secret: true, signingLink: simulator.state.recipientViews[0].url });
		const lifetime = Date.parse(String(link.items[0].json.expiresAt)) - simulator.state.recipientViews[0].createdAt;
		expect(lifetime).toBeGreaterThan(4.9 * 60_000);
		expect(lifetime).toBeLessThanOrEqual(5 * 60_000 + 5_000);
	});

	it('Send From Template refuses an unknown role, naming the template\'s roles; Get Signing Link explains a non-embedded signer', async () => {
		const templateId = await seedTemplate();
		const unknown = await run({
			resource: 'signatureRequest',
			operation: 'sendFromTemplate',
			templateId,
			templateRecipients: { recipient: [{ role: 'Buyer', email: 'b@example.com', name: 'B', order: 0 }] },
		});
		expect(unknown.error?.message).toBe('The template "Residential lease" has no role "Buyer"');
		expect((unknown.error as { description?: string }).description).toBe('Its roles are: "Tenant", "Landlord".');

		const sent = await run({ resource: 'signatureRequest', operation: 'sendFromTemplate', templateId, templateRecipients: { recipient: [{ role: 'Tenant', email: 't@example.com', name: 'T', order: 0 }] } });
		const link = await run({ resource: 'invite', operation: 'signingLink', documentId: String(sent.items[0].json.id), signerEmail: 't@example.com', options: { returnUrl: 'https://x.example/r' } });
		expect(link.error?.message).toBe('t@example.com is not an embedded signer, so DocuSign gives no signing link for them');
		expect(simulator.state.recipientViews).toEqual([]);
	});

	it('Bulk Send From Template: one bulk send list for all items, every row queued under the batch id; DocuSign makes the envelopes afterwards', async () => {
		const templateId = await seedTemplate();
		const result = await run(
			{ resource: 'signatureRequest', operation: 'bulkSend', templateId, role: 'Tenant', signerEmail: '={{ $json.email }}', signerName: '={{ $json.name }}', prefillFields: { field: [{ name: 'Rent', value: '={{ $json.rent }}' }] }, options: { title: 'Renewals' } },
			[
				{ json: { email: 'ann@example.com', name: 'Ann', rent: '900' } },
				{ json: { email: 'bob@example.com', name: 'Bob', rent: '950' } },
			],
		);
		expect(result.error).toBeUndefined();
		const batchId = [...simulator.state.bulkSendBatches.keys()][0];
		expect(result.items.map((item) => [item.json.email, item.json.status, item.json.batchId])).toEqual([
			['ann@example.com', 'queued', batchId],
			['bob@example.com', 'queued', batchId],
		]);
		expect(simulator.state.bulkSendLists.size).toBe(1);
		await simulator.settled();
		const batch = simulator.state.bulkSendBatches.get(batchId)!;
		expect(batch.envelopeIds.map((id) => simulator.state.envelopes.get(id)!.signers.map((s) => [s.email, (s.tabs?.textTabs?.[0] as { value?: string })?.value]))).toEqual([
			[['ann@example.com', '900']],
			[['bob@example.com', '950']],
		]);
	});

	it('Send with an anchor-text field: anchorString and offsets, placed where the text is in the PDF; a missing text is DocuSign\'s error', async () => {
		const anchored = (text: string) =>
			send({
				signatureFields: { field: [{ type: 'signature', role: 'Tenant', placement: 'anchorText', anchorText: text, anchorOffsetX: 90, anchorOffsetY: -5, width: 150, height: 30, required: true }] },
			});
		const result = await anchored('Signature:');
		expect(result.error).toBeUndefined();
		const signer = simulator.state.envelopes.get(String(result.items[0].json.id))!.signers[0];
		expect(signer.tabs?.signHereTabs).toEqual([expect.objectContaining({ anchorString: 'Signature:', anchorXOffset: '90', anchorYOffset: '-5', anchorUnits: 'pixels', anchorIgnoreIfNotPresent: 'false' })]);
		expect(signer.anchorTabs?.map((tab) => tab.pageNumber)).toEqual([1, 2]);
		const missing = await anchored('Guarantor:');
		expect(missing.error?.message).toContain('ANCHOR_TAB_STRING_NOT_FOUND');
	});

	it('Download with the audit certificate: the combined PDF and the certificate of completion as a second file', async () => {
		const id = await sentEnvelopeId();
		await simulator.control('sign', { envelopeId: id, email: 'tenant@example.com' });
		await simulator.control('sign', { envelopeId: id, email: 'landlord@example.com' });
		const result = await run({ resource: 'document', operation: 'download', documentId: id, binaryPropertyName: 'data', options: { includeAuditCertificate: true } });
		expect(result.error).toBeUndefined();
		const certificate = binaryBytes(result.items[0], 'auditCertificate');
		expect(certificate.subarray(0, 5).toString()).toBe('%PDF-');
		expect(certificate.toString('latin1')).toContain('Certificate Of Completion');
		expect(simulator.state.requests.some((r) => r.path.endsWith(`/envelopes/${id}/documents/certificate`) && r.status === 200)).toBe(true);
	});

	it('Webhook → Register / List / Delete: one Connect custom configuration', async () => {
		const registered = await run({ resource: 'webhook', operation: 'register', events: ['envelope-completed', 'recipient-completed'], callbackUrl: 'https://n8n.example.com/webhook/x' });
		expect(registered.error).toBeUndefined();
		expect(registered.items.map((item) => item.json.event)).toEqual(['envelope-completed', 'recipient-completed']);
		const id = String(registered.items[0].json.id);
		expect(simulator.state.connectConfigurations.get(id)?.json.urlToPublishTo).toBe('https://n8n.example.com/webhook/x');
		const listed = await run({ resource: 'webhook', operation: 'list' });
		expect(listed.items.map((item) => [item.json.id, item.json.event])).toEqual([[id, 'envelope-completed'], [id, 'recipient-completed']]);
		const deleted = await run({ resource: 'webhook', operation: 'delete', subscriptionId: id });
		expect(deleted.error).toBeUndefined();
		expect(simulator.state.connectConfigurations.size).toBe(0);
	});
});

describe('DocuSign OAuth2 credential', () => {
	it('refreshes an expired access token with the refresh token (Basic client auth) and retries the call', async () => {
		const id = await sentEnvelopeId();
		expect(simulator.state.tokenGrants).toEqual(['authorization_code']);
		await simulator.control('expire-tokens');
		const result = await run({ resource: 'document', operation: 'get', documentId: id });
		expect(result.error).toBeUndefined();
		expect(simulator.state.tokenGrants).toEqual(['authorization_code', 'refresh_token']);
		const stored = credentials.stored(credential).oauthTokenData as { access_token: string };
		expect(simulator.state.accessTokens.get(stored.access_token)?.expiresAt).toBeGreaterThan(Date.now());
		expect(simulator.state.requests.filter((r) => r.status === 401)).toHaveLength(1);
	});

	it('a wrong API Account ID fails with DocuSign\'s membership error', async () => {
		const wrong = credentials.add('docuSignOAuth2Api', credentialData({ accountId: '11111111-2222-4333-8444-555555555555', oauthTokenData: await connect() }));
		const result = await run({ resource: 'document', operation: 'get', documentId: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' }, undefined, wrong);
		expect(result.error?.message).toMatch(/USER_LACKS_MEMBERSHIP/);
	});

	it('the hidden OAuth URLs follow the environment', () => {
		const helper = new TestCredentialsHelper([new DocuSignOAuth2Api(), oAuth2ApiCredentialType]);
		expect(helper.applyDefaults('docuSignOAuth2Api', { environment: 'demo' })).toMatchObject({
			authUrl: 'https://account-d.docusign.com/oauth/auth',
			accessTokenUrl: 'https://account-d.docusign.com/oauth/token',
			grantType: 'authorizationCode',
			authentication: 'header',
			scope: 'signature extended',
		});
		expect(helper.applyDefaults('docuSignOAuth2Api', { environment: 'production' })).toMatchObject({
			authUrl: 'https://account.docusign.com/oauth/auth',
			accessTokenUrl: 'https://account.docusign.com/oauth/token',
		});
	});

	it('production without an Account Base URI is an actionable node error', async () => {
		const production = credentials.add('docuSignOAuth2Api', credentialData({ environment: 'production', baseUri: '', oauthTokenData: await connect() }));
		const result = await run({ resource: 'document', operation: 'get', documentId: 'x' }, undefined, production);
		expect(result.error?.message).toBe('The DocuSign credential has no Account Base URI');
		expect(result.error?.description).toMatch(/Apps and Keys/);
	});

	it('"Test credential" reads the account, and fails for a wrong account id', async () => {
		const good = await testCredential(credentials, 'docuSignOAuth2Api', credentialData({ oauthTokenData: await connect() }));
		expect(good).toEqual({ status: 'OK', message: 'Connection tested successfully' });
		expect(simulator.state.requests.some((r) => r.path === `/restapi/v2.1/accounts/${simulator.state.accountId}` && r.status === 200)).toBe(true);
		const bad = await testCredential(credentials, 'docuSignOAuth2Api', credentialData({ accountId: 'not-mine', oauthTokenData: await connect() }));
		expect(bad.status).toBe('Error');
	});
});

describe('DocuSign simulator Connect messages', () => {
	it('signs JSON SIM messages with one header per HMAC key; the handler accepts them, dedupes retries, rejects tampering', async () => {
		let status = 500;
		const received: Array<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(status).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			simulator.state.connect = { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ingest/docusign`, hmacKeys: ['old-connect-key', 'new-connect-key'] };
			const id = await sentEnvelopeId();
			// Connect sends after the API call has answered, as DocuSign does.
			await simulator.settled();
			expect(simulator.state.deliveries.map((d) => [d.event, d.delivered])).toEqual([
				['envelope-sent', false],
				['recipient-sent', false],
			]);
			status = 200;
			await simulator.control('retry-failed');
			expect(simulator.state.deliveries.slice(2).map((d) => [d.event, d.retryCount, d.delivered])).toEqual([
				['envelope-sent', 1, true],
				['recipient-sent', 1, true],
			]);

			const options = docusignWebhook.parseOptions({});
			const now = Date.now();
			// Only the new key is configured at the relay: header 2 proves the message.
			for (const message of received) docusignWebhook.verify({ rawBody: message.body, headers: message.headers }, ['new-connect-key'], options, now);
			const events = received.map((m) => docusignWebhook.normalize({ rawBody: m.body, headers: m.headers }, options, now)[0]);
			expect(events.map((e) => [e.type, e.documentId])).toEqual([
				['invite.sent', id],
				['invite.sent', id],
				['invite.sent', id],
				['invite.sent', id],
			]);
			expect(events[2].id).toBe(events[0].id);
			expect(events[3].id).toBe(events[1].id);
			expect(events[1].signerEmail).toBe('tenant@example.com');
			expect(received[2].body.equals(received[0].body)).toBe(false);

			const tampered = Buffer.from(received[0].body.toString('utf8').replace('envelope-sent', 'envelope-voided'));
			expect(() => docusignWebhook.verify({ rawBody: tampered, headers: received[0].headers }, ['new-connect-key'], options, now)).toThrow(
				/No X-DocuSign-Signature-n header matches/,
			);
			expect(() => docusignWebhook.verify({ rawBody: received[0].body, headers: received[0].headers }, ['unknown-key'], options, now)).toThrow(
				/No X-DocuSign-Signature-n header matches/,
			);

			await simulator.control('sign', { envelopeId: id, email: 'tenant@example.com' });
			await simulator.control('sign', { envelopeId: id, email: 'landlord@example.com' });
			const last = received.slice(4).map((m) => docusignWebhook.normalize({ rawBody: m.body, headers: m.headers }, options, now)[0]);
			expect(last.map((e) => [e.providerEvent, e.type, e.signerEmail ?? null])).toEqual([
				['recipient-completed', 'invite.signed', 'tenant@example.com'],
				['recipient-sent', 'invite.sent', 'landlord@example.com'],
				['recipient-completed', 'invite.signed', 'landlord@example.com'],
				['envelope-completed', 'document.completed', null],
			]);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});
});
