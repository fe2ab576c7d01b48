/**
 * The package's provider nodes (one action node per adapter), as tests look them up: by the
 * adapter's provider type, with the node and trigger type names the UI contract fixes.
 */
import type { INodeType } from 'n8n-workflow';

import { DocuSeal } from '../../nodes/DocuSeal/DocuSeal.node';
import { DocuSign } from '../../nodes/DocuSign/DocuSign.node';
import { Documenso } from '../../nodes/Documenso/Documenso.node';
import { DropboxSign } from '../../nodes/DropboxSign/DropboxSign.node';
import { SignNow } from '../../nodes/SignNow/SignNow.node';
import { SignOs } from '../../nodes/SignOs/SignOs.node';

export interface ProviderNodeCase {
	provider: string;
	displayName: string;
	name: string;
	/** Folder and class name under nodes/. */
	className: string;
	node: INodeType;
}

export const providerNodes: ProviderNodeCase[] = [
	{ provider: 'signnow', displayName: 'SignNow', name: 'signNow', className: 'SignNow', node: new SignNow() },
	{ provider: 'docusign', displayName: 'DocuSign', name: 'docuSign', className: 'DocuSign', node: new DocuSign() },
	{ provider: 'dropbox-sign', displayName: 'Dropbox Sign', name: 'dropboxSign', className: 'DropboxSign', node: new DropboxSign() },
	{ provider: 'documenso', displayName: 'Documenso', name: 'documenso', className: 'Documenso', node: new Documenso() },
	{ provider: 'docuseal', displayName: 'DocuSeal', name: 'docuSeal', className: 'DocuSeal', node: new DocuSeal() },
	{ provider: 'signos', displayName: 'SignOS', name: 'signOs', className: 'SignOs', node: new SignOs() },
];

export function providerNode(provider: string): ProviderNodeCase {
	const found = providerNodes.find((candidate) => candidate.provider === provider);
	if (!found) throw new Error(`No provider node for "${provider}"`);
	return found;
}
