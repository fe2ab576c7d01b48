/**
 * The flow a user builds by clicking, as one real workflow: two contracts in → Upload → Add
 * Fields → Send invite, wired with expressions (`$json`, `$('Upload').item`), which only resolve
 * when every node keeps its items paired. Then a second workflow downloads the signed PDFs.
 */
import type { IConnections, INode, INodeParameters, NodeConnectionType } from 'n8n-workflow';

import { SignNow } from '../../nodes/SignNow/SignNow.node';
import { binaryBytes, binaryItem, contractPdf, FIXTURE_NODE_TYPE, fixtureNode, runWorkflow } from '../helpers';
import { simulatorControl } from '../simulators/signnow';
import { setUp, type Fixture } from './signnow-fixture';

let fx: Fixture;

beforeEach(async () => {
	fx = await setUp('passwordGrant');
});

afterEach(async () => {
	await fx.close();
});

const MAIN = 'main' as NodeConnectionType;

function esignNode(name: string, x: number, parameters: INodeParameters): INode {
	return {
		id: name,
		name,
		type: 'signNow',
		typeVersion: 1,
		position: [x, 0],
		parameters: { authentication: 'passwordGrant', ...parameters },
		credentials: { signNowApi: fx.credential },
	};
}

function chain(names: string[]): IConnections {
	const connections: IConnections = {};
	for (let i = 0; i < names.length - 1; i++) connections[names[i]] = { main: [[{ node: names[i + 1], type: MAIN, index: 0 }]] };
	return connections;
}

test('upload → add fields → invite for each contract, then download each signed PDF', async () => {
	const contracts = [
		{ email: 'ada@example.com', pdf: contractPdf('Ada contract', 1) },
		{ email: 'bob@example.com', pdf: contractPdf('Bob contract', 2) },
	];
	const nodes: INode[] = [
		{ id: 'fixture', name: 'Contracts', type: FIXTURE_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} },
		esignNode('Upload', 200, { resource: 'document', operation: 'upload', binaryPropertyName: 'data' }),
		esignNode('Place Signature', 400, {
			resource: 'document',
			operation: 'addFields',
			documentId: '={{ $json.id }}',
			fields: { field: [{ type: 'signature', role: 'Customer', page: 1, x: 72, y: 700, width: 180, height: 36, required: true, label: '' }] },
		}),
		esignNode('Invite', 600, {
			resource: 'invite',
			operation: 'send',
			documentId: "={{ $('Upload').item.json.id }}",
			signers: { signer: [{ email: "={{ $('Contracts').item.json.email }}", role: 'Customer', order: 1 }] },
			options: { subject: '=Your contract, {{ $("Contracts").item.json.email }}' },
		}),
	];
	const run = await runWorkflow({
		nodes,
		connections: chain(['Contracts', 'Upload', 'Place Signature', 'Invite']),
		nodeTypes: {
			signNow: new SignNow(),
			[FIXTURE_NODE_TYPE]: fixtureNode(contracts.map((c) => binaryItem(c.pdf, `${c.email}.pdf`, 'application/pdf', 'data', { email: c.email }))),
		},
		credentialsHelper: fx.credentials,
	});
	expect(run.data.resultData.error).toBeUndefined();
	const invites = run.data.resultData.runData.Invite[0].data!.main[0]!;
	const uploads = run.data.resultData.runData.Upload[0].data!.main[0]!;
	expect(invites.map((item) => item.json.documentId)).toEqual(uploads.map((item) => item.json.id));
	for (const [index, contract] of contracts.entries()) {
		const document = fx.sim.state.documents.get(uploads[index].json.id as string)!;
		expect(document.original.equals(contract.pdf)).toBe(true);
		expect(document.fieldInvites.map((invite) => invite.email)).toEqual([contract.email]);
	}
	// One token for the whole execution.
	expect(fx.sim.state.tokenGrants).toEqual(['password']);

	for (const upload of uploads) await simulatorControl(fx.sim).sign(upload.json.id as string);

	const download = await runWorkflow({
		nodes: [
			{ id: 'fixture', name: 'Completed', type: FIXTURE_NODE_TYPE, typeVersion: 1, position: [0, 0], parameters: {} },
			esignNode('Download', 200, { resource: 'document', operation: 'download', documentId: '={{ $json.documentId }}', binaryPropertyName: 'signed' }),
		],
		connections: chain(['Completed', 'Download']),
		nodeTypes: { signNow: new SignNow(), [FIXTURE_NODE_TYPE]: fixtureNode(uploads.map((u) => ({ json: { documentId: u.json.id } }))) },
		credentialsHelper: fx.credentials,
	});
	expect(download.data.resultData.error).toBeUndefined();
	const files = download.data.resultData.runData.Download[0].data!.main[0]!;
	expect(files).toHaveLength(2);
	for (const [index, file] of files.entries()) {
		const bytes = binaryBytes(file, 'signed');
		expect(bytes.toString('latin1')).toContain(`Signed by ${contracts[index].email}`);
		expect(bytes.equals(contracts[index].pdf)).toBe(false);
		expect(file.pairedItem).toEqual({ item: index });
	}
});
