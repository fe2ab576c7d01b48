/**
 * The SignNow simulator, driven by SignNow's official Node client `@signnow/api-client` 1.8.2
 * as a user of that SDK would drive the real API: every endpoint the node, its credential tests
 * and `preAuthentication` call, through the requests the SDK builds for them.
 *
 * How the SDK reaches the simulator: the SDK speaks HTTPS only (`https.request` with the host and
 * port of its environment config, `config/index.js`), so a TLS front with a throwaway certificate
 * sits in front of the simulator; the SDK is initialised as usual (`init({ production: false,
 * credentials })`), its environment config's `api` is pointed at the front, and the certificate
 * is trusted through `https.globalAgent` (the agent the SDK's requests use, it passes none).
 *
 * The SDK does not validate answers, but documents each one as a JSDoc typedef in its source;
 * every answer must carry each property its typedef documents (read from the SDK's own files at
 * test time), with the right kind of value (list, object, scalar, null where allowed).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { contractPdf, makePdf } from '../helpers/pdf';
import { startSignNowSimulator, type SignNowSimulator } from '../simulators/signnow';
import { startTlsFront, type TlsFront } from '../simulators/shared/tls-front';

type Callback = (error: unknown, result: unknown) => void;
type SdkMethod = (payload: Record<string, unknown>, callback: Callback) => void;
interface SignNowSdk {
	oauth2: Record<'requestToken' | 'verify' | 'refreshToken', SdkMethod>;
	user: Record<'retrieve', SdkMethod>;
	document: Record<
		'create' | 'fieldextract' | 'view' | 'update' | 'download' | 'invite' | 'cancelFieldInvite' | 'cancelFreeFormInvite' | 'remove' | 'history',
		SdkMethod
	>;
	webhook: Record<'create' | 'list', SdkMethod>;
	template: Record<'create' | 'duplicate' | 'bulkInvite', SdkMethod>;
	folder: Record<'list' | 'documents', SdkMethod>;
	embedded: Record<'createInvite' | 'generateInviteLink', SdkMethod>;
}

const load = createRequire(__filename);
const sdkRoot = join(load.resolve('@signnow/api-client/package.json'), '..');
const init = load('@signnow/api-client') as (params: { production?: boolean; credentials?: string }) => SignNowSdk;
const sdkConfig = load('@signnow/api-client/config') as { getEnvConfig(): { api: { host: string; port: number } } };
// The SDK's own transport, for the node's endpoints 1.8.2 has no method for (webhooks 2.0).
const sdkCommon = load('@signnow/api-client/lib/common') as {
	buildRequestOptions(options: { method: string; path: string; authorization?: { type: string; token?: string }; headers?: Record<string, string | number> }): https.RequestOptions;
	responseHandler(callback: Callback): (response: import('node:http').IncomingMessage) => void;
};

/** Calls an SDK method the way its README does (error-first callback), as a promise. */
function call(method: SdkMethod, payload: Record<string, unknown>): Promise<unknown> {
	return new Promise((resolve, reject) => method(payload, (error, result) => (error ? reject(error) : resolve(result))));
}

/** Same, but resolves with the error the SDK reports, for the calls that must fail. */
function callError(method: SdkMethod, payload: Record<string, unknown>): Promise<unknown> {
	return new Promise((resolve, reject) => method(payload, (error, result) => (error ? resolve(error) : reject(new Error(`expected an error, got ${JSON.stringify(result)}`)))));
}

/** A request built by the SDK's own `buildRequestOptions` and read by its `responseHandler`. */
function sdkRequest(method: string, path: string, authorization: { type: string; token?: string }, body?: unknown): Promise<unknown> {
	const json = body === undefined ? undefined : JSON.stringify(body);
	const headers: Record<string, string | number> = json === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) };
	return new Promise((resolve, reject) => {
		const request = https
			.request(sdkCommon.buildRequestOptions({ method, path, authorization, headers }), sdkCommon.responseHandler((error, result) => (error ? reject(error) : resolve(result))))
			.on('error', reject);
		request.end(json);
	});
}

/* ---------------------------------------------------------------------------------------- */
/* The SDK's documented answer shapes, read from its source                                  */
/* ---------------------------------------------------------------------------------------- */

interface TypedefProperty {
	name: string;
	type: string;
}

/** The non-optional `@property` lines of `@typedef {Object} <name>` in one of the SDK's files. */
function typedef(file: string, name: string): TypedefProperty[] {
	const source = readFileSync(join(sdkRoot, file), 'utf8');
	const start = source.indexOf(`@typedef {Object} ${name}\n`);
	if (start < 0) throw new Error(`${file} documents no typedef ${name}`);
	const block = source.slice(start, source.indexOf('*/', start));
	const properties: TypedefProperty[] = [];
	for (const line of block.split('\n')) {
		const match = /@property \{(.+)\} (\S+)/.exec(line);
		if (match && !match[2].startsWith('[')) properties.push({ type: match[1], name: match[2] });
	}
	if (properties.length === 0) throw new Error(`typedef ${name} in ${file} has no properties`);
	return properties;
}

/**
 * What is wrong with `answer` against the typedef: missing properties, and values of the wrong
 * kind. Scalars are compared by kind only: SignNow answers many documented numbers as numeric
 * strings ("page_count": "1"), and the SDK passes them through untouched.
 */
function shapeProblems(answer: unknown, properties: TypedefProperty[]): string[] {
	if (typeof answer !== 'object' || answer === null) return [`answer is not an object: ${JSON.stringify(answer)}`];
	const record = answer as Record<string, unknown>;
	const problems: string[] = [];
	for (const { name, type } of properties) {
		if (!(name in record)) {
			problems.push(`${name} missing`);
			continue;
		}
		const value = record[name];
		const nullable = type.startsWith('?');
		const bare = type.replace(/^\?/, '');
		if (value === null) {
			if (!nullable) problems.push(`${name} is null, documented as ${type}`);
			continue;
		}
		const isList = bare.endsWith('[]') || bare.startsWith('Array<');
		const isObject = !isList && (bare === 'Object' || bare.startsWith('{') || /^[A-Z]/.test(bare));
		const kind = Array.isArray(value) ? 'list' : typeof value === 'object' ? 'object' : 'scalar';
		const wanted = isList ? 'list' : isObject ? 'object' : 'scalar';
		if (kind !== wanted) problems.push(`${name} is a ${kind}, documented as ${type}`);
	}
	return problems;
}

/* ---------------------------------------------------------------------------------------- */
/* Setup                                                                                     */
/* ---------------------------------------------------------------------------------------- */

let sim: SignNowSimulator;
let front: TlsFront;
let sdk: SignNowSdk;
let token: string;
let refreshToken: string;
let workDir: string;
const savedCa = https.globalAgent.options.ca;

beforeAll(async () => {
	sim = await startSignNowSimulator();
	front = await startTlsFront(sim.url);
	https.globalAgent.options.ca = front.certificatePem;
	sdk = init({ production: false, credentials: Buffer.from(`${sim.application.clientId}:${sim.application.clientSecret}`).toString('base64') });
	// The SDK's environment config (eval: api-eval.signnow.com:443), pointed at the TLS front.
	sdkConfig.getEnvConfig().api = { host: front.host, port: front.port };
	workDir = mkdtempSync(join(tmpdir(), 'signnow-sdk-'));
	const answer = (await call(sdk.oauth2.requestToken, { username: sim.user.email, password: sim.user.password })) as Record<string, string>;
	token = answer.access_token;
	refreshToken = answer.refresh_token;
});

afterAll(async () => {
	https.globalAgent.options.ca = savedCa;
	https.globalAgent.destroy();
	rmSync(workDir, { recursive: true, force: true });
	await front.close();
	await sim.close();
});

function file(name: string, data: Buffer): string {
	const path = join(workDir, name);
	writeFileSync(path, data);
	return path;
}

async function upload(name = 'contract.pdf', data = contractPdf('SDK contract', 2)): Promise<string> {
	const answer = (await call(sdk.document.create, { filepath: file(name, data), token })) as { id: string };
	expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentCreateResponse'))).toEqual([]);
	return answer.id;
}

const field = (over: Record<string, unknown> = {}) => ({ page_number: 0, type: 'signature', name: `sig_${Math.random().toString(16).slice(2)}`, role: 'Signer 1', required: true, height: 30, width: 150, x: 50, y: 600, ...over });

/* ---------------------------------------------------------------------------------------- */
/* OAuth 2 and the user: preAuthentication, n8n's OAuth2 refresh, the credential tests        */
/* ---------------------------------------------------------------------------------------- */

describe('oauth2 and user', () => {
	test('requestToken (password grant, form body, Basic client auth) answers as documented', async () => {
		const answer = await call(sdk.oauth2.requestToken, { username: sim.user.email, password: sim.user.password, scope: '*' });
		expect(shapeProblems(answer, typedef('lib/oauth2/index.js', 'AccessTokenGetResponse'))).toEqual([]);
		expect(await callError(sdk.oauth2.requestToken, { username: sim.user.email, password: 'wrong' })).toEqual([{ code: 65538, message: expect.stringContaining('invalid_grant') }]);
	});

	test('verify: GET /oauth2/token with the Bearer token describes that token', async () => {
		const answer = (await call(sdk.oauth2.verify, { token })) as Record<string, unknown>;
		expect(shapeProblems(answer, typedef('lib/oauth2/index.js', 'AccessTokenVerifyResponse'))).toEqual([]);
		expect(answer).toMatchObject({ access_token: token, token_type: 'bearer', scope: '*' });
		expect(Number(answer.expires_in)).toBeGreaterThan(0);
		expect(Number(answer.expires_in)).toBeLessThanOrEqual(2_592_000);
		// An API key is a Bearer token too.
		expect(await call(sdk.oauth2.verify, { token: sim.apiKey })).toMatchObject({ access_token: sim.apiKey });
		expect(await callError(sdk.oauth2.verify, { token: 'not-a-token' })).toEqual([{ code: 1537, message: 'invalid_token' }]);
	});

	test('refreshToken (refresh_token grant) gives a new token and retires the old one', async () => {
		const first = (await call(sdk.oauth2.requestToken, { username: sim.user.email, password: sim.user.password })) as Record<string, string>;
		const answer = (await call(sdk.oauth2.refreshToken, { refresh_token: first.refresh_token, scope: '*' })) as Record<string, string>;
		expect(shapeProblems(answer, typedef('lib/oauth2/index.js', 'AccessTokenRefreshResponse'))).toEqual([]);
		expect(answer.access_token).not.toBe(first.access_token);
		expect(await callError(sdk.oauth2.verify, { token: first.access_token })).toEqual([{ code: 1537, message: 'invalid_token' }]);
		expect(await callError(sdk.oauth2.refreshToken, { refresh_token: first.refresh_token })).toEqual([{ code: 65538, message: expect.stringContaining('invalid_grant') }]);
		expect(refreshToken).toMatch(/^[0-9a-f]{64}$/);
	});

	test('authorization-code grant (n8n\'s OAuth2 credential): consent page, then the code at the token endpoint through the SDK\'s transport', async () => {
		// 1.8.2 has no method for this grant: the request is built by the SDK's buildRequestOptions
		// with its Basic client credentials, as requestToken builds the password grant.
		const consent = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
			https.get(`${front.url}/authorize?client_id=${sim.application.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://127.0.0.1/cb')}&state=s1`, (response) => {
				response.resume();
				resolve({ status: response.statusCode ?? 0, location: response.headers.location });
			}).on('error', reject);
		});
		expect(consent.status).toBe(302);
		const code = new URL(consent.location ?? '').searchParams.get('code') ?? '';
		const form = new URLSearchParams({ grant_type: 'authorization_code', code, scope: '*' }).toString();
		const exchange = () =>
			new Promise<unknown>((resolve, reject) => {
				const options = sdkCommon.buildRequestOptions({ method: 'POST', path: '/oauth2/token', authorization: { type: 'Basic' }, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(form) } });
				https.request(options, sdkCommon.responseHandler((error, result) => (error ? reject(error) : resolve(result)))).on('error', reject).end(form);
			});
		const answer = await exchange();
		expect(shapeProblems(answer, typedef('lib/oauth2/index.js', 'AccessTokenGetResponse'))).toEqual([]);
		// A code is good once.
		expect(await exchange().catch((error: unknown) => error)).toEqual([{ code: 65538, message: expect.stringContaining('invalid_grant') }]);
	});

	test('user.retrieve (the credentials\' test request) answers every documented property', async () => {
		const answer = (await call(sdk.user.retrieve, { token })) as Record<string, unknown>;
		expect(shapeProblems(answer, typedef('lib/user/index.js', 'UserGetResponse'))).toEqual([]);
		expect(answer).toMatchObject({ id: sim.user.id, primary_email: sim.user.email, emails: [sim.user.email] });
		expect(await call(sdk.user.retrieve, { token: sim.apiKey })).toMatchObject({ id: sim.user.id });
	});
});

/* ---------------------------------------------------------------------------------------- */
/* Documents                                                                                 */
/* ---------------------------------------------------------------------------------------- */

describe('documents', () => {
	test('create: the SDK\'s multipart body (no closing boundary) uploads the file, of every type it accepts', async () => {
		// lib/document/index.js:64 ends the body with `--boundary\r\n`, not `--boundary--`: SignNow takes it.
		const id = await upload();
		expect(sim.state.documents.get(id)?.original.equals(contractPdf('SDK contract', 2))).toBe(true);
		// The SDK's list of accepted uploads includes .xml (lib/common/index.js:23).
		const xml = await upload('form.xml', Buffer.from('<?xml version="1.0"?><form><field>x</field></form>'));
		expect(sim.state.documents.get(xml)?.originalFileName).toBe('form.xml');
	});

	test('fieldextract turns text tags into fields and roles', async () => {
		const pdf = makePdf({ title: 'Tagged', pages: [['Sign: {{t:s;r:y;o:"Buyer";}}']] });
		const answer = (await call(sdk.document.fieldextract, { filepath: file('tagged.pdf', pdf), token })) as { id: string };
		expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentFieldExtractResponse'))).toEqual([]);
		const view = (await call(sdk.document.view, { id: answer.id, token })) as { roles: Array<{ name: string }>; fields: unknown[] };
		expect(view.roles.map((role) => role.name)).toEqual(['Buyer']);
		expect(view.fields).toHaveLength(1);
	});

	test('view answers every property of DocumentViewResponse', async () => {
		const id = await upload();
		const answer = (await call(sdk.document.view, { id, token })) as Record<string, unknown>;
		expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentViewResponse'))).toEqual([]);
		expect(shapeProblems(answer.thumbnail, typedef('lib/document/index.js', 'DocumentThumbnails'))).toEqual([]);
		expect(answer).toMatchObject({ id, page_count: '2', owner: sim.user.email, template: false });
		expect(await callError(sdk.document.view, { id: 'f'.repeat(40), token })).toEqual([{ code: 65582, message: 'Document not found' }]);
	});

	test('update: the SDK\'s body ({ client_timestamp, fields }) places fields; the answer is DocumentUpdateResponse', async () => {
		const id = await upload();
		const fields = { client_timestamp: Math.floor(Date.now() / 1000), fields: [field(), field({ type: 'text', role: 'Signer 2', label: 'Title', prefilled_text: 'CEO' }), field({ type: 'initials', page_number: 1 })] };
		const answer = (await call(sdk.document.update, { id, fields, token })) as Record<string, unknown>;
		expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentUpdateResponse'))).toEqual([]);
		expect(answer.id).toBe(id);
		const view = (await call(sdk.document.view, { id, token })) as { fields: unknown[]; roles: Array<{ name: string }> };
		expect(view.fields).toHaveLength(3);
		expect(view.roles.map((role) => role.name)).toEqual(['Signer 1', 'Signer 2']);
		// SignNow refuses a page that does not exist (pages count from 0).
		expect(await callError(sdk.document.update, { id, fields: { fields: [field({ page_number: 2 })] }, token })).toEqual([{ code: 65535, message: expect.stringContaining('page_number 2 does not exist') }]);
	});

	test('download (type=collapsed, with and without history) gives the PDF bytes', async () => {
		const pdf = contractPdf('Download me', 1);
		const id = await upload('download.pdf', pdf);
		// The SDK reads the body as a 'binary' (latin1) string (lib/common/index.js:58) and hands that string over.
		const plain = (await call(sdk.document.download, { id, token })) as string;
		expect(Buffer.from(plain, 'latin1').equals(pdf)).toBe(true);
		const withHistory = (await call(sdk.document.download, { id, token, options: { withHistory: true } })) as string;
		expect(withHistory.startsWith('%PDF-')).toBe(true);
		expect(sim.state.requests.filter((request) => request.path === `/document/${id}/download`).map((request) => request.status)).toEqual([200, 200]);
	});

	test('remove deletes the document', async () => {
		const id = await upload();
		const answer = await call(sdk.document.remove, { id, token });
		expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentRemoveResponse'))).toEqual([]);
		expect(answer).toEqual({ status: 'success' });
		expect(await callError(sdk.document.view, { id, token })).toEqual([{ code: 65582, message: 'Document not found' }]);
	});
});

/* ---------------------------------------------------------------------------------------- */
/* Invites                                                                                   */
/* ---------------------------------------------------------------------------------------- */

describe('invites', () => {
	async function documentWithFields(): Promise<string> {
		const id = await upload();
		await call(sdk.document.update, { id, fields: { client_timestamp: 0, fields: [field(), field({ role: 'Signer 2', y: 500 })] }, token });
		return id;
	}

	test('role-based invite naming roles by name only (role_id empty, as the SDK documents it optional); cancelFieldInvite', async () => {
		const id = await documentWithFields();
		const data = {
			from: sim.user.email,
			to: [
				{ email: 'first@example.com', role: 'Signer 1', role_id: '', order: 1, reassign: '0', decline_by_signature: '0', reminder: 4, expiration_days: 15, subject: 'Sign', message: 'Please' },
				{ email: 'second@example.com', role: 'Signer 2', order: 2, reassign: '0', decline_by_signature: '0', reminder: 4, expiration_days: 15 },
			],
			cc: [],
			subject: 'Please sign',
			message: 'Two signers',
		};
		const answer = await call(sdk.document.invite, { id, data, token });
		expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentFieldInviteResponse'))).toEqual([]);
		const view = (await call(sdk.document.view, { id, token })) as { field_invites: Array<{ email: string; role: string; status: string }> };
		expect(view.field_invites.map((invite) => [invite.email, invite.role, invite.status])).toEqual([
			['first@example.com', 'Signer 1', 'pending'],
			['second@example.com', 'Signer 2', 'pending'],
		]);
		const cancelled = await call(sdk.document.cancelFieldInvite, { id, token });
		expect(shapeProblems(cancelled, typedef('lib/document/index.js', 'DocumentFieldInviteCancelResponse'))).toEqual([]);
		expect(cancelled).toEqual({ status: 'success' });
	});

	test('role-based invite with role ids (as the node sends it); a role name that is not in the document is refused', async () => {
		const id = await documentWithFields();
		const view = (await call(sdk.document.view, { id, token })) as { roles: Array<{ unique_id: string; name: string }> };
		const to = view.roles.map((role, index) => ({ email: `s${index}@example.com`, role: role.name, role_id: role.unique_id, order: index + 1 }));
		expect(await callError(sdk.document.invite, { id, data: { from: sim.user.email, to: [{ ...to[0], role: 'Nobody', role_id: '' }, to[1]] }, token })).toEqual([
			{ code: 65535, message: expect.stringContaining('"Nobody" is not a role of this document') },
		]);
		expect(await call(sdk.document.invite, { id, data: { from: sim.user.email, to }, options: { email: 'disable' }, token })).toEqual({ status: 'success' });
	});

	test('SDK bug: remove({ cancelInvites: true }) deletes before it cancels (lib/document/index.js:957-1029), so it cannot remove a document with a pending invite', async () => {
		const id = await documentWithFields();
		await call(sdk.document.invite, { id, data: { from: sim.user.email, to: [{ email: 'a@example.com', role: 'Signer 1', order: 1 }, { email: 'b@example.com', role: 'Signer 2', order: 2 }] }, token });
		const seen = sim.state.requests.length;
		// SignNow refuses to delete a document that still has a pending invite; the SDK's option
		// meant to cancel the invites first only runs after the DELETE has succeeded.
		expect(await callError(sdk.document.remove, { id, token, options: { cancelInvites: true } })).toEqual([{ code: 65535, message: 'Cancel the pending invite before deleting the document' }]);
		expect(sim.state.requests.slice(seen).map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([`DELETE /document/${id} 400`]);
		// What works: cancel, then remove.
		await call(sdk.document.cancelFieldInvite, { id, token });
		expect(await call(sdk.document.remove, { id, token })).toEqual({ status: 'success' });
	});

	test('free-form invite, then cancelFreeFormInvite', async () => {
		const id = await upload();
		const answer = (await call(sdk.document.invite, { id, data: { from: sim.user.email, to: 'signer@example.com' }, token })) as { id: string };
		expect(shapeProblems(answer, typedef('lib/document/index.js', 'DocumentFreeformInviteResponse'))).toEqual([]);
		const cancelled = await call(sdk.document.cancelFreeFormInvite, { id: answer.id, token });
		expect(shapeProblems(cancelled, typedef('lib/document/index.js', 'CancelFreeformInviteResponse'))).toEqual([]);
		expect(cancelled).toMatchObject({ id: answer.id });
	});
});

/* ---------------------------------------------------------------------------------------- */
/* Event subscriptions                                                                       */
/* ---------------------------------------------------------------------------------------- */

/* ---------------------------------------------------------------------------------------- */
/* Templates, folders, prefilled texts, embedded invites, history, bulk invite (issue 14)     */
/* ---------------------------------------------------------------------------------------- */

describe('templates and embedded invites', () => {
	async function template(name: string, fields: Array<Record<string, unknown>>): Promise<string> {
		const id = await upload(`${name}.pdf`, contractPdf(name, 1));
		await call(sdk.document.update, { id, fields: { client_timestamp: 0, fields }, token });
		const answer = (await call(sdk.template.create, { document_id: id, document_name: name, token })) as { id: string };
		expect(shapeProblems(answer, typedef('lib/template/index.js', 'TemplateCreateResponse'))).toEqual([]);
		return answer.id;
	}

	test('template.create, folder.list / folder.documents (the template is in a folder), template.duplicate, prefill-texts', async () => {
		const id = await template('SDK Offer', [field(), field({ type: 'text', name: 'Salary', y: 300 })]);
		const root = (await call(sdk.folder.list, { token })) as { id: string; folders: Array<{ id: string; name: string }> };
		expect(root.folders.map((folder) => folder.name)).toEqual(['Documents', 'Templates', 'Archive', 'Trash Bin']);
		const templates = root.folders.find((folder) => folder.name === 'Templates')!;
		const folder = (await call(sdk.folder.documents, { id: templates.id, token })) as { documents: Array<{ id: string; template: boolean }> };
		// The SDK asks without entity_type, SignNow's default (document-all): documents only.
		expect(folder.documents).toEqual([]);
		const listed = (await sdkRequest('GET', `/folder/${templates.id}?entity_type=template`, { type: 'Bearer', token })) as { documents: Array<{ id: string; template: boolean }> };
		expect(listed.documents.map((document) => [document.id, document.template])).toEqual([[id, true]]);
		expect(shapeProblems(listed.documents[0], typedef('lib/document/index.js', 'DocumentViewResponse'))).toEqual([]);

		const copy = (await call(sdk.template.duplicate, { id, name: 'Offer for Cara', token })) as { id: string; name: string };
		expect(shapeProblems(copy, typedef('lib/template/index.js', 'TemplateDuplicateResponse'))).toEqual([]);
		expect(copy.name).toBe('Offer for Cara');
		// 1.8.2 has no prefill method: the SDK's own transport sends it.
		await sdkRequest('PUT', `/v2/documents/${copy.id}/prefill-texts`, { type: 'Bearer', token }, { fields: [{ field_name: 'Salary', prefilled_text: '70000' }] });
		const view = (await call(sdk.document.view, { id: copy.id, token })) as { template: boolean; fields: Array<{ json_attributes: { name?: string; prefilled_text?: string } }> };
		expect(view.template).toBe(false);
		expect(view.fields.find((f) => f.json_attributes.name === 'Salary')?.json_attributes.prefilled_text).toBe('70000');
	});

	test('embedded.createInvite and embedded.generateInviteLink (link_expiration null: SignNow\'s default)', async () => {
		const id = await upload('embedded.pdf', contractPdf('Embedded', 1));
		await call(sdk.document.update, { id, fields: { client_timestamp: 0, fields: [field()] }, token });
		const view = (await call(sdk.document.view, { id, token })) as { roles: Array<{ unique_id: string }> };
		const created = (await call(sdk.embedded.createInvite, { document_id: id, invites: [{ email: 'embedded@example.com', role_id: view.roles[0].unique_id, order: 1, auth_method: 'none' }], token })) as { data: Array<Record<string, unknown>> };
		expect(shapeProblems(created, typedef('lib/embedded/index.js', 'EmbeddedCreateInvitesResponse'))).toEqual([]);
		expect(shapeProblems(created.data[0], typedef('lib/embedded/index.js', 'EmbeddedInvite'))).toEqual([]);
		const link = (await call(sdk.embedded.generateInviteLink, { document_id: id, field_invite_unique_id: created.data[0].id, link_expiration: null, auth_method: 'none', token })) as { data: { link: string } };
		expect(shapeProblems(link, typedef('lib/embedded/index.js', 'EmbeddedGenerateLinkResponse'))).toEqual([]);
		expect(shapeProblems(link.data, typedef('lib/embedded/index.js', 'EmbeddedGeneratedLink'))).toEqual([]);
		const after = (await call(sdk.document.view, { id, token })) as { field_invites: Array<{ is_embedded: boolean }> };
		expect(after.field_invites.map((invite) => invite.is_embedded)).toEqual([true]);
	});

	test('document.history answers DocumentEvent[]', async () => {
		const id = await upload('history.pdf', contractPdf('History', 1));
		const events = (await call(sdk.document.history, { id, token })) as unknown[];
		expect(events.length).toBeGreaterThan(0);
		for (const event of events) expect(shapeProblems(event, typedef('lib/document/index.js', 'DocumentEvent'))).toEqual([]);
	});

	test('template.bulkInvite sends the CSV file with folder_id: TemplateBulkInviteResponse', async () => {
		const id = await template('SDK Policy', [field({ role: 'Employee' }), field({ type: 'text', role: 'Employee', name: 'Department', y: 300 })]);
		const root = (await call(sdk.folder.list, { token })) as { folders: Array<{ id: string; name: string }> };
		const folderId = root.folders.find((folder) => folder.name === 'Documents')!.id;
		const csv = file('bulk.csv', Buffer.from('Employee,Department\r\none@example.com,Sales\r\ntwo@example.com,Ops\r\n'));
		const answer = await call(sdk.template.bulkInvite, { id, data: { file: csv, folder_id: folderId, document_name: 'Policy', subject: 'Sign', email_message: 'Please' }, token });
		expect(shapeProblems(answer, typedef('lib/template/index.js', 'TemplateBulkInviteResponse'))).toEqual([]);
		const job = sim.state.bulkInvites.at(-1)!;
		expect(job.documentIds.map((documentId) => sim.state.documents.get(documentId)!.fieldInvites[0].email)).toEqual(['one@example.com', 'two@example.com']);
	});
});

describe('event subscriptions', () => {
	test('webhooks 2.0 (POST /api/v2/events, GET and DELETE /v2/event-subscriptions) through the SDK\'s transport', async () => {
		// 1.8.2 has no method for these: the request is built by the SDK's own buildRequestOptions.
		const id = await upload();
		const bearer = { type: 'Bearer', token };
		const created = await sdkRequest('POST', '/api/v2/events', bearer, {
			event: 'document.complete',
			entity_id: id,
			action: 'callback',
			attributes: { callback: 'http://127.0.0.1:9/hook', use_tls_12: true, docid_queryparam: false, delete_access_token: true },
			secret_key: 'sdk-secret',
		});
		expect(created).toEqual({});
		const listed = (await sdkRequest('GET', '/v2/event-subscriptions', bearer)) as { data: Array<{ id: string; event: string; entity_id: string; json_attributes: { callback_url: string } }> };
		const mine = listed.data.filter((subscription) => subscription.entity_id === id);
		expect(mine.map((subscription) => [subscription.event, subscription.json_attributes.callback_url])).toEqual([['document.complete', 'http://127.0.0.1:9/hook']]);
		// The legacy list authenticates with the application's Basic credentials (the SDK's default).
		const legacy = (await sdkRequest('GET', '/api/v2/events', { type: 'Basic' })) as { data: Array<{ id: string }> };
		expect(legacy.data.map((subscription) => subscription.id)).toContain(mine[0].id);
		// 204 No Content: the SDK's responseHandler turns it into { status: 'success' }.
		expect(await sdkRequest('DELETE', `/v2/event-subscriptions/${mine[0].id}`, bearer)).toEqual({ status: 'success' });
		expect(await sdkRequest('DELETE', `/v2/event-subscriptions/${mine[0].id}`, bearer).catch((error: unknown) => error)).toEqual([{ code: 65582, message: 'Event subscription not found' }]);
	});

	test('callbacks go out in the background: a callback URL that hangs or is down never holds up or fails the API call', async () => {
		// A receiver that takes the request and never answers, as a stuck endpoint does.
		const stuck = createServer(() => undefined);
		await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve));
		try {
			const id = await upload();
			const hook = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/stuck`;
			await sdkRequest('POST', '/api/v2/events', { type: 'Bearer', token }, { event: 'document.freeform.create', entity_id: id, action: 'callback', attributes: { callback: hook } });
			await sdkRequest('POST', '/api/v2/events', { type: 'Bearer', token }, { event: 'document.freeform.create', entity_id: id, action: 'callback', attributes: { callback: 'http://127.0.0.1:9/down' } });
			const answer = await Promise.race([
				call(sdk.document.invite, { id, data: { from: sim.user.email, to: 'down@example.com' }, token }),
				new Promise((resolve) => setTimeout(() => resolve('still waiting after 5 s'), 5_000)),
			]);
			expect(answer).toMatchObject({ result: 'success' });
		} finally {
			stuck.closeAllConnections();
			await new Promise<void>((resolve) => stuck.close(() => resolve()));
		}
	});

	test('a failed delivery is retried on the configured schedule, with the same body and signature, until it is taken', async () => {
		const retrying = await startSignNowSimulator({ callbacks: { retryDelaysMs: [50, 100, 200] } });
		const answers = [503, 500];
		const received: Array<{ body: string; signature: unknown }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
				received.push({ body: Buffer.concat(chunks).toString(), signature: request.headers['x-signnow-signature'] });
				response.writeHead(answers.shift() ?? 200).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		try {
			const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
			const bearer = { authorization: `Bearer ${retrying.apiKey}`, 'content-type': 'application/json' };
			const form = new FormData();
			form.append('file', new Blob([contractPdf('Retry')], { type: 'application/pdf' }), 'retry.pdf');
			const { id } = (await (await fetch(`${retrying.url}/document`, { method: 'POST', headers: { authorization: bearer.authorization }, body: form })).json()) as { id: string };
			const subscribe = await fetch(`${retrying.url}/api/v2/events`, { method: 'POST', headers: bearer, body: JSON.stringify({ event: 'document.freeform.create', entity_id: id, action: 'callback', attributes: { callback: hook }, secret_key: 'retry-key' }) });
			expect(subscribe.status).toBe(200);
			const invite = await fetch(`${retrying.url}/document/${id}/invite`, { method: 'POST', headers: bearer, body: JSON.stringify({ from: retrying.user.email, to: 'retry@example.com' }) });
			expect(invite.status).toBe(200);
			for (let waited = 0; received.length < 3 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
			await retrying.settled();
			expect(retrying.state.deliveries.map((delivery) => [delivery.attempt, delivery.status])).toEqual([[0, 503], [1, 500], [2, 200]]);
			expect(new Set(received.map((one) => one.body)).size).toBe(1);
			expect(new Set(received.map((one) => one.signature)).size).toBe(1);
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
			await retrying.close();
		}
	});
});

/* ---------------------------------------------------------------------------------------- */
/* Token request encodings SignNow accepts besides the SDK's                                 */
/* ---------------------------------------------------------------------------------------- */

describe('token request encodings', () => {
	const basic = () => `Basic ${Buffer.from(`${sim.application.clientId}:${sim.application.clientSecret}`).toString('base64')}`;

	test('multipart/form-data, as SignNow\'s API reference sends it (curl -F), is accepted', async () => {
		const form = new FormData();
		for (const [key, value] of Object.entries({ grant_type: 'password', username: sim.user.email, password: sim.user.password, scope: '*' })) form.append(key, value);
		const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
			const request = new Request(`${front.url}/oauth2/token`, { method: 'POST', body: form });
			void request.arrayBuffer().then((bytes) => {
				const req = https.request(`${front.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic(), 'content-type': request.headers.get('content-type') ?? '' } }, (response) => {
					const chunks: Buffer[] = [];
					response.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
				});
				req.on('error', reject).end(Buffer.from(bytes));
			}, reject);
		});
		expect(answer.status).toBe(200);
		expect(JSON.parse(answer.body)).toMatchObject({ token_type: 'bearer', access_token: expect.stringMatching(/^[0-9a-f]{64}$/) });
	});
});
