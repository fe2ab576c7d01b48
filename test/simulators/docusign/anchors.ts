/**
 * Where an anchor string occurs in a PDF, for the DocuSign simulator's anchor tabs. DocuSign
 * searches a document's text and puts the tab at every occurrence; the simulator reads the text
 * operators of each page's content stream (inflating FlateDecode streams), which is exact for
 * the PDFs the tests make (one content stream per page, in page order, Helvetica string literals)
 * and ignores text that is only drawn as images or in hex strings.
 */
import { inflateSync } from 'node:zlib';

/** The text of each content stream, in order: stream n is taken to be page n + 1. */
export function pageTexts(pdf: Buffer): string[] {
	const source = pdf.toString('latin1');
	const texts: string[] = [];
	const stream = /<<([^]*?)>>\s*stream\r?\n([^]*?)\r?\nendstream/g;
	for (let match = stream.exec(source); match; match = stream.exec(source)) {
		const [, dictionary, raw] = match;
		let content = raw;
		if (/\/FlateDecode/.test(dictionary)) {
			try {
				content = inflateSync(Buffer.from(raw, 'latin1')).toString('latin1');
			} catch {
				continue;
			}
		}
		if (!/\bBT\b/.test(content)) continue;
		texts.push(stringLiterals(content).join('\n'));
	}
	return texts;
}

/** The (…) string literals of a content stream, unescaped. */
function stringLiterals(content: string): string[] {
	const literals: string[] = [];
	const literal = /\(((?:\\.|[^\\)])*)\)/g;
	for (let match = literal.exec(content); match; match = literal.exec(content)) {
		literals.push(match[1].replace(/\\([\\()])/g, '$1'));
	}
	return literals;
}

/** 1-based page numbers, one entry per occurrence of `anchor` (DocuSign matches case-insensitively by default). */
export function anchorOccurrences(pdf: Buffer, anchor: string, caseSensitive = false): number[] {
	const wanted = caseSensitive ? anchor : anchor.toLowerCase();
	const pages: number[] = [];
	pageTexts(pdf).forEach((text, index) => {
		const haystack = caseSensitive ? text : text.toLowerCase();
		for (let at = haystack.indexOf(wanted); at !== -1; at = haystack.indexOf(wanted, at + wanted.length)) pages.push(index + 1);
	});
	return pages;
}
