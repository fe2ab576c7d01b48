/**
 * Runs a credential type's `test` request the way n8n's "Test credential" button does: through
 * a temporary `n8n-nodes-base.noOp` node with `temp: ''` (which makes `preAuthentication` fetch
 * a fresh token every time), the credential's own `authenticate`, and the test's URL resolved
 * against the credential's values.
 */
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	INodeType,
	INodeTypeDescription,
	NodeConnectionType,
} from 'n8n-workflow';

import type { TestCredentialsHelper } from './credentials';
import { runWorkflow } from './workflow';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
	httpCode?: string;
}

export async function testCredential(
	credentialsHelper: TestCredentialsHelper,
	credentialType: string,
	data: ICredentialDataDecryptedObject,
): Promise<CredentialTestResult> {
	const type = credentialsHelper.getType(credentialType);
	const test = type.test;
	if (!test || !('request' in test)) throw new Error(`${credentialType} has no test request`);
	const details = credentialsHelper.add(credentialType, data, `${credentialType} under test`);
	const description: INodeTypeDescription = {
		displayName: 'No Operation',
		name: 'n8n-nodes-base.noOp',
		group: ['organization'],
		version: 1,
		description: 'Temporary node of a credential test',
		defaults: { name: 'Temp-Node' },
		inputs: [],
		outputs: ['main' as NodeConnectionType],
		properties: [],
		credentials: [{ name: credentialType, required: true }],
	};
	const tester: INodeType = {
		description,
		async execute(this: IExecuteFunctions) {
			const credentials = await this.getCredentials(credentialType);
			const request = test.request;
			const baseURL = request.baseURL ? credentialsHelper.resolve(request.baseURL, credentials) : '';
			const url = credentialsHelper.resolve(request.url ?? '', credentials);
			const answer = await this.helpers.httpRequestWithAuthentication.call(this, credentialType, {
				method: (request.method ?? 'GET') as IHttpRequestMethods,
				url: `${baseURL}${url}`,
				json: true,
			});
			return [[{ json: { answer } }]];
		},
	};
	const run = await runWorkflow({
		nodes: [
			{
				id: 'temp',
				name: 'Temp-Node',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [0, 0],
				parameters: { temp: '' },
				credentials: { [credentialType]: details },
			},
		],
		connections: {},
		nodeTypes: { 'n8n-nodes-base.noOp': tester },
		credentialsHelper,
	});
	const error = run.data.resultData.error as (Error & { httpCode?: string }) | undefined;
	if (error) return { status: 'Error', message: error.message, httpCode: error.httpCode ?? undefined };
	return { status: 'OK', message: 'Connection tested successfully' };
}
