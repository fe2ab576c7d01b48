/**
 * Where a field may go: inside its page. Coordinates are PDF points (1/72 inch) from the page's
 * top-left corner and pages are counted from 1, for every provider (the adapters convert). An
 * adapter that knows the document's page sizes (the provider returns them, or it converts
 * against a fixed page) checks the fields before calling the provider, so a field off the page
 * is refused with the page's size rather than placed where nobody sees it.
 */
import { ProviderInputError, type FieldInput } from './adapter';

export interface PageSize {
	/** Points (1/72 inch). */
	width: number;
	height: number;
}

export const US_LETTER: PageSize = { width: 612, height: 792 };

const NAMED_SIZES: Array<{ name: string; size: PageSize; inPeople: string }> = [
	{ name: 'US Letter', size: US_LETTER, inPeople: '8.5 × 11 in' },
	{ name: 'A4', size: { width: 595, height: 842 }, inPeople: '210 × 297 mm' },
	{ name: 'US Legal', size: { width: 612, height: 1008 }, inPeople: '8.5 × 14 in' },
	{ name: 'A3', size: { width: 842, height: 1191 }, inPeople: '297 × 420 mm' },
	{ name: 'A5', size: { width: 420, height: 595 }, inPeople: '148 × 210 mm' },
];

const round = (value: number) => Math.round(value * 10) / 10;

/** "612 × 792 pt (US Letter, 8.5 × 11 in)", "842 × 595 pt (A4 landscape, 297 × 210 mm)". */
export function describePageSize(size: PageSize): string {
	const points = `${round(size.width)} × ${round(size.height)} pt`;
	const near = (a: number, b: number) => Math.abs(a - b) <= 1.5;
	for (const named of NAMED_SIZES) {
		if (near(size.width, named.size.width) && near(size.height, named.size.height)) {
			return `${points} (${named.name}, ${named.inPeople})`;
		}
		if (near(size.width, named.size.height) && near(size.height, named.size.width)) {
			const [a, b] = named.inPeople.split(' × ');
			const unit = b.split(' ')[1];
			return `${points} (${named.name} landscape, ${b.split(' ')[0]} × ${a} ${unit})`;
		}
	}
	return `${points} (${round(size.width / 72)} × ${round(size.height / 72)} in)`;
}

/**
 * Throws a `ProviderInputError` for the first field that does not lie within its page.
 * `pageSize` answers undefined for a page whose size is unknown (that field is not checked);
 * `assumed` says, in the message, that the size is the provider's fixed page, not the PDF's.
 */
export function assertFieldsOnPages(
	fields: readonly FieldInput[],
	pageSize: (page: number) => PageSize | undefined,
	assumed?: string,
): void {
	fields.forEach((field, index) => {
		const size = pageSize(field.page);
		if (!size) return;
		const right = field.x + field.width;
		const bottom = field.y + field.height;
		const overflows: string[] = [];
		if (right > size.width + 0.5) overflows.push(`its right edge (x + width = ${round(right)}) is past the page width ${round(size.width)}`);
		if (bottom > size.height + 0.5) overflows.push(`its bottom edge (y + height = ${round(bottom)}) is past the page height ${round(size.height)}`);
		if (overflows.length === 0) return;
		throw new ProviderInputError(
			`Field ${index + 1} (${field.type}, page ${field.page}) does not fit on the page: ${overflows.join(' and ')}. Page ${field.page} is ${describePageSize(size)}${assumed ? `, ${assumed}` : ''}.`,
			'Coordinates are PDF points (72 points = 1 inch) from the top-left corner of the page; pages are counted from 1. ' +
				'Keep x + width within the page width and y + height within the page height. How to find coordinates: docs/field-placement.md.',
		);
	});
}
