/**
 * Every E-Signature operation with SignNow, executed by n8n's engine against the SignNow
 * simulator over real HTTP (API-key credential; the token credentials have their own file).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

import { signNowWebhook } from '../../nodes/providers/signnow/webhook';
import { binaryBytes, binaryItem, contractPdf, looksLikePdf, makePdf } from '../helpers';
import { simulatorControl } from '../simulators/signnow';
import { ok, setUp, type Fixture } from './signnow-fixture';

let fx: Fixture;

beforeEach(async () => {
	fx = await setUp('apiKey');
});

afterEach(async () => {
	await fx.close();
});

async function upload(pdf = contractPdf('Contract', 2), fileName = 'contract.pdf'): Promise<string> {
	const [item] = ok(await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(pdf, fileName)]));
	return item.json.id as string;
}

const signatureField = (role: string, page = 1) => ({ type: 'signature', role, page, x: 100, y: 600, width: 200, height: 40, required: true, label: `${role} signs here` });

async function addFields(documentId: string, fields: Array<Record<string, unknown>>) {
	return await fx.run({ resource: 'document', operation: 'addFields', documentId, fields: { field: fields } });
}

async function prepared(): Promise<string> {
	const id = await upload();
	ok(await addFields(id, [signatureField('Client'), signatureField('Witness', 2)]));
	return id;
}

describe('Document', () => {
	test('Upload sends the input binary as a multipart file and outputs the new id', async () => {
		const pdf = contractPdf('Lease', 3);
		const run = await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'file' }, [binaryItem(pdf, 'lease.pdf', 'application/pdf', 'file')]);
		const [item] = ok(run);
		const stored = fx.sim.state.documents.get(item.json.id as string);
		expect(stored).toBeDefined();
		expect(stored!.original.equals(pdf)).toBe(true);
		expect(stored!.pageCount).toBe(3);
		expect(item.json).toMatchObject({ provider: 'signnow', name: 'lease', fileName: 'lease.pdf', fileSize: pdf.length });
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	test('Upload with text tags lets SignNow create the fields', async () => {
		const pdf = makePdf({ title: 'Tagged', pages: [['Sign: {{t:s;r:y;o:"Buyer";}}', 'Date: {{t:d;r:n;o:"Buyer";}}']] });
		const [item] = ok(
			await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data', options: { extractFieldsFromTags: true } }, [binaryItem(pdf, 'tagged.pdf')]),
		);
		const stored = fx.sim.state.documents.get(item.json.id as string)!;
		expect(stored.fields.map((field) => [field.type, field.role, field.required])).toEqual([
			['signature', 'Buyer', true],
			['text', 'Buyer', false],
		]);
		expect(fx.sim.state.requests.some((request) => request.path === '/document/fieldextract')).toBe(true);
	});

	test('Upload without the binary property fails with an error naming it', async () => {
		const run = await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'missing' }, [binaryItem(contractPdf(), 'a.pdf')]);
		expect(run.error?.message).toMatch(/missing/);
		expect(fx.sim.state.documents.size).toBe(0);
	});

	test('Add Fields converts 1-based pages, keeps existing fields and reports roles', async () => {
		const id = await upload();
		const first = ok(await addFields(id, [signatureField('Client', 1)]))[0];
		expect(first.json.fieldCount).toBe(1);
		const [item] = ok(
			await addFields(id, [
				{ type: 'date', role: 'Client', page: 2, x: 300, y: 650, width: 120, height: 30, required: true, label: '' },
				{ type: 'initials', role: 'Witness', page: 2, x: 50, y: 700, width: 60, height: 30, required: false, label: 'W' },
			]),
		);
		const stored = fx.sim.state.documents.get(id)!;
		expect(stored.fields.map((field) => [field.type, field.role, field.page_number])).toEqual([
			['signature', 'Client', 0],
			['text', 'Client', 1],
			['initials', 'Witness', 1],
		]);
		expect(stored.fields[1].validator_id).toBe('13435fa6c2a17f83177fcbb5c4a9376ce85befeb');
		expect(item.json).toMatchObject({ id, status: 'draft', fieldCount: 3, fieldsAdded: 2 });
		expect((item.json.roles as Array<{ name: string }>).map((role) => role.name)).toEqual(['Client', 'Witness']);
	});

	test('Add Fields on a page the document does not have fails before calling SignNow', async () => {
		const id = await upload(contractPdf('One page', 1));
		const before = fx.sim.state.requests.length;
		const run = await addFields(id, [signatureField('Client', 2)]);
		expect(run.error?.message).toMatch(/page 2, but the document has 1 page/);
		expect(fx.sim.state.requests.slice(before).map((r) => r.method)).not.toContain('PUT');
	});

	test('Add Fields rejects a field with an empty role', async () => {
		const id = await upload();
		const run = await addFields(id, [{ ...signatureField('x'), role: '  ' }]);
		expect(run.error?.message).toMatch(/Field 1: the role is empty/);
	});

	test('Get outputs status, roles and invites', async () => {
		const id = await prepared();
		ok(await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'c@example.com', role: 'Client' }, { email: 'w@example.com', role: 'Witness' }] } }));
		const [item] = ok(await fx.run({ resource: 'document', operation: 'get', documentId: id, includeRaw: true }));
		expect(item.json).toMatchObject({ id, name: 'contract', status: 'pending', signed: false, pageCount: 2 });
		expect(item.json.invites).toEqual([
			expect.objectContaining({ email: 'c@example.com', role: 'Client', status: 'pending', signingOrder: 1 }),
			expect.objectContaining({ email: 'w@example.com', role: 'Witness', status: 'pending', signingOrder: 2 }),
		]);
		expect((item.json.providerResponse as { id: string }).id).toBe(id);
	});

	test('Get of an unknown document is a NodeApiError with SignNow\'s message and status', async () => {
		const run = await fx.run({ resource: 'document', operation: 'get', documentId: 'does-not-exist' });
		expect(run.error?.message).toMatch(/SignNow answered HTTP 404: Document not found/);
		expect(run.error?.httpCode).toBe('404');
	});

	test('Delete removes the document', async () => {
		const id = await upload();
		const [item] = ok(await fx.run({ resource: 'document', operation: 'delete', documentId: id }));
		expect(item.json).toEqual({ provider: 'signnow', id, deleted: true });
		expect(fx.sim.state.documents.has(id)).toBe(false);
	});
});

describe('Download', () => {
	const download = (documentId: string, options: Record<string, unknown> = {}) =>
		fx.run({ resource: 'document', operation: 'download', documentId, binaryPropertyName: 'signed', options });

	async function simulatorBytes(documentId: string, query: string): Promise<Buffer> {
		const response = await fetch(`${fx.sim.url}/document/${documentId}/download?${query}`, { headers: { authorization: `Bearer ${fx.sim.apiKey}` } });
		expect(response.status).toBe(200);
		return Buffer.from(await response.arrayBuffer());
	}

	test('a document not signed yet is a clear error, and nothing is downloaded', async () => {
		const id = await prepared();
		const run = await download(id);
		expect(run.error?.message).toBe(`Document ${id} is not signed yet (status: draft)`);
		expect(run.error?.description).toMatch(/Download Anyway/);
		expect(fx.sim.state.requests.some((r) => r.path.endsWith('/download'))).toBe(false);
	});

	test('"Download Anyway" returns the current (unsigned) PDF', async () => {
		const pdf = contractPdf('Draft', 1);
		const id = await upload(pdf, 'draft.pdf');
		const [item] = ok(await download(id, { downloadAnyway: true }));
		expect(binaryBytes(item, 'signed').equals(pdf)).toBe(true);
		expect(item.json.status).toBe('draft');
	});

	test('after signing: the signed PDF, byte for byte, the same on every download', async () => {
		const original = contractPdf('Contract', 2);
		const id = await upload(original);
		ok(await addFields(id, [signatureField('Client')]));
		ok(await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'c@example.com', role: 'Client' }] } }));
		await simulatorControl(fx.sim).sign(id);

		const [first] = ok(await download(id));
		const [second] = ok(await download(id));
		const bytes = binaryBytes(first, 'signed');
		expect(bytes.equals(await simulatorBytes(id, 'type=collapsed'))).toBe(true);
		expect(bytes.equals(binaryBytes(second, 'signed'))).toBe(true);
		expect(bytes.equals(original)).toBe(false);
		expect(looksLikePdf(bytes)).toBe(true);
		expect(bytes.toString('latin1')).toContain('Signed by c@example.com');
		expect(first.binary?.signed).toMatchObject({ mimeType: 'application/pdf', fileName: 'contract.pdf' });
		expect(first.json).toMatchObject({ status: 'completed', fileSize: bytes.length, withHistory: false });
	});

	test('with the audit trail: the history version, under the chosen file name', async () => {
		const id = await prepared();
		ok(await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'c@example.com', role: 'Client' }, { email: 'w@example.com', role: 'Witness' }] } }));
		await simulatorControl(fx.sim).sign(id, 'c@example.com');
		expect(ok(await fx.run({ resource: 'document', operation: 'get', documentId: id }))[0].json.status).toBe('pending');
		await simulatorControl(fx.sim).sign(id, 'w@example.com');
		const [item] = ok(await download(id, { withHistory: true, fileName: 'final.pdf' }));
		const bytes = binaryBytes(item, 'signed');
		expect(bytes.equals(await simulatorBytes(id, 'type=collapsed&with_history=1'))).toBe(true);
		expect(bytes.equals(await simulatorBytes(id, 'type=collapsed'))).toBe(false);
		expect(bytes.toString('latin1')).toContain('Document history');
		expect(item.binary?.signed.fileName).toBe('final.pdf');
	});
});

describe('Invite', () => {
	test('Send resolves role names (any case) to SignNow role ids and sends from the account email', async () => {
		const id = await prepared();
		const [item] = ok(
			await fx.run({
				resource: 'invite',
				operation: 'send',
				documentId: id,
				signers: { signer: [{ email: 'w@example.com', role: ' witness ', order: 2 }, { email: 'c@example.com', role: 'CLIENT', order: 1 }] },
				options: { subject: 'Please sign', message: 'Thanks', expirationDays: 10, reminderDays: 2 },
			}),
		);
		const stored = fx.sim.state.documents.get(id)!;
		const roleId = (name: string) => stored.roles.find((role) => role.name === name)!.unique_id;
		expect(stored.fieldInvites.map((invite) => [invite.email, invite.role_id, invite.order, invite.reminder])).toEqual([
			['w@example.com', roleId('Witness'), 2, 2],
			['c@example.com', roleId('Client'), 1, 2],
		]);
		expect(item.json).toMatchObject({ documentId: id, status: 'success' });
	});

	test('Send with a role the document does not have names the roles it has, and sends nothing', async () => {
		const id = await prepared();
		const run = await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'c@example.com', role: 'Buyer' }] } });
		expect(run.error?.message).toBe('The document has no role named "Buyer"');
		expect(run.error?.description).toBe('Roles in this document: "Client", "Witness". Use one of them, or add fields for "Buyer" first.');
		expect(fx.sim.state.documents.get(id)!.fieldInvites).toHaveLength(0);
	});

	test('Send rejects an invalid signer email before calling SignNow', async () => {
		const id = await prepared();
		const run = await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'not-an-email', role: 'Client' }] } });
		expect(run.error?.message).toMatch(/"not-an-email" is not a valid email address/);
	});

	test('Send Free Form invites one signer to a document without fields, and Cancel withdraws it', async () => {
		const id = await upload();
		const [sent] = ok(await fx.run({ resource: 'invite', operation: 'sendFreeForm', documentId: id, to: 'someone@example.com', options: { subject: 'Sign please' } }));
		const request = fx.sim.state.documents.get(id)!.requests[0];
		expect(sent.json).toMatchObject({ documentId: id, inviteId: request.id, status: 'success', to: 'someone@example.com' });
		expect(ok(await fx.run({ resource: 'document', operation: 'get', documentId: id }))[0].json.status).toBe('pending');

		const [cancelled] = ok(await fx.run({ resource: 'invite', operation: 'cancel', documentId: id, reason: 'Wrong file' }));
		expect(cancelled.json).toMatchObject({ documentId: id, status: 'cancelled', reason: 'Wrong file' });
		expect(fx.sim.state.documents.get(id)!.requests[0].canceled).toBe(true);
	});

	test('Cancel withdraws pending role-based invites; a second Cancel says there is nothing pending', async () => {
		const id = await prepared();
		ok(await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'c@example.com', role: 'Client' }, { email: 'w@example.com', role: 'Witness' }] } }));
		ok(await fx.run({ resource: 'invite', operation: 'cancel', documentId: id }));
		expect(fx.sim.state.documents.get(id)!.fieldInvites).toHaveLength(0);
		const again = await fx.run({ resource: 'invite', operation: 'cancel', documentId: id });
		expect(again.error?.message).toBe('The document has no pending invite to cancel');
	});
});

describe('Webhook', () => {
	test('Register, receive SignNow-signed callbacks, List and Delete', async () => {
		const received: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];
		const receiver = createServer((request, response) => {
			const chunks: Buffer[] = [];
			request.on('data', (chunk: Buffer) => chunks.push(chunk));
			request.on('end', () => {
				received.push({ headers: request.headers, body: Buffer.concat(chunks) });
				response.writeHead(200).end('ok');
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		const callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
		try {
			const id = await prepared();
			const registered = ok(
				await fx.run({ resource: 'webhook', operation: 'register', events: ['document.complete', 'document.fieldinvite.signed'], callbackUrl, secretKey: 'shh-secret', documentId: id }),
			);
			expect(registered.map((item) => item.json.event).sort()).toEqual(['document.complete', 'document.fieldinvite.signed']);
			expect(registered.every((item) => item.json.entityId === id && item.json.callbackUrl === callbackUrl)).toBe(true);
			// Account-wide: the user-level variant on the user's id.
			const [accountWide] = ok(await fx.run({ resource: 'webhook', operation: 'register', events: ['document.complete'], callbackUrl, secretKey: 'shh-secret' }));
			expect(accountWide.json).toMatchObject({ event: 'user.document.complete', entityId: fx.sim.user.id });

			ok(await fx.run({ resource: 'invite', operation: 'send', documentId: id, signers: { signer: [{ email: 'c@example.com', role: 'Client' }, { email: 'w@example.com', role: 'Witness' }] } }));
			await simulatorControl(fx.sim).sign(id);

			expect(received.map((r) => JSON.parse(r.body.toString()).meta.event).sort()).toEqual([
				'document.complete',
				'document.fieldinvite.signed',
				'document.fieldinvite.signed',
				'user.document.complete',
			]);
			for (const callback of received) {
				const request = { rawBody: callback.body, headers: callback.headers };
				expect(() => signNowWebhook.verify(request, ['shh-secret'], {}, Date.now())).not.toThrow();
				expect(() => signNowWebhook.verify(request, ['other'], {}, Date.now())).toThrow(/does not match/);
				// The node registers with delete_access_token, so no token travels.
				expect(JSON.parse(callback.body.toString()).meta.access_token).toBeUndefined();
			}
			const completed = received.find((r) => JSON.parse(r.body.toString()).meta.event === 'document.complete')!;
			const [event] = signNowWebhook.normalize({ rawBody: completed.body, headers: completed.headers }, {}, Date.now());
			expect(event).toMatchObject({ provider: 'signnow', type: 'document.completed', documentId: id });

			const listed = ok(await fx.run({ resource: 'webhook', operation: 'list' }));
			expect(listed).toHaveLength(3);
			const [deleted] = ok(await fx.run({ resource: 'webhook', operation: 'delete', subscriptionId: listed[0].json.id }));
			expect(deleted.json).toMatchObject({ id: listed[0].json.id, deleted: true });
			expect(ok(await fx.run({ resource: 'webhook', operation: 'list' }))).toHaveLength(2);
			const missing = await fx.run({ resource: 'webhook', operation: 'delete', subscriptionId: listed[0].json.id });
			expect(missing.error?.httpCode).toBe('404');
		} finally {
			receiver.closeAllConnections();
			await new Promise<void>((resolve) => receiver.close(() => resolve()));
		}
	});

	test('Register refuses a callback that is not an http(s) URL', async () => {
		const run = await fx.run({ resource: 'webhook', operation: 'register', events: ['document.complete'], callbackUrl: 'ftp://x' });
		expect(run.error?.message).toMatch(/not an http\(s\) URL/);
		expect(fx.sim.state.subscriptions.size).toBe(0);
	});
});

describe('Items, errors and rate limits', () => {
	test('each input item runs on its own; with continue-on-fail an error becomes that item\'s output', async () => {
		const id = await upload();
		const run = await fx.run({ resource: 'document', operation: 'get', documentId: '={{ $json.documentId }}' }, [{ json: { documentId: id } }, { json: { documentId: 'nope' } }, { json: { documentId: id } }], true);
		const items = ok(run);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json.id).toBe(id);
		expect(items[1].json).toMatchObject({ error: 'SignNow answered HTTP 404: Document not found (code 65582)', httpCode: '404' });
		expect(items[2].json.id).toBe(id);
	});

	test('HTTP 429 is retried after Retry-After, then succeeds', async () => {
		const id = await upload();
		await simulatorControl(fx.sim).rateLimit(2, 0);
		const [item] = ok(await fx.run({ resource: 'document', operation: 'get', documentId: id }));
		expect(item.json.id).toBe(id);
		expect(fx.sim.state.faults.rateLimited).toBe(2);
	});

	test('HTTP 429 that does not stop is an error after the retries', async () => {
		const id = await upload();
		await simulatorControl(fx.sim).rateLimit(50, 0);
		const run = await fx.run({ resource: 'document', operation: 'get', documentId: id });
		expect(run.error?.httpCode).toBe('429');
		expect(run.error?.message).toMatch(/rate-limiting the request \(HTTP 429\) after 3 retries: Too Many Requests/);
		expect(fx.sim.state.faults.rateLimited).toBe(4);
	});
});
