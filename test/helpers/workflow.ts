/**
 * Runs real workflows in-process with n8n's own engine (`n8n-core`'s `WorkflowExecute` and
 * `n8n-workflow`'s `Workflow`): parameters are resolved, credentials fetched and applied,
 * binary data stored and paired items tracked exactly as n8n does — without an n8n process.
 *
 *   const run = await runNode({ node: { type: 'esign', parameters }, nodeTypes, credentials, input });
 *   run.items     // the node's first output
 *   run.error     // the execution error, if the node failed (and did not continue on fail)
 */
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	Workflow,
	type IBinaryData,
	type IConnections,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeCredentials,
	type INodeExecutionData,
	type INodeParameters,
	type INodeType,
	type INodeTypeDescription,
	type INodeTypes,
	type IRun,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
	type NodeConnectionType,
} from 'n8n-workflow';

import type { TestCredentialsHelper } from './credentials';

const MAIN = 'main' as NodeConnectionType;

/** Start node that emits the items the test gives it (JSON and binary), like a Manual Trigger with pinned data. */
export const FIXTURE_NODE_TYPE = 'test.fixtureItems';

export function fixtureNode(items: INodeExecutionData[]): INodeType {
	const description: INodeTypeDescription = {
		displayName: 'Fixture Items',
		name: FIXTURE_NODE_TYPE,
		group: ['input'],
		version: 1,
		description: 'Emits the test fixture items',
		defaults: { name: 'Fixture' },
		inputs: [],
		outputs: [MAIN],
		properties: [],
	};
	return {
		description,
		async execute(this: IExecuteFunctions) {
			return [items.map((item) => ({ json: item.json, binary: item.binary }))];
		},
	};
}

export function nodeTypesFrom(types: Record<string, INodeType>): INodeTypes {
	return {
		getByName: (name) => {
			const found = types[name];
			if (!found) throw new Error(`Unknown node type "${name}"`);
			return found;
		},
		getByNameAndVersion: (name) => {
			const found = types[name];
			if (!found) throw new Error(`Unknown node type "${name}"`);
			return found;
		},
		getKnownTypes: () => Object.fromEntries(Object.keys(types).map((name) => [name, {}])) as IDataObject,
	};
}

export interface RunWorkflowOptions {
	nodes: INode[];
	connections: IConnections;
	nodeTypes: Record<string, INodeType>;
	credentialsHelper: TestCredentialsHelper;
	startNode?: string;
}

/**
 * What n8n hands the engine besides the workflow: hooks, the credentials helper and the
 * instance URLs (webhooks under http://localhost:5678/webhook). Shared by workflow runs and
 * the trigger tests' activation hooks.
 */
export function testAdditionalData(
	credentialsHelper: TestCredentialsHelper,
	workflowData: IWorkflowBase,
): IWorkflowExecuteAdditionalData {
	const executionId = `test-${Math.random().toString(36).slice(2)}`;
	const hooks = new ExecutionLifecycleHooks('manual', executionId, workflowData);
	return {
		hooks,
		credentialsHelper,
		executionId,
		restApiUrl: 'http://localhost:5678/rest',
		instanceBaseUrl: 'http://localhost:5678/',
		formBaseUrl: 'http://localhost:5678/form',
		formWaitingBaseUrl: 'http://localhost:5678/form-waiting',
		formTestBaseUrl: 'http://localhost:5678/form-test',
		webhookBaseUrl: 'http://localhost:5678/webhook',
		webhookWaitingBaseUrl: 'http://localhost:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://localhost:5678/webhook-test',
		mcpBaseUrl: 'http://localhost:5678/mcp',
		mcpTestBaseUrl: 'http://localhost:5678/mcp-test',
		variables: {},
		userId: 'test-user',
		currentNodeExecutionIndex: 0,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not available in the test harness');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => undefined,
		startRunnerTask: async () => {
			throw new Error('Code runners are not available in the test harness');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

export async function runWorkflow(options: RunWorkflowOptions): Promise<IRun> {
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'test',
		nodes: options.nodes,
		connections: options.connections,
		active: false,
		nodeTypes: nodeTypesFrom(options.nodeTypes),
		settings: {},
	});
	const workflowData: IWorkflowBase = {
		id: 'test-workflow',
		name: 'test',
		active: false,
		isArchived: false,
		nodes: options.nodes,
		connections: options.connections,
		createdAt: new Date(),
		updatedAt: new Date(),
		settings: {},
		activeVersionId: null,
	} as unknown as IWorkflowBase;
	const additionalData = testAdditionalData(options.credentialsHelper, workflowData);
	const startNode = workflow.getNode(options.startNode ?? options.nodes[0].name) ?? undefined;
	return await new WorkflowExecute(additionalData, 'manual').run({ workflow, startNode });
}

export interface RunNodeOptions {
	/** The node under test: type name (a key of `nodeTypes`), parameters, credentials, settings. */
	node: {
		type: string;
		parameters: INodeParameters;
		credentials?: INodeCredentials;
		typeVersion?: number;
		name?: string;
		continueOnFail?: boolean;
	};
	nodeTypes: Record<string, INodeType>;
	credentialsHelper: TestCredentialsHelper;
	/** Items fed into the node; default one empty item. */
	input?: INodeExecutionData[];
}

export interface NodeRun {
	/** The node's first output (empty when it failed). */
	items: INodeExecutionData[];
	/** Every output of the node. */
	outputs: INodeExecutionData[][];
	/** The execution error, when the workflow stopped on the node's error. */
	error?: Error & { httpCode?: string | null; description?: string | null; context?: IDataObject };
	run: IRun;
}

/** Fixture → node under test, run as a manual execution. */
export async function runNode(options: RunNodeOptions): Promise<NodeRun> {
	const name = options.node.name ?? 'Node Under Test';
	const nodes: INode[] = [
		{
			id: 'fixture',
			name: 'Fixture',
			type: FIXTURE_NODE_TYPE,
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
		{
			id: 'under-test',
			name,
			type: options.node.type,
			typeVersion: options.node.typeVersion ?? 1,
			position: [200, 0],
			parameters: options.node.parameters,
			credentials: options.node.credentials,
			onError: options.node.continueOnFail ? 'continueRegularOutput' : undefined,
		},
	];
	const connections: IConnections = {
		Fixture: { main: [[{ node: name, type: MAIN, index: 0 }]] },
	};
	const run = await runWorkflow({
		nodes,
		connections,
		nodeTypes: { ...options.nodeTypes, [FIXTURE_NODE_TYPE]: fixtureNode(options.input ?? [{ json: {} }]) },
		credentialsHelper: options.credentialsHelper,
	});
	const nodeRuns = run.data.resultData.runData[name];
	const outputs = (nodeRuns?.[0]?.data?.main ?? []).map((output) => output ?? []);
	return {
		items: outputs[0] ?? [],
		outputs,
		error: run.data.resultData.error as NodeRun['error'],
		run,
	};
}

/** An input item carrying a file in `binary[property]`, as a Read File or HTTP node would produce. */
export function binaryItem(
	data: Buffer,
	fileName: string,
	mimeType = 'application/pdf',
	property = 'data',
	json: IDataObject = {},
): INodeExecutionData {
	const binary: IBinaryData = {
		data: data.toString('base64'),
		mimeType,
		fileName,
		fileSize: String(data.length),
	};
	return { json, binary: { [property]: binary } };
}

/** The bytes of an output item's binary property (in-memory binary mode stores base64). */
export function binaryBytes(item: INodeExecutionData, property = 'data'): Buffer {
	const binary = item.binary?.[property];
	if (!binary) throw new Error(`The item has no binary property "${property}"`);
	if (binary.id) throw new Error('Binary data was stored externally; the harness expects in-memory mode');
	return Buffer.from(binary.data, 'base64');
}
