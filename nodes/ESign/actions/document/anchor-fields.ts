/**
 * Anchor-text placement for the Fields collections (Document → Add Fields, Signature Request →
 * Send): a field goes next to a text in the PDF instead of at coordinates. Shown only where the
 * adapter declares `fieldPlacement.anchorText` (see capability.ts).
 */
import type { INodeProperties } from 'n8n-workflow';

import type { ProviderAdapter } from '../../../providers/adapter';
import { providerAdapters } from '../../../providers/adapters';
import { offeredWhen } from '../capability';

const acceptsAnchors = (adapter: ProviderAdapter) => adapter.fieldPlacement?.anchorText === true;

/** Providers of the registry whose adapters accept `FieldInput.anchor`. */
export const anchorTextProviders: string[] = providerAdapters.filter(acceptsAnchors).map((adapter) => adapter.provider);

/** The values to add to a Fields collection entry; page/x/y get `hideWhenAnchored`. */
export const anchorFieldValues: INodeProperties[] = ([
	{
		displayName: 'Placement',
		name: 'placement',
		type: 'options',
		options: [
			{ name: 'Coordinates', value: 'coordinates', description: 'At a page, X and Y' },
			{ name: 'Next to a Text in the PDF', value: 'anchorText', description: 'Where a text (anchor) appears in the PDF' },
		],
		default: 'coordinates',
	},
	{
		displayName: 'Anchor Text',
		name: 'anchorText',
		type: 'string',
		default: '',
		placeholder: 'e.g. Signature:',
		description: 'The text in the PDF to put the field next to (every occurrence, at some providers)',
		displayOptions: { show: { placement: ['anchorText'] } },
	},
	{
		displayName: 'Anchor Offset X',
		name: 'anchorOffsetX',
		type: 'number',
		default: 0,
		description: "Points to move the field right of the text's position (negative: left)",
		displayOptions: { show: { placement: ['anchorText'] } },
	},
	{
		displayName: 'Anchor Offset Y',
		name: 'anchorOffsetY',
		type: 'number',
		default: 0,
		description: "Points to move the field down from the text's position (negative: up)",
		displayOptions: { show: { placement: ['anchorText'] } },
	},
] as INodeProperties[]).map((value) => offeredWhen(acceptsAnchors, value));

/** Page, X and Y mean nothing for a field placed at a text. */
export const hideWhenAnchored = { hide: { placement: ['anchorText'] } };

/**
 * A Fields collection's values with the anchor values added (alphabetical, as lint wants) and
 * page/x/y hidden for anchored fields.
 */
export function withAnchorValues(values: INodeProperties[]): INodeProperties[] {
	const placed = values.map((value) =>
		['page', 'x', 'y'].includes(value.name) ? { ...value, displayOptions: hideWhenAnchored } : value,
	);
	return [...placed, ...anchorFieldValues].sort((a, b) => a.displayName.localeCompare(b.displayName));
}
