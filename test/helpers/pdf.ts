/**
 * Minimal, valid PDF files built by hand (no dependency): a catalog, a page tree, one page per
 * entry of `pages` with its lines of text in Helvetica, and a correct cross-reference table, so
 * any PDF reader opens them. Deterministic: the same input gives the same bytes.
 */

function escapePdfText(text: string): string {
	return text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?');
}

export interface PdfOptions {
	title?: string;
	/** Each page is a list of text lines. */
	pages: string[][];
	/** Page size in points (1/72 inch); US Letter (612 × 792) by default, A4 is 595 × 842. */
	size?: { width: number; height: number };
}

export function makePdf({ title = 'Document', pages, size = { width: 612, height: 792 } }: PdfOptions): Buffer {
	if (pages.length === 0) throw new Error('A PDF needs at least one page');
	const objects: string[] = [];
	// 1: catalog, 2: pages, 3: font, 4: info; then page + content pairs.
	const pageIds = pages.map((_, index) => 5 + index * 2);
	objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
	objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
	objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';
	objects[4] = `<< /Title (${escapePdfText(title)}) /Producer (n8n-nodes-esign test) >>`;
	pages.forEach((lines, index) => {
		const pageId = pageIds[index];
		const stream = [
			'BT',
			'/F1 14 Tf',
			`72 ${size.height - 32} Td`,
			'18 TL',
			...lines.map((line) => `(${escapePdfText(line)}) '`),
			'ET',
		].join('\n');
		objects[pageId] =
			`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${size.width} ${size.height}] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
		objects[pageId + 1] = `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`;
	});

	let body = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
	const offsets: number[] = [];
	for (let id = 1; id < objects.length; id++) {
		offsets[id] = Buffer.byteLength(body, 'latin1');
		body += `${id} 0 obj\n${objects[id]}\nendobj\n`;
	}
	const xrefOffset = Buffer.byteLength(body, 'latin1');
	body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
	for (let id = 1; id < objects.length; id++) body += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
	body += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
	return Buffer.from(body, 'latin1');
}

/** A contract as a user would upload it. */
export function contractPdf(name = 'Contract', pageCount = 1): Buffer {
	return makePdf({
		title: name,
		pages: Array.from({ length: pageCount }, (_, index) => [
			`${name} - page ${index + 1} of ${pageCount}`,
			'The parties agree to the terms below.',
			'Signature: ____________________',
		]),
	});
}

/** The signed, flattened version a provider returns: different bytes, one line per signature. */
export function signedPdf(
	name: string,
	pageCount: number,
	signatures: Array<{ email: string; signedAt: string }>,
	history?: Array<{ event: string; email: string; at: string }>,
): Buffer {
	const pages = Array.from({ length: pageCount }, (_, index) => [
		`${name} - page ${index + 1} of ${pageCount}`,
		'The parties agree to the terms below.',
		...signatures.map((s) => `Signed by ${s.email} at ${s.signedAt}`),
	]);
	if (history) pages.push(['Document history', ...history.map((h) => `${h.at} ${h.event} ${h.email}`)]);
	return makePdf({ title: `${name} (signed)`, pages });
}

/** True when `bytes` look like a complete PDF (header, xref, trailer, EOF marker). */
export function looksLikePdf(bytes: Buffer): boolean {
	const text = bytes.toString('latin1');
	return text.startsWith('%PDF-') && text.includes('\nxref\n') && text.includes('trailer') && text.trimEnd().endsWith('%%EOF');
}

/** Number of pages declared in the page tree of a PDF built by `makePdf`. */
export function pdfPageCount(bytes: Buffer): number | undefined {
	const match = /\/Type \/Pages [^>]*\/Count (\d+)/.exec(bytes.toString('latin1'));
	return match ? Number(match[1]) : undefined;
}

/** Each page's size in points, from its MediaBox, in page order (pages of files made by `makePdf`). */
export function pdfPageSizes(bytes: Buffer): Array<{ width: number; height: number }> {
	const sizes: Array<{ width: number; height: number }> = [];
	const page = /\/Type \/Page\b[^>]*?\/MediaBox \[\s*([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s+([\d.-]+)\s*\]/g;
	for (const match of bytes.toString('latin1').matchAll(page)) {
		const [x0, y0, x1, y1] = match.slice(1, 5).map(Number);
		sizes.push({ width: Math.abs(x1 - x0), height: Math.abs(y1 - y0) });
	}
	return sizes;
}
