import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import type { ProviderAdapter } from '../../../providers/adapter';
import { whenFileReady } from '../../transport/file-ready';
import { offeredWhen } from '../capability';
import { documentIdProperty, requireMethod } from '../common';
import type { OperationContext } from '../types';

/** The longest Download waits for a file the provider is still preparing. */
export const MAX_WAIT_FOR_FILE_SECONDS = 900;

/** A separate audit certificate file (`document.auditCertificate`). */
const hasAuditCertificate = (adapter: ProviderAdapter) => typeof adapter.document.auditCertificate === 'function';

const show = { resource: ['document'], operation: ['download'] };

export const description: INodeProperties[] = [
	documentIdProperty('document', ['download']),
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		hint: 'The name of the output binary field to put the signed PDF in',
		displayOptions: { show },
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		displayOptions: { show },
		options: [
			offeredWhen(hasAuditCertificate, {
				displayName: 'Audit Certificate Output Field',
				name: 'auditCertificatePropertyName',
				type: 'string',
				default: 'auditCertificate',
				description: 'The name of the output binary field to put the audit certificate in',
				displayOptions: { show: { includeAuditCertificate: [true] } },
			}),
			{
				displayName: 'Download Anyway',
				name: 'downloadAnyway',
				type: 'boolean',
				default: false,
				description: 'Whether to download the document even if not everyone has signed it yet',
			},
			{
				displayName: 'File Name',
				name: 'fileName',
				type: 'string',
				default: '',
				placeholder: 'signed-contract.pdf',
				description: "Name of the output file. Defaults to the document's name.",
			},
			offeredWhen(hasAuditCertificate, {
				displayName: 'Include Audit Certificate',
				name: 'includeAuditCertificate',
				type: 'boolean',
				default: false,
				description: "Whether to also download the provider's audit certificate (signing history) as a file of its own",
			}),
			{
				displayName: 'Include Audit Trail',
				name: 'withHistory',
				type: 'boolean',
				default: false,
				description: "Whether to append the provider's signing history to the PDF",
			},
			{
				displayName: 'Wait for File (Seconds)',
				name: 'waitForFileSeconds',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: MAX_WAIT_FOR_FILE_SECONDS },
				default: 120,
				description:
					'How long to keep asking, with growing pauses, when the provider says the signed file is still being prepared (0 = ask once)',
			},
		],
	},
];

interface DownloadOptions {
	auditCertificatePropertyName?: string;
	downloadAnyway?: boolean;
	fileName?: string;
	includeAuditCertificate?: boolean;
	waitForFileSeconds?: number;
	withHistory?: boolean;
}

function waitBudgetMs(context: IExecuteFunctions, seconds: unknown, itemIndex: number): number {
	const value = seconds === undefined ? 120 : Number(seconds);
	if (!Number.isFinite(value) || value < 0 || value > MAX_WAIT_FOR_FILE_SECONDS) {
		throw new NodeOperationError(
			context.getNode(),
			`"Wait for File (Seconds)" must be from 0 to ${MAX_WAIT_FOR_FILE_SECONDS}`,
			{ itemIndex },
		);
	}
	return value * 1000;
}

export async function execute(
	this: IExecuteFunctions,
	itemIndex: number,
	{ adapter, client }: OperationContext,
): Promise<INodeExecutionData[]> {
	const download = requireMethod(this, adapter, adapter.document.download, 'Document → Download', itemIndex);
	const documentId = String(this.getNodeParameter('documentId', itemIndex)).trim();
	const property = String(this.getNodeParameter('binaryPropertyName', itemIndex)).trim();
	const options = this.getNodeParameter('options', itemIndex, {}) as DownloadOptions;
	const maxWaitMs = waitBudgetMs(this, options.waitForFileSeconds, itemIndex);
	const certificateProperty = String(options.auditCertificatePropertyName ?? '').trim() || 'auditCertificate';
	const auditCertificate = options.includeAuditCertificate === true ? adapter.document.auditCertificate : undefined;
	if (options.includeAuditCertificate === true) {
		if (!auditCertificate) {
			throw new NodeOperationError(this.getNode(), `${adapter.displayName} has no separate audit certificate to download`, {
				itemIndex,
				description: adapter.document.download
					? 'Turn off "Include Audit Certificate"; "Include Audit Trail" appends the signing history to the PDF where the provider offers it.'
					: 'Turn off "Include Audit Certificate".',
			});
		}
		if (certificateProperty === property) {
			throw new NodeOperationError(this.getNode(), `The audit certificate and the PDF cannot both go in the field "${property}"`, {
				itemIndex,
				description: 'Choose another "Audit Certificate Output Field".',
			});
		}
	}
	let status: string | undefined;
	if (adapter.document.get) {
		status = (await adapter.document.get(client, documentId)).status;
		if (status !== 'completed' && options.downloadAnyway !== true) {
			throw new NodeOperationError(this.getNode(), `Document ${documentId} is not signed yet (status: ${status})`, {
				itemIndex,
				description:
					'Wait until every signer has signed (e.g. start this step from the provider’s trigger on "Document Completed"), or turn on "Download Anyway" to get the current version.',
			});
		}
	}
	const ready = async <T>(fetch: () => Promise<T>): Promise<T> =>
		await whenFileReady(fetch, { maxWaitMs }, (error) =>
			new NodeOperationError(this.getNode(), error.message, {
				itemIndex,
				description:
					'The provider is still preparing the signed file. Raise "Wait for File (Seconds)" (up to 900), or run the download again later.',
			}),
		);
	const file = await ready(() => download(client, { documentId, withHistory: options.withHistory === true }));
	const fileName = options.fileName?.trim() || file.fileName;
	const binary: INodeExecutionData['binary'] = {
		[property]: await this.helpers.prepareBinaryData(file.data, fileName, file.mimeType),
	};
	const json: INodeExecutionData['json'] = {
		provider: adapter.provider,
		id: documentId,
		status,
		fileName,
		mimeType: file.mimeType,
		fileSize: file.data.length,
		withHistory: options.withHistory === true,
	};
	if (auditCertificate) {
		const certificate = await ready(() => auditCertificate(client, documentId));
		binary[certificateProperty] = await this.helpers.prepareBinaryData(
			certificate.data,
			certificate.fileName,
			certificate.mimeType,
		);
		json.auditCertificate = { field: certificateProperty, fileName: certificate.fileName, fileSize: certificate.data.length };
	}
	return [{ json, binary }];
}
