/**
 * The host's side of credentials, as n8n's CLI implements it (`CredentialsHelper`), minus the
 * database and encryption: credentials live decrypted in an in-memory store. What matters for
 * tests is kept faithful: the credential class's own defaults, `$self` expressions,
 * `authenticate` (generic or function) and `preAuthentication` with the hidden expirable field
 * (run when the field is empty, when a request answered 401, or when testing the credential).
 */
import {
	NodeHelpers,
	Workflow,
	ICredentialsHelper,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypes,
	type IRequestOptionsSimplified,
	type IWorkflowExecuteAdditionalData,
	type WorkflowExecuteMode,
} from 'n8n-workflow';

export interface StoredCredential {
	id: string;
	name: string;
	type: string;
	data: ICredentialDataDecryptedObject;
}

// The one-node workflow n8n builds to resolve credential expressions: its node has no parameters.
const mockNodeType = {
	description: {
		displayName: 'Mock',
		name: 'mock',
		group: [],
		version: 1,
		description: '',
		defaults: {},
		inputs: [],
		outputs: [],
		properties: [],
	},
} as unknown as INodeType;

const emptyNodeTypes: INodeTypes = {
	getByName: () => mockNodeType,
	getByNameAndVersion: () => mockNodeType,
	getKnownTypes: () => ({}),
};

export class TestCredentialsHelper extends ICredentialsHelper {
	private readonly types = new Map<string, ICredentialType>();
	private readonly store = new Map<string, StoredCredential>();
	/** Every write-back (refreshed token, OAuth2 token data), in order, for assertions. */
	readonly updates: Array<{ id: string; type: string; data: ICredentialDataDecryptedObject }> = [];

	constructor(credentialTypes: ICredentialType[]) {
		super();
		for (const type of credentialTypes) this.types.set(type.name, type);
	}

	/** Saves a credential as a user would in the UI; returns what a node's `credentials` refers to. */
	add(type: string, data: ICredentialDataDecryptedObject, name = `${type} account`): INodeCredentialsDetails {
		this.getType(type);
		const id = String(this.store.size + 1);
		this.store.set(id, { id, name, type, data: { ...data } });
		return { id, name };
	}

	/** What is stored now (e.g. the access token a preAuthentication wrote back). */
	stored(details: INodeCredentialsDetails): ICredentialDataDecryptedObject {
		return this.find(details).data;
	}

	getType(name: string): ICredentialType {
		const type = this.types.get(name);
		if (!type) throw new Error(`Unknown credential type "${name}"`);
		return type;
	}

	private find(details: INodeCredentialsDetails): StoredCredential {
		const found = details.id ? this.store.get(details.id) : undefined;
		if (!found) throw new Error(`Credential "${details.name}" (${details.id}) does not exist`);
		return found;
	}

	getParentTypes(name: string): string[] {
		const parents = this.getType(name).extends ?? [];
		return parents.flatMap((parent) => [parent, ...(this.types.has(parent) ? this.getParentTypes(parent) : [])]);
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	getCredentialsProperties(type: string): INodeProperties[] {
		const credentialType = this.getType(type);
		const own = credentialType.properties;
		if (!credentialType.extends) return own;
		// Parents first, then the child's own properties override by name (as n8n merges them).
		const merged = new Map<string, INodeProperties>();
		for (const parent of credentialType.extends) {
			if (!this.types.has(parent)) continue;
			for (const property of this.getCredentialsProperties(parent)) merged.set(property.name, property);
		}
		for (const property of own) merged.set(property.name, property);
		return [...merged.values()];
	}

	async getCredentials(details: INodeCredentialsDetails, type: string): Promise<ICredentials> {
		const stored = this.find(details);
		if (stored.type !== type) throw new Error(`Credential ${details.id} is a ${stored.type}, not a ${type}`);
		const updates = this.updates;
		return {
			id: stored.id,
			name: stored.name,
			type: stored.type,
			async getData() {
				return { ...stored.data };
			},
			getDataToSave() {
				throw new Error('not needed in tests');
			},
			async setData(data: ICredentialDataDecryptedObject) {
				stored.data = { ...data };
			},
			async updateData(toUpdate: ICredentialDataDecryptedObject) {
				stored.data = { ...stored.data, ...toUpdate };
				updates.push({ id: stored.id, type, data: { ...stored.data } });
			},
		} as unknown as ICredentials;
	}

	/** Stored values + the type's defaults, with `={{ $self… }}` expressions resolved. */
	async getDecrypted(
		_additionalData: IWorkflowExecuteAdditionalData,
		details: INodeCredentialsDetails,
		type: string,
		mode: WorkflowExecuteMode,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.find(details);
		if (stored.type !== type) throw new Error(`Credential ${details.id} is a ${stored.type}, not a ${type}`);
		return this.applyDefaults(type, stored.data, mode);
	}

	applyDefaults(
		type: string,
		data: ICredentialDataDecryptedObject,
		mode: WorkflowExecuteMode = 'manual',
	): ICredentialDataDecryptedObject {
		const properties = this.getCredentialsProperties(type);
		const withDefaults = NodeHelpers.getNodeParameters(
			properties,
			data as INodeParameters,
			true,
			false,
			null,
			null,
		) as ICredentialDataDecryptedObject;
		// Values the properties do not declare (oauthTokenData, expirable tokens) are kept as stored.
		const merged = { ...data, ...withDefaults };
		const mockNode: INode = {
			id: 'credential',
			name: 'mock',
			type: 'mock',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		const workflow = new Workflow({
			nodes: [mockNode],
			connections: {},
			active: false,
			nodeTypes: emptyNodeTypes,
		});
		return workflow.expression.getComplexParameterValue(
			mockNode,
			merged as INodeParameters,
			mode,
			{},
			undefined,
			undefined,
			merged,
		) as ICredentialDataDecryptedObject;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		incoming: IHttpRequestOptions | IRequestOptionsSimplified,
		workflow?: Workflow,
		node?: INode,
	): Promise<IHttpRequestOptions> {
		const requestOptions = incoming as IHttpRequestOptions;
		const { authenticate } = this.getType(typeName);
		if (!authenticate) return requestOptions;
		if (typeof authenticate === 'function') return await authenticate(credentials, requestOptions);
		if (authenticate.type !== 'generic') return requestOptions;
		requestOptions.headers ??= {};
		for (const [outerKey, outerValue] of Object.entries(authenticate.properties)) {
			const target = ((requestOptions as unknown as Record<string, Record<string, unknown>>)[outerKey] ??= {});
			for (const [key, value] of Object.entries(outerValue as Record<string, string>)) {
				target[this.resolve(key, credentials, workflow, node)] = this.resolve(value, credentials, workflow, node);
			}
		}
		return requestOptions;
	}

	/** Resolves a `={{ … $credentials … }}` string as n8n does for credential definitions. */
	resolve(
		value: string,
		credentials: ICredentialDataDecryptedObject,
		workflow?: Workflow,
		node?: INode,
	): string {
		if (typeof value !== 'string' || !value.startsWith('=')) return value;
		const mockNode: INode = node ?? {
			id: 'auth',
			name: 'auth',
			type: 'mock',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		};
		const wf =
			workflow ??
			new Workflow({ nodes: [mockNode], connections: {}, active: false, nodeTypes: emptyNodeTypes });
		const resolved = wf.expression.getSimpleParameterValue(
			mockNode,
			value,
			'internal',
			{ $credentials: credentials },
			undefined,
			'',
		);
		return resolved ? String(resolved) : '';
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.getType(typeName);
		const expirable = this.getCredentialsProperties(typeName).find(
			(property) => property.type === 'hidden' && property.typeOptions?.expirable === true,
		);
		if (!expirable || typeof credentialType.preAuthentication !== 'function') return undefined;
		const isTestingCredentials = node?.parameters?.temp === '' && node?.type === 'n8n-nodes-base.noOp';
		// Exactly n8n's rule: fetch when the field is empty, after a 401, or in a credential test.
		if (credentials[expirable.name] !== '' && !credentialsExpired && !isTestingCredentials) return undefined;
		const output = await credentialType.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		const details = node.credentials?.[typeName];
		if (details) await this.updateCredentials(details, typeName, Object.assign(credentials, output));
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const credentialType = this.getType(typeName);
		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		return (await credentialType.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
	}

	async updateCredentials(
		details: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const stored = this.find(details);
		stored.data = { ...stored.data, ...data };
		this.updates.push({ id: stored.id, type, data: { ...stored.data } });
	}

	async updateCredentialsOauthTokenData(
		details: INodeCredentialsDetails,
		type: string,
		data: ICredentialDataDecryptedObject,
	): Promise<void> {
		const stored = this.find(details);
		stored.data = { ...stored.data, oauthTokenData: data.oauthTokenData };
		this.updates.push({ id: stored.id, type, data: { ...stored.data } });
	}
}
