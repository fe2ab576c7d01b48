/**
 * A trigger node's activation hooks (`webhookMethods.default.checkExists/create/delete`) called
 * the way n8n calls them when a workflow is activated or deactivated: through n8n-core's own
 * `HookContext`, on a real `Workflow` (parameters resolved with their defaults, credentials
 * fetched through the credentials helper, static data kept per node).
 */
import { HookContext } from 'n8n-core';
import {
	Workflow,
	type IDataObject,
	type INode,
	type INodeCredentials,
	type INodeParameters,
	type INodeType,
	type IWebhookData,
	type IWorkflowBase,
} from 'n8n-workflow';

import type { TestCredentialsHelper } from './credentials';
import { nodeTypesFrom, testAdditionalData } from './workflow';

export type HookName = 'checkExists' | 'create' | 'delete';

export interface TriggerHooks {
	/** Runs one hook, as n8n does on activation (checkExists, then create) or deactivation (delete). */
	call(hook: HookName): Promise<boolean>;
	/** n8n's activation: checkExists, and create when it answered false. */
	activate(): Promise<void>;
	/** The node's static data (`getWorkflowStaticData('node')`), where the trigger keeps its state. */
	staticData(): IDataObject;
	/** The webhook URL n8n gives the trigger. */
	webhookUrl: string;
}

export interface TriggerHooksOptions {
	type: string;
	nodeType: INodeType;
	parameters: INodeParameters;
	credentials?: INodeCredentials;
	credentialsHelper: TestCredentialsHelper;
}

export function triggerHooks(options: TriggerHooksOptions): TriggerHooks {
	const webhookId = `wh-${Math.random().toString(36).slice(2)}`;
	const node: INode = {
		id: 'trigger',
		name: 'Trigger',
		type: options.type,
		typeVersion: 1,
		position: [0, 0],
		parameters: options.parameters,
		credentials: options.credentials,
		webhookId,
	};
	const workflow = new Workflow({
		id: 'trigger-workflow',
		name: 'trigger test',
		nodes: [node],
		connections: {},
		active: true,
		nodeTypes: nodeTypesFrom({ [options.type]: options.nodeType }),
		settings: {},
		staticData: {},
	});
	const workflowData = { id: workflow.id, name: workflow.name, nodes: [node], connections: {}, settings: {} } as unknown as IWorkflowBase;
	const additionalData = testAdditionalData(options.credentialsHelper, workflowData);
	const description = options.nodeType.description.webhooks?.[0];
	if (!description) throw new Error(`${options.type} declares no webhook`);
	const webhookData = {
		httpMethod: description.httpMethod,
		node: node.name,
		path: `${webhookId}/${String(description.path)}`,
		webhookDescription: description,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId,
	} as unknown as IWebhookData;
	const context = () => new HookContext(workflow, workflow.getNode(node.name)!, additionalData, 'trigger', 'activate', webhookData);
	const methods = options.nodeType.webhookMethods?.default;
	if (!methods) throw new Error(`${options.type} has no webhookMethods.default`);
	const call = async (hook: HookName) => (await methods[hook]!.call(context())) as boolean;
	return {
		call,
		async activate() {
			if (!(await call('checkExists'))) await call('create');
		},
		staticData: () => workflow.getStaticData('node', workflow.getNode(node.name)!),
		webhookUrl: context().getNodeWebhookUrl('default')!,
	};
}
