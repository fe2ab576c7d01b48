import type { OperationDefinition } from '../types';
import * as addFields from './addFields.operation';
import * as remove from './delete.operation';
import * as download from './download.operation';
import * as get from './get.operation';
import * as upload from './upload.operation';

export const documentOperations: OperationDefinition[] = [
	{
		value: 'upload',
		name: 'Upload',
		action: 'Upload a document',
		description: 'Upload a PDF from an input binary field',
		properties: upload.description,
		execute: upload.execute,
	},
	{
		value: 'addFields',
		name: 'Add Fields',
		action: 'Add fields to a document',
		description: 'Place signature, initials, text, date or checkbox fields for signer roles',
		properties: addFields.description,
		execute: addFields.execute,
	},
	{
		value: 'get',
		name: 'Get',
		action: 'Get a document',
		description: 'Get the status, roles and invites of a document',
		properties: get.description,
		execute: get.execute,
	},
	{
		value: 'download',
		name: 'Download',
		action: 'Download a signed document',
		description: 'Download the signed PDF into an output binary field',
		properties: download.description,
		execute: download.execute,
	},
	{
		value: 'delete',
		name: 'Delete',
		action: 'Delete a document',
		description: 'Delete a document',
		properties: remove.description,
		execute: remove.execute,
	},
];
