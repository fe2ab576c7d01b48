/**
 * Workflows built on the provider-agnostic E-Signature node (`n8n-nodes-esign.eSign`, before the
 * one-node-per-provider split) still load and run: the node is hidden from the panel, not gone.
 * The parameters are those such a workflow holds (Provider + Authentication + Resource + Operation).
 */
import { ESign } from '../../nodes/ESign/ESign.node';
import { binaryItem, contractPdf, runNode } from '../helpers';
import { setUp, type Fixture } from './signnow-fixture';

let fx: Fixture;

beforeEach(async () => {
	fx = await setUp('apiKey');
});

afterEach(async () => {
	await fx.close();
});

async function runLegacy(parameters: Record<string, unknown>, input = [binaryItem(contractPdf('Legacy', 2), 'legacy.pdf')]) {
	return await runNode({
		node: {
			type: 'eSign',
			parameters: { provider: 'signnow', authentication: 'apiKey', ...parameters } as never,
			credentials: { signNowApiKeyApi: fx.credential },
		},
		nodeTypes: { eSign: new ESign() },
		credentialsHelper: fx.credentials,
		input,
	});
}

test('an eSign node of an old workflow uploads, places fields and invites against SignNow', async () => {
	const uploaded = await runLegacy({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' });
	expect(uploaded.error).toBeUndefined();
	const id = uploaded.items[0].json.id as string;
	expect(fx.sim.state.documents.get(id)?.pageCount).toBe(2);

	const placed = await runLegacy({
		resource: 'document',
		operation: 'addFields',
		documentId: id,
		fields: { field: [{ type: 'signature', role: 'Client', page: 2, x: 72, y: 650, width: 180, height: 36, required: true, label: '' }] },
	});
	expect(placed.error).toBeUndefined();
	expect(placed.items[0].json).toMatchObject({ provider: 'signnow', id, fieldsAdded: 1 });

	const invited = await runLegacy({
		resource: 'invite',
		operation: 'send',
		documentId: id,
		signers: { signer: [{ email: 'legacy@example.com', role: 'Client', order: 1 }] },
	});
	expect(invited.error).toBeUndefined();
	expect(fx.sim.state.documents.get(id)!.fieldInvites.map((invite) => invite.email)).toEqual(['legacy@example.com']);
});

test('the legacy node still reads its Provider field: an unknown provider is a clear error', async () => {
	const run = await runLegacy({ provider: 'nosuchsign', resource: 'document', operation: 'get', documentId: 'x' });
	expect(run.error?.message).toBe('Unknown e-signature provider "nosuchsign"');
});
