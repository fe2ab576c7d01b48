/**
 * The DocuSign simulator, driven by DocuSign's official Node client `docusign-esign` 10.0.0 as a
 * user of that SDK would drive the real service: the OAuth calls n8n's credential makes
 * (authorization code, user info), the credential's test request (the account), and every
 * eSignature call the node makes, with the request bodies the node builds.
 *
 * How the SDK reaches the simulator: REST calls go to `new ApiClient({ basePath })` with the
 * simulator's `/restapi`; the SDK's OAuth calls are always `https://${oAuthBasePath}` (ApiClient.js
 * builds the URL itself), so a TLS front with a throwaway certificate sits in front of the same
 * simulator, `setOAuthBasePath` points at it, and `https.globalAgent` trusts its certificate
 * (axios, which the SDK uses, sends through the global agent).
 *
 * The SDK deserialises every answer into its model classes, which keep only the properties the
 * model defines and convert each to its declared type (DocuSign's booleans and numbers are
 * strings). An answer must survive that unchanged: `viaModel(Model, raw)` equals `raw`, so a
 * misspelt property, one the model does not know, or a value of the wrong type shows up as a diff.
 */
import { createServer } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

import { envelopeDefinition } from '../../nodes/providers/docusign/api';
import { connectConfiguration } from '../../nodes/providers/docusign/connect';
import { templateEnvelopeDefinition, type DocuSignTemplate } from '../../nodes/providers/docusign/templates';
import { docusignWebhook } from '../../nodes/providers/docusign/webhook';
// Not '../helpers': that loads n8n-core, which gives axios (the SDK's HTTP client) a default
// agent of its own, one that would not trust the TLS front's certificate.
import { contractPdf } from '../helpers/pdf';
import { CONNECT_RETRY_DELAYS_MS, startDocuSignSimulator, type DocuSignSimulator } from '../simulators/docusign/simulator';
import { startTlsFront, type TlsFront } from '../simulators/shared/tls-front';

interface Model {
	constructFromObject(data: unknown): object;
}
type SdkCallback = (error: unknown, data: unknown, response?: { status: number; data: unknown }) => void;
interface ApiClient {
	setOAuthBasePath(path: string): void;
	addDefaultHeader(name: string, value: string): void;
	getAuthorizationUri(clientId: string, scopes: string[], redirectUri: string, responseType: string, state?: string): string;
	generateAccessToken(clientId: string, clientSecret: string, code: string, callback: SdkCallback): void;
	getUserInfo(accessToken: string, callback: SdkCallback): void;
}
type ApiMethod = (...args: unknown[]) => unknown;
interface DocuSignSdk {
	ApiClient: new (options: { basePath: string }) => ApiClient;
	AccountsApi: new (client: ApiClient) => Record<'getAccountInformation', ApiMethod>;
	EnvelopesApi: new (client: ApiClient) => Record<'createEnvelope' | 'getEnvelope' | 'update' | 'getDocument' | 'updateRecipients' | 'createRecipientView', ApiMethod>;
	TemplatesApi: new (client: ApiClient) => Record<'createTemplate' | 'listTemplates' | 'get', ApiMethod>;
	ConnectApi: new (client: ApiClient) => Record<'createConfiguration' | 'listConfigurations' | 'deleteConfiguration', ApiMethod>;
	BulkEnvelopesApi: new (client: ApiClient) => Record<'createBulkSendList' | 'createBulkSendRequest' | 'getBulkSendBatchStatus', ApiMethod>;
	EnvelopeTemplate: Model;
	EnvelopeTemplateResults: Model;
	TemplateSummary: Model;
	RecipientViewRequest: Model;
	ViewUrl: Model;
	ConnectCustomConfiguration: Model;
	ConnectConfigResults: Model;
	BulkSendingList: Model;
	BulkSendRequest: Model;
	BulkSendResponse: Model;
	BulkSendBatchStatus: Model;
	AccountInformation: Model;
	EnvelopeDefinition: Model;
	EnvelopeSummary: Model;
	Envelope: Model;
	EnvelopeUpdateSummary: Model;
	Recipients: Model;
	RecipientsUpdateSummary: Model;
	ErrorDetails: Model;
}

const load = createRequire(__filename);
const docusign = load('docusign-esign') as DocuSignSdk;
// The axios instance the SDK sends with, to see the raw answers its OAuth calls turn into models.
const sdkAxios = createRequire(load.resolve('docusign-esign'))('axios') as {
	interceptors: { response: { use(onFulfilled: (response: { config: { url?: string }; data: unknown }) => unknown): number; eject(id: number): void } };
};
const rawAnswers: Array<{ url?: string; data: unknown }> = [];

/** What the SDK's model keeps of `raw`, as JSON: equal to `raw` when the model knows all of it. */
function viaModel(model: Model, raw: unknown): unknown {
	return JSON.parse(JSON.stringify(model.constructFromObject(raw)));
}

/** Calls an SDK API method with its (error, data, response) callback: the model and the raw JSON. */
function call(method: ApiMethod, target: object, ...args: unknown[]): Promise<{ data: unknown; raw: unknown; status: number }> {
	return new Promise((resolve, reject) => {
		method.call(target, ...args, ((error, data, response) => (error ? reject(error) : resolve({ data, raw: response?.data, status: response?.status ?? 0 }))) as SdkCallback);
	});
}

/** The HTTP status and body of an error the SDK (axios) reports. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: unknown }> {
	try {
		await promise;
	} catch (error) {
		const response = (error as { response?: { status: number; data: unknown } }).response;
		if (!response) throw error;
		return { status: response.status, body: response.data };
	}
	throw new Error('expected the SDK to report an error');
}

/** GET over HTTPS without following redirects (the consent page answers 302 to the redirect URI). */
function httpsGet(url: string): Promise<{ status: number; location?: string }> {
	return new Promise((resolve, reject) => {
		https.get(url, (response) => {
			response.resume();
			resolve({ status: response.statusCode ?? 0, location: response.headers.location });
		}).on('error', reject);
	});
}

let sim: DocuSignSimulator;
let front: TlsFront;
let client: ApiClient;
let envelopes: InstanceType<DocuSignSdk['EnvelopesApi']>;
let accessToken: string;
let interceptor: number;
const savedCa = https.globalAgent.options.ca;

async function authorizationCode(): Promise<string> {
	const uri = client.getAuthorizationUri(sim.state.application.integrationKey, ['signature', 'extended'], 'http://127.0.0.1/callback', 'code', 'xyz');
	expect(uri.startsWith(`https://127.0.0.1:${front.port}/oauth/auth?`)).toBe(true);
	const consent = await httpsGet(uri);
	expect(consent.status).toBe(302);
	const location = new URL(consent.location ?? '');
	expect(location.searchParams.get('state')).toBe('xyz');
	return location.searchParams.get('code') ?? '';
}

beforeAll(async () => {
	interceptor = sdkAxios.interceptors.response.use((response) => {
		rawAnswers.push({ url: response.config.url, data: response.data });
		return response;
	});
	sim = await startDocuSignSimulator();
	front = await startTlsFront(sim.url);
	https.globalAgent.options.ca = front.certificatePem;
	client = new docusign.ApiClient({ basePath: `${sim.url}/restapi` });
	client.setOAuthBasePath(`${front.host}:${front.port}`);
	const code = await authorizationCode();
	const token = await new Promise<{ accessToken: string }>((resolve, reject) => {
		client.generateAccessToken(sim.state.application.integrationKey, sim.state.application.secretKey, code, (error, data) => (error ? reject(error) : resolve(data as { accessToken: string })));
	});
	accessToken = token.accessToken;
	client.addDefaultHeader('Authorization', `Bearer ${accessToken}`);
	envelopes = new docusign.EnvelopesApi(client);
});

afterAll(async () => {
	sdkAxios.interceptors.response.eject(interceptor);
	https.globalAgent.options.ca = savedCa;
	https.globalAgent.destroy();
	await front.close();
	await sim.close();
});

/** The node's own request body for a two-signer envelope with every field type. */
function nodeDefinition(): Record<string, unknown> {
	return envelopeDefinition({
		file: { data: contractPdf('SDK lease', 2), fileName: 'lease.pdf', mimeType: 'application/pdf' },
		title: 'Lease',
		subject: 'Please sign the lease',
		message: 'Both of you, please.',
		signers: [
			{ email: 'tenant@example.com', name: 'Terry Tenant', role: 'Tenant', order: 1 },
			{ email: 'landlord@example.com', name: 'Lee Landlord', role: 'Landlord', order: 2 },
		],
		fields: [
			{ type: 'signature', role: 'Tenant', page: 1, x: 72, y: 600, width: 150, height: 30, required: true },
			{ type: 'initials', role: 'Tenant', page: 2, x: 72, y: 100, width: 50, height: 30, required: false },
			{ type: 'text', role: 'Landlord', page: 1, x: 300, y: 600, width: 150, height: 20, required: true, label: 'Landlord title' },
			{ type: 'date', role: 'Landlord', page: 1, x: 300, y: 650, width: 100, height: 20, required: true },
			{ type: 'checkbox', role: 'Tenant', page: 1, x: 72, y: 700, width: 15, height: 15, required: false },
			// Anchor tabs (issue 14): next to every "Signature:" in the PDF.
			{ type: 'signature', role: 'Landlord', page: 1, x: 0, y: 0, width: 150, height: 30, required: true, anchor: { text: 'Signature:', offsetX: 80, offsetY: -10 } },
		],
		extractFieldsFromTags: false,
		// Issue 14: embedded recipients (clientUserId).
		embeddedSigning: true,
	});
}

async function sentEnvelope(): Promise<string> {
	const created = await call(envelopes.createEnvelope, envelopes, sim.state.accountId, { envelopeDefinition: docusign.EnvelopeDefinition.constructFromObject(nodeDefinition()) });
	return (created.data as { envelopeId: string }).envelopeId;
}

/* ---------------------------------------------------------------------------------------- */

describe('OAuth (account server), as n8n\'s credential uses it', () => {
	test('authorization code → token; the token answer maps onto OAuthToken, user info onto UserInfo', async () => {
		const code = await authorizationCode();
		const { raw, data } = await new Promise<{ raw: Record<string, unknown>; data: Record<string, unknown> }>((resolve, reject) => {
			client.generateAccessToken(sim.state.application.integrationKey, sim.state.application.secretKey, code, (error, model) => {
				if (error) return reject(error);
				resolve({ raw: rawAnswers.filter((answer) => answer.url === '/oauth/token').at(-1)?.data as Record<string, unknown>, data: model as Record<string, unknown> });
			});
		});
		// OAuthToken renames snake_case to camelCase: every property of the answer has its counterpart.
		expect(Object.keys(data).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
		expect(Object.keys(raw).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
		expect(data).toMatchObject({ tokenType: 'Bearer', expiresIn: '28800' });

		const info = await new Promise<Record<string, unknown>>((resolve, reject) => client.getUserInfo(data.accessToken as string, (error, model) => (error ? reject(error) : resolve(model as Record<string, unknown>))));
		expect(info).toMatchObject({ sub: sim.state.user.sub, email: sim.state.user.email, name: sim.state.user.name, givenName: expect.any(String), familyName: expect.any(String), created: expect.any(String) });
		expect(JSON.parse(JSON.stringify(info.accounts))).toEqual([{ accountId: sim.state.accountId, isDefault: 'true', accountName: expect.any(String), baseUri: sim.baseUri }]);
	});

	test('a used or unknown code, and a wrong client secret, are refused as DocuSign refuses them', async () => {
		const code = await authorizationCode();
		const token = (clientSecret: string, value: string) =>
			new Promise((resolve, reject) => client.generateAccessToken(sim.state.application.integrationKey, clientSecret, value, (error, data) => (error ? reject(error) : resolve(data))));
		await token(sim.state.application.secretKey, code);
		expect(await failure(token(sim.state.application.secretKey, code))).toEqual({ status: 400, body: { error: 'invalid_grant' } });
		expect(await failure(token('wrong-secret', await authorizationCode()))).toEqual({ status: 400, body: { error: 'invalid_client' } });
	});
});

describe('eSignature REST v2.1', () => {
	test('getAccountInformation (the credential\'s test request) answers an AccountInformation, whole', async () => {
		const accounts = new docusign.AccountsApi(client);
		const { raw, status } = await call(accounts.getAccountInformation, accounts, sim.state.accountId, {});
		expect(status).toBe(200);
		expect(viaModel(docusign.AccountInformation, raw)).toEqual(raw);
		// What DocuSign's reference shows for every account, not only what the node reads.
		for (const property of ['accountIdGuid', 'accountName', 'billingPeriodStartDate', 'billingPeriodEndDate', 'billingPeriodEnvelopesSent', 'billingPeriodEnvelopesAllowed', 'canUpgrade', 'connectPermission', 'createdDate', 'currencyCode', 'currentPlanId', 'docuSignLandingUrl', 'envelopeSendingBlocked', 'externalAccountId', 'isDowngrade', 'planName', 'planStartDate', 'seatsAllowed', 'seatsInUse', 'status21CFRPart11', 'suspensionStatus']) {
			expect(raw).toHaveProperty(property);
		}
		expect(await failure(call(accounts.getAccountInformation, accounts, 'not-my-account', {}))).toEqual({ status: 400, body: { errorCode: 'USER_LACKS_MEMBERSHIP', message: expect.any(String) } });
	});

	test('the node\'s envelope definition is an EnvelopeDefinition; createEnvelope answers an EnvelopeSummary', async () => {
		const definition = nodeDefinition();
		// Every property the node sends is one DocuSign's schema defines, with the type it defines.
		expect(viaModel(docusign.EnvelopeDefinition, definition)).toEqual(definition);
		const created = await call(envelopes.createEnvelope, envelopes, sim.state.accountId, { envelopeDefinition: docusign.EnvelopeDefinition.constructFromObject(definition) });
		expect(created.status).toBe(201);
		expect(viaModel(docusign.EnvelopeSummary, created.raw)).toEqual(created.raw);
		expect(created.raw).toEqual({ envelopeId: expect.stringMatching(/^[0-9a-f-]{36}$/), uri: expect.stringMatching(/^\/envelopes\//), statusDateTime: expect.any(String), status: 'sent' });
	});

	test('getEnvelope (include=recipients) answers an Envelope, whole, with its recipients', async () => {
		const id = await sentEnvelope();
		const { raw } = await call(envelopes.getEnvelope, envelopes, sim.state.accountId, id, { include: 'recipients' });
		expect(viaModel(docusign.Envelope, raw)).toEqual(raw);
		const envelope = raw as Record<string, unknown> & { recipients: { signers: Array<Record<string, unknown>> } };
		for (const property of ['envelopeId', 'status', 'emailSubject', 'emailBlurb', 'createdDateTime', 'sentDateTime', 'initialSentDateTime', 'lastModifiedDateTime', 'statusChangedDateTime', 'envelopeUri', 'recipientsUri', 'documentsUri', 'documentsCombinedUri', 'certificateUri', 'customFieldsUri', 'notificationUri', 'templatesUri', 'attachmentsUri', 'sender', 'signingLocation', 'purgeState', 'envelopeIdStamping', 'is21CFRPart11', 'isSignatureProviderEnvelope', 'hasComments', 'hasFormDataChanged', 'allowMarkup', 'autoNavigation', 'enableWetSign', 'envelopeLocation', 'signerCanSignOnMobile', 'expireEnabled', 'expireAfter', 'expireDateTime', 'anySigner']) {
			expect(envelope).toHaveProperty(property);
		}
		expect(envelope.sender).toEqual({ userName: sim.state.user.name, userId: sim.state.user.sub, accountId: sim.state.accountId, email: sim.state.user.email });
		expect(envelope.recipients.signers.map((signer) => [signer.email, signer.roleName, signer.routingOrder, signer.status])).toEqual([
			['tenant@example.com', 'Tenant', '1', 'sent'],
			['landlord@example.com', 'Landlord', '2', 'created'],
		]);
		for (const signer of envelope.recipients.signers) {
			for (const property of ['recipientId', 'recipientIdGuid', 'requireIdLookup', 'creationReason', 'deliveryMethod', 'completedCount', 'recipientType', 'status', 'userId']) expect(signer).toHaveProperty(property);
		}
		// Without include=recipients there are none.
		expect((await call(envelopes.getEnvelope, envelopes, sim.state.accountId, id, {})).raw).not.toHaveProperty('recipients');
	});

	test('updateRecipients with resend_envelope=true answers a RecipientsUpdateSummary', async () => {
		const id = await sentEnvelope();
		const recipients = docusign.Recipients.constructFromObject({ signers: [{ recipientId: '1', email: 'tenant@example.com', name: 'Terry Tenant' }] });
		const { raw } = await call(envelopes.updateRecipients, envelopes, sim.state.accountId, id, { recipients, resendEnvelope: 'true' });
		expect(viaModel(docusign.RecipientsUpdateSummary, raw)).toEqual(raw);
		expect(raw).toEqual({ recipientUpdateResults: [{ recipientId: '1', recipientIdGuid: expect.any(String), errorDetails: { errorCode: 'SUCCESS', message: '' } }] });
		expect(sim.state.envelopes.get(id)?.signers[0].resentCount).toBe(1);
	});

	test('getDocument("combined", certificate) gives the PDF as bytes', async () => {
		const id = await sentEnvelope();
		const pdf = await call(envelopes.getDocument, envelopes, sim.state.accountId, id, 'combined', { certificate: 'true' });
		expect(Buffer.isBuffer(pdf.data)).toBe(true);
		expect((pdf.data as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
		expect(sim.state.requests.some((request) => request.path.endsWith(`/envelopes/${id}/documents/combined`) && request.status === 200)).toBe(true);
	});

	test('update (status voided) answers an EnvelopeUpdateSummary; a second void is refused with ErrorDetails', async () => {
		const id = await sentEnvelope();
		const envelope = docusign.Envelope.constructFromObject({ status: 'voided', voidedReason: 'Wrong tenant' });
		const { raw } = await call(envelopes.update, envelopes, sim.state.accountId, id, { envelope });
		expect(viaModel(docusign.EnvelopeUpdateSummary, raw)).toEqual(raw);
		expect(raw).toEqual({ envelopeId: id });
		const again = await failure(call(envelopes.update, envelopes, sim.state.accountId, id, { envelope }));
		expect(again.status).toBe(400);
		expect(viaModel(docusign.ErrorDetails, again.body)).toEqual(again.body);
		expect(again.body).toEqual({ errorCode: 'ENVELOPE_CANNOT_VOID_INVALID_STATE', message: expect.any(String) });
	});

	test('a bad token is refused with ErrorDetails (401)', async () => {
		const stranger = new docusign.ApiClient({ basePath: `${sim.url}/restapi` });
		stranger.addDefaultHeader('Authorization', 'Bearer not-a-token');
		const api = new docusign.EnvelopesApi(stranger);
		const refused = await failure(call(api.getEnvelope, api, sim.state.accountId, '00000000-0000-0000-0000-000000000000', {}));
		expect(refused).toEqual({ status: 401, body: { errorCode: 'AUTHORIZATION_INVALID_TOKEN', message: expect.any(String) } });
	});
});

describe('issue 14: templates, recipient views, certificate, Connect configurations, bulk send', () => {
	const templates = () => new docusign.TemplatesApi(client);
	/** A template as a DocuSign user would make one: two roles, a prefillable text tab, an anchor tab. */
	function templateDefinition(name: string) {
		return {
			name,
			emailSubject: 'Your lease',
			documents: [{ documentId: '1', name: 'Lease', fileExtension: 'pdf', documentBase64: contractPdf('SDK lease', 2).toString('base64') }],
			recipients: {
				signers: [
					{ recipientId: '1', roleName: 'Tenant', routingOrder: '1', tabs: { textTabs: [{ documentId: '1', pageNumber: '1', xPosition: '72', yPosition: '200', tabLabel: 'Rent' }], signHereTabs: [{ documentId: '1', pageNumber: '2', xPosition: '72', yPosition: '600' }] } },
					{ recipientId: '2', roleName: 'Landlord', routingOrder: '2' },
				],
			},
		};
	}
	async function createTemplate(name: string): Promise<string> {
		const api = templates();
		const created = await call(api.createTemplate, api, sim.state.accountId, { envelopeTemplate: docusign.EnvelopeTemplate.constructFromObject(templateDefinition(name)) });
		expect(created.status).toBe(201);
		expect(viaModel(docusign.TemplateSummary, created.raw)).toEqual(created.raw);
		return (created.raw as { templateId: string }).templateId;
	}

	test('createTemplate → TemplateSummary; listTemplates (paged, include=recipients) → EnvelopeTemplateResults; get → EnvelopeTemplate with tabs', async () => {
		const first = await createTemplate('SDK template A');
		await createTemplate('SDK template B');
		const api = templates();
		const page = await call(api.listTemplates, api, sim.state.accountId, { include: 'recipients', count: '1', startPosition: '0', searchText: 'SDK template' });
		expect(viaModel(docusign.EnvelopeTemplateResults, page.raw)).toEqual(page.raw);
		expect(page.raw).toMatchObject({ resultSetSize: '1', startPosition: '0', endPosition: '0', totalSetSize: '2', nextUri: expect.any(String) });
		const listed = (page.raw as { envelopeTemplates: Array<Record<string, unknown> & { recipients: { signers: Array<Record<string, unknown>> } }> }).envelopeTemplates;
		expect(listed.map((t) => [t.templateId, t.name])).toEqual([[first, 'SDK template A']]);
		expect(listed[0].recipients.signers.map((signer) => signer.roleName)).toEqual(['Tenant', 'Landlord']);
		// Tabs only on GET of one template.
		expect(listed[0].recipients.signers[0]).not.toHaveProperty('tabs');
		const one = await call(api.get, api, sim.state.accountId, first, {});
		expect(viaModel(docusign.EnvelopeTemplate, one.raw)).toEqual(one.raw);
		expect((one.raw as { recipients: { signers: Array<{ tabs?: { textTabs?: unknown[] } }> } }).recipients.signers[0].tabs?.textTabs).toEqual([expect.objectContaining({ tabLabel: 'Rent' })]);
		for (const property of ['templateId', 'uri', 'name', 'shared', 'created', 'lastModified', 'owner', 'pageCount', 'folderName', 'emailSubject']) expect(one.raw).toHaveProperty(property);
	});

	test('the node\'s template envelope (templateRoles, embedded) is an EnvelopeDefinition; createRecipientView answers a ViewUrl; the certificate is a PDF', async () => {
		const templateId = await createTemplate('SDK embedded');
		const api = templates();
		const template = (await call(api.get, api, sim.state.accountId, templateId, {})).raw as DocuSignTemplate;
		const definition = templateEnvelopeDefinition(template, {
			templateId,
			recipients: [{ role: 'Tenant', email: 'tenant@example.com', name: 'Terry Tenant' }],
			fieldValues: { Rent: '1200' },
			embeddedSigning: true,
		});
		expect(viaModel(docusign.EnvelopeDefinition, definition)).toEqual(definition);
		const created = await call(envelopes.createEnvelope, envelopes, sim.state.accountId, { envelopeDefinition: docusign.EnvelopeDefinition.constructFromObject(definition) });
		const envelopeId = (created.raw as { envelopeId: string }).envelopeId;
		const got = await call(envelopes.getEnvelope, envelopes, sim.state.accountId, envelopeId, { include: 'recipients' });
		expect(viaModel(docusign.Envelope, got.raw)).toEqual(got.raw);
		expect((got.raw as { recipients: { signers: Array<Record<string, unknown>> } }).recipients.signers).toEqual([expect.objectContaining({ roleName: 'Tenant', clientUserId: 'tenant@example.com' })]);

		const request = { returnUrl: 'https://app.example.com/done', authenticationMethod: 'none', email: 'tenant@example.com', userName: 'Terry Tenant', clientUserId: 'tenant@example.com', recipientId: '1' };
		expect(viaModel(docusign.RecipientViewRequest, request)).toEqual(request);
		const view = await call(envelopes.createRecipientView, envelopes, sim.state.accountId, envelopeId, { recipientViewRequest: docusign.RecipientViewRequest.constructFromObject(request) });
		expect(view.status).toBe(201);
		expect(viaModel(docusign.ViewUrl, view.raw)).toEqual(view.raw);
		expect(Object.keys(view.raw as object)).toEqual(['url']);
		const stranger = await failure(call(envelopes.createRecipientView, envelopes, sim.state.accountId, envelopeId, { recipientViewRequest: docusign.RecipientViewRequest.constructFromObject({ ...request, clientUserId: 'someone-else' }) }));
		expect(stranger).toEqual({ status: 400, body: { errorCode: 'UNKNOWN_ENVELOPE_RECIPIENT', message: expect.any(String) } });

		const certificate = await call(envelopes.getDocument, envelopes, sim.state.accountId, envelopeId, 'certificate', {});
		expect((certificate.data as Buffer).subarray(0, 5).toString()).toBe('%PDF-');
	});

	test('the node\'s Connect configuration is a ConnectCustomConfiguration; create, listConfigurations (ConnectConfigResults), delete', async () => {
		const connect = new docusign.ConnectApi(client);
		const configuration = connectConfiguration({ events: ['envelope-sent', 'envelope-completed'], callbackUrl: 'https://n8n.example.com/webhook/abc' });
		expect(viaModel(docusign.ConnectCustomConfiguration, configuration)).toEqual(configuration);
		const created = await call(connect.createConfiguration, connect, sim.state.accountId, { connectCustomConfiguration: docusign.ConnectCustomConfiguration.constructFromObject(configuration) });
		expect(created.status).toBe(201);
		expect(viaModel(docusign.ConnectCustomConfiguration, created.raw)).toEqual(created.raw);
		const connectId = (created.raw as { connectId: string }).connectId;
		const listed = await call(connect.listConfigurations, connect, sim.state.accountId);
		expect(viaModel(docusign.ConnectConfigResults, listed.raw)).toEqual(listed.raw);
		expect(listed.raw).toMatchObject({ totalRecords: '1', configurations: [expect.objectContaining({ connectId, urlToPublishTo: 'https://n8n.example.com/webhook/abc' })] });
		const deleted = await call(connect.deleteConfiguration, connect, sim.state.accountId, connectId);
		expect(deleted.status).toBe(200);
		expect(((await call(connect.listConfigurations, connect, sim.state.accountId)).raw as { totalRecords: string }).totalRecords).toBe('0');
	});

	test('createBulkSendList → BulkSendingList; createBulkSendRequest → BulkSendResponse; getBulkSendBatchStatus → BulkSendBatchStatus', async () => {
		const templateId = await createTemplate('SDK bulk');
		const bulk = new docusign.BulkEnvelopesApi(client);
		const list = { name: 'Renewals', bulkCopies: [{ recipients: [{ roleName: 'Tenant', name: 'Ann', email: 'ann@example.com', tabs: [{ tabLabel: 'Rent', initialValue: '900' }] }] }, { recipients: [{ roleName: 'Tenant', name: 'Bob', email: 'bob@example.com' }] }] };
		expect(viaModel(docusign.BulkSendingList, list)).toEqual(list);
		const created = await call(bulk.createBulkSendList, bulk, sim.state.accountId, { bulkSendingList: docusign.BulkSendingList.constructFromObject(list) });
		expect(viaModel(docusign.BulkSendingList, created.raw)).toEqual(created.raw);
		const listId = (created.raw as { listId: string }).listId;
		const request = { envelopeOrTemplateId: templateId, batchName: 'Renewals' };
		expect(viaModel(docusign.BulkSendRequest, request)).toEqual(request);
		const sent = await call(bulk.createBulkSendRequest, bulk, sim.state.accountId, listId, { bulkSendRequest: docusign.BulkSendRequest.constructFromObject(request) });
		expect(viaModel(docusign.BulkSendResponse, sent.raw)).toEqual(sent.raw);
		expect(sent.raw).toMatchObject({ batchId: expect.stringMatching(/^[0-9a-f-]{36}$/), batchSize: '2', totalQueued: '2', envelopeOrTemplateId: templateId });
		await sim.settled();
		const status = await call(bulk.getBulkSendBatchStatus, bulk, sim.state.accountId, (sent.raw as { batchId: string }).batchId);
		expect(viaModel(docusign.BulkSendBatchStatus, status.raw)).toEqual(status.raw);
		expect(status.raw).toMatchObject({ batchSize: '2', sent: '2', queued: '0', failed: '0' });
	});
});

describe('the SDK\'s own behaviour (its bugs, asserted as they are)', () => {
	test('ApiClient ignores an oAuthBasePath passed to its constructor and derives one from basePath (ApiClient.js:188)', () => {
		// `opts.oAuthBasePath = deriveOAuthBasePathFromRestBasePath(opts.basePath)` overwrites what the
		// caller passed; any basePath that is not https://demo… gives production's account server.
		// So a client aimed at a local basePath would send its OAuth calls to account.docusign.com:
		// the test calls setOAuthBasePath after constructing, which is the SDK's documented setter.
		const local = new docusign.ApiClient({ basePath: `${sim.url}/restapi`, oAuthBasePath: `${front.host}:${front.port}` } as { basePath: string });
		expect((local as unknown as { getOAuthBasePath(): string }).getOAuthBasePath()).toBe('account.docusign.com');
		// setBasePath does it again (ApiClient.js:248).
		const demo = new docusign.ApiClient({ basePath: 'https://demo.docusign.net/restapi' });
		expect((demo as unknown as { getOAuthBasePath(): string }).getOAuthBasePath()).toBe('account-d.docusign.com');
	});

	test('OAuthToken cannot read a token answer that has a "data" member: NameValue is not in scope (oauth/OAuthToken.js:62)', () => {
		const OAuthToken = load('docusign-esign/src/oauth/OAuthToken') as Model;
		expect(() => OAuthToken.constructFromObject({ access_token: 'a', data: [] })).toThrow(ReferenceError);
		// The simulator's token answers, as DocuSign's, have no such member.
		expect(OAuthToken.constructFromObject({ access_token: 'a', token_type: 'Bearer', refresh_token: 'r', expires_in: 28800 })).toEqual({ accessToken: 'a', tokenType: 'Bearer', refreshToken: 'r', expiresIn: '28800' });
	});
});

describe('Connect', () => {
	test('messages go out in the background: a Connect listener that hangs never holds up the API call', async () => {
		const stuck = createServer(() => undefined);
		await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
		sim.state.connect = { url: `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/connect`, hmacKeys: ['k'] };
		try {
			const answer = await Promise.race([sentEnvelope(), new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5_000))]);
			expect(answer).toMatch(/^[0-9a-f-]{36}$/);
		} finally {
			sim.state.connect = undefined;
			stuck.closeAllConnections();
			await new Promise<void>((resolve) => stuck.close(() => resolve()));
		}
	});

	test('a message the listener does not acknowledge comes again on Connect\'s schedule (24 h, shrunk here), as the same message with retryCount + 1', async () => {
		// 24 hours become 300 ms; the listener refuses the first two posts (each message's first attempt).
		const delayMs = 300;
		const scaled = await startDocuSignSimulator({ retryDelayScale: delayMs / CONNECT_RETRY_DELAYS_MS[0] });
		const received: Array<{ at: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
		const listener = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (c: Buffer) => chunks.push(c));
			request.on('end', () => {
				received.push({ at: Date.now(), headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(received.length <= 2 ? 503 : 200).end();
			});
		});
		await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
		try {
			scaled.state.connect = { url: `http://127.0.0.1:${(listener.address() as AddressInfo).port}/connect`, hmacKeys: ['connect-key'] };
			// A token from the scaled simulator's account server, then the SDK's createEnvelope.
			const consent = await fetch(`${scaled.url}/oauth/auth?response_type=code&client_id=${scaled.state.application.integrationKey}&redirect_uri=http://127.0.0.1/callback&scope=signature`, { redirect: 'manual' });
			const code = new URL(consent.headers.get('location') ?? '').searchParams.get('code') ?? '';
			const basic = Buffer.from(`${scaled.state.application.integrationKey}:${scaled.state.application.secretKey}`).toString('base64');
			const token = (await (await fetch(`${scaled.url}/oauth/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=authorization_code&code=${code}` })).json()) as { access_token: string };
			const scaledClient = new docusign.ApiClient({ basePath: `${scaled.url}/restapi` });
			scaledClient.addDefaultHeader('Authorization', `Bearer ${token.access_token}`);
			const scaledEnvelopes = new docusign.EnvelopesApi(scaledClient);
			const created = await call(scaledEnvelopes.createEnvelope, scaledEnvelopes, scaled.state.accountId, { envelopeDefinition: docusign.EnvelopeDefinition.constructFromObject(nodeDefinition()) });
			const envelopeId = (created.data as { envelopeId: string }).envelopeId;

			await scaled.settled();
			// Both first attempts failed; nothing else has been sent yet (the retries are scheduled).
			expect(scaled.state.deliveries.map((d) => [d.event, d.retryCount, d.delivered])).toEqual([
				['envelope-sent', 0, false],
				['recipient-sent', 0, false],
			]);
			expect(received).toHaveLength(2);

			await scaled.settled({ retries: true });
			expect(scaled.state.deliveries.map((d) => [d.event, d.retryCount, d.delivered])).toEqual([
				['envelope-sent', 0, false],
				['recipient-sent', 0, false],
				['envelope-sent', 1, true],
				['recipient-sent', 1, true],
			]);
			expect(received).toHaveLength(4);
			// Not before the (shrunk) interval: each retry comes at least 300 ms after its first attempt.
			expect(received[2].at - received[0].at).toBeGreaterThanOrEqual(delayMs - 5);
			expect(received[3].at - received[1].at).toBeGreaterThanOrEqual(delayMs - 5);

			const bodies = received.map((m) => JSON.parse(m.body.toString('utf8')) as Record<string, unknown>);
			const withoutCount = (body: Record<string, unknown>) => ({ ...body, retryCount: undefined });
			expect(bodies.map((b) => b.retryCount)).toEqual([0, 0, 1, 1]);
			// The retry is the same message: everything but retryCount repeats (generatedDateTime too).
			expect(withoutCount(bodies[2])).toEqual(withoutCount(bodies[0]));
			expect(withoutCount(bodies[3])).toEqual(withoutCount(bodies[1]));
			// The node's webhook handler accepts each (a fresh signature over the new body) and gives
			// the retry the first attempt's event id, so the relay deduplicates it.
			const options = docusignWebhook.parseOptions({});
			const now = Date.now();
			for (const message of received) docusignWebhook.verify({ rawBody: message.body, headers: message.headers }, ['connect-key'], options, now);
			const events = received.map((m) => docusignWebhook.normalize({ rawBody: m.body, headers: m.headers }, options, now)[0]);
			expect(events.map((e) => e.documentId)).toEqual([envelopeId, envelopeId, envelopeId, envelopeId]);
			expect(events[2].id).toBe(events[0].id);
			expect(events[3].id).toBe(events[1].id);
			expect(events[0].id).not.toBe(events[1].id);
		} finally {
			await scaled.close();
			listener.closeAllConnections();
			await new Promise<void>((resolve) => listener.close(() => resolve()));
		}
	});

	test('Connect\'s schedule: ten retries, at least 24 hours apart', () => {
		expect(CONNECT_RETRY_DELAYS_MS).toEqual(Array.from({ length: 10 }, () => 86_400_000));
	});
});
