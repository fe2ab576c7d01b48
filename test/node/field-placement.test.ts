/**
 * Field placement a person can get right: a field that does not fit on its page is refused
 * before anything changes at the provider, with the page's size named (SignNow reports each
 * page's size; Documenso positions against US Letter). Runs the provider nodes through n8n's
 * engine against the simulators.
 */
import { DocumensoApi } from '../../credentials/DocumensoApi.credentials';
import { Documenso } from '../../nodes/Documenso/Documenso.node';
import { describePageSize } from '../../nodes/providers/field-placement';
import { binaryItem, contractPdf, makePdf, runNode, TestCredentialsHelper } from '../helpers';
import { startDocumensoSimulator } from '../simulators/documenso/simulator';
import { ok, setUp, type Fixture } from './signnow-fixture';

const A4 = { width: 595, height: 842 };

test('page sizes are named the way people know them', () => {
	expect(describePageSize({ width: 612, height: 792 })).toBe('612 × 792 pt (US Letter, 8.5 × 11 in)');
	expect(describePageSize(A4)).toBe('595 × 842 pt (A4, 210 × 297 mm)');
	expect(describePageSize({ width: 841.89, height: 595.28 })).toBe('841.9 × 595.3 pt (A4 landscape, 297 × 210 mm)');
	expect(describePageSize({ width: 360, height: 504 })).toBe('360 × 504 pt (5 × 7 in)');
});

describe('SignNow node → Add Fields', () => {
	let fx: Fixture;

	beforeEach(async () => {
		fx = await setUp('apiKey');
	});

	afterEach(async () => {
		await fx.close();
	});

	async function upload(pdf: Buffer): Promise<string> {
		const [item] = ok(await fx.run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(pdf, 'doc.pdf')]));
		return item.json.id as string;
	}

	const field = (page: number, x: number, y: number, width = 180, height = 36) => ({ type: 'signature', role: 'Client', page, x, y, width, height, required: true, label: '' });

	test('a field below the bottom of a US Letter page is refused, naming the page size', async () => {
		const id = await upload(contractPdf('Letter', 2));
		const run = await fx.run({ resource: 'document', operation: 'addFields', documentId: id, fields: { field: [field(1, 72, 700), field(2, 72, 780)] } });
		expect(run.error?.message).toBe(
			'Field 2 (signature, page 2) does not fit on the page: its bottom edge (y + height = 816) is past the page height 792. Page 2 is 612 × 792 pt (US Letter, 8.5 × 11 in).',
		);
		expect(run.error?.description).toContain('72 points = 1 inch');
		expect(run.error?.description).toContain('top-left corner');
		// Nothing was placed: the first, valid field was not sent alone.
		expect(fx.sim.state.documents.get(id)!.fields).toEqual([]);
	});

	test('the same position fits on an A4 page, and a field past its right edge names A4', async () => {
		const id = await upload(makePdf({ title: 'A4', pages: [['A4 contract']], size: A4 }));
		ok(await fx.run({ resource: 'document', operation: 'addFields', documentId: id, fields: { field: [field(1, 72, 780)] } }));
		expect(fx.sim.state.documents.get(id)!.fields).toHaveLength(1);
		const run = await fx.run({ resource: 'document', operation: 'addFields', documentId: id, fields: { field: [field(1, 500, 100)] } });
		expect(run.error?.message).toBe(
			'Field 1 (signature, page 1) does not fit on the page: its right edge (x + width = 680) is past the page width 595. Page 1 is 595 × 842 pt (A4, 210 × 297 mm).',
		);
		expect(fx.sim.state.documents.get(id)!.fields).toHaveLength(1);
	});
});

test('Documenso node → Add Fields refuses a field outside the US Letter page it positions against', async () => {
	const token = 'api_fieldPlacement1';
	const simulator = await startDocumensoSimulator({ apiToken: token });
	try {
		const credentials = new TestCredentialsHelper([new DocumensoApi()]);
		const credential = credentials.add('documensoApi', { apiToken: token, baseUrl: simulator.apiBaseUrl });
		const run = async (parameters: Record<string, unknown>, input = [{ json: {} }]) =>
			await runNode({
				node: { type: 'documenso', parameters: parameters as never, credentials: { documensoApi: credential } },
				nodeTypes: { documenso: new Documenso() },
				credentialsHelper: credentials,
				input,
			});
		const uploaded = await run({ resource: 'document', operation: 'upload', binaryPropertyName: 'data' }, [binaryItem(contractPdf('Lease'), 'lease.pdf')]);
		expect(uploaded.error).toBeUndefined();
		const placed = await run({
			resource: 'document',
			operation: 'addFields',
			documentId: uploaded.items[0].json.id,
			fields: { field: [{ type: 'signature', role: 'ada@example.com', page: 1, x: 500, y: 100, width: 150, height: 40, required: true }] },
		});
		expect(placed.error?.message).toBe(
			'Field 1 (signature, page 1) does not fit on the page: its right edge (x + width = 650) is past the page width 612. Page 1 is 612 × 792 pt (US Letter, 8.5 × 11 in), the page Documenso positions are converted against.',
		);
	} finally {
		await simulator.close();
	}
});
