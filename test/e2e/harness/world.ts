/**
 * Everything the end-to-end flows run against, started once per test file: the SignNow
 * simulator, the relay (with a SignNow source), a sink, and a real n8n with the built package,
 * its owner and the credentials the examples use.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startSignNowSimulator, type SignNowSimulator } from '../../simulators/signnow';
import { packPackage } from './community-package';
import { installN8n, N8nProcess, type Execution, type WorkflowRef } from './n8n';
import { RelayProcess } from './relay';
import { SignNowUser } from './signnow';
import { Sink } from './sink';
import { sleep, waitFor } from './util';

export const RELAY_SOURCE = 'signnow';

export interface World {
	simulator: SignNowSimulator;
	signNow: SignNowUser;
	relay: RelayProcess;
	relaySecret: string;
	sink: Sink;
	n8n: N8nProcess;
	credentials: { eSignRelayApi: string; signNowApiKeyApi: string; signNowApi: string };
}

export interface WorldOptions {
	relayEnv?: Record<string, string>;
	n8nEnv?: Record<string, string>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
	const started: Partial<World> = {};
	try {
		return await start(options, started);
	} catch (error) {
		// Nothing may outlive a failed start: stop whatever did start.
		await stopWorld(started);
		throw error;
	}
}

async function start(options: WorldOptions, started: Partial<World>): Promise<World> {
	const installDir = installN8n();
	const simulator = (started.simulator = await startSignNowSimulator());
	const relaySecret = randomBytes(24).toString('hex');
	const sink = (started.sink = await Sink.start());
	const relay = (started.relay = await RelayProcess.start({
		sources: [{ id: RELAY_SOURCE, type: 'signnow', secrets: [relaySecret] }],
		// Production's first retry is 5 s later; tests keep the shape with shorter delays.
		env: { RELAY_RETRY_SCHEDULE: '500ms,1s,2s,4s,8s', ...options.relayEnv },
	}));
	// The package as users install it (Settings → Community Nodes: its tarball in .n8n/nodes), so
	// the examples import with their node types unchanged (n8n-nodes-esign.<name>).
	const packDir = mkdtempSync(join(tmpdir(), 'esign-e2e-pack-'));
	let n8n: N8nProcess;
	try {
		n8n = started.n8n = await N8nProcess.start({
			installDir,
			env: options.n8nEnv,
			communityPackage: packPackage(packDir),
		});
	} finally {
		rmSync(packDir, { recursive: true, force: true });
	}
	await n8n.setupOwner();
	const relayCredential = await n8n.createCredential('E-Signature Relay', 'eSignRelayApi', {
		url: relay.baseUrl,
		apiToken: relay.apiToken,
	});
	const apiKeyCredential = await n8n.createCredential('SignNow', 'signNowApiKeyApi', {
		environment: 'sandbox',
		baseUrl: simulator.url,
		apiKey: simulator.apiKey,
	});
	const passwordCredential = await n8n.createCredential('SignNow (password grant)', 'signNowApi', {
		environment: 'sandbox',
		baseUrl: simulator.url,
		clientId: simulator.application.clientId,
		clientSecret: simulator.application.clientSecret,
		username: simulator.user.email,
		password: simulator.user.password,
	});
	return {
		simulator,
		signNow: new SignNowUser(simulator),
		relay,
		relaySecret,
		sink,
		n8n,
		credentials: {
			eSignRelayApi: relayCredential.id,
			signNowApiKeyApi: apiKeyCredential.id,
			signNowApi: passwordCredential.id,
		},
	};
}

export async function stopWorld(world: Partial<World>): Promise<void> {
	await world.n8n?.dispose();
	await world.relay?.dispose();
	await world.sink?.close();
	await world.simulator?.close();
}

/** Waits until n8n has recorded `count` finished executions of the workflow, and returns them. */
export async function waitForExecutions(
	n8n: N8nProcess,
	workflow: WorkflowRef,
	count: number,
	timeoutMs = 60_000,
): Promise<Execution[]> {
	return await waitFor(
		`${count} finished execution(s) of "${workflow.name}"`,
		async () => {
			const executions = await n8n.executions(workflow.id);
			const finished = executions.filter((execution) => execution.stoppedAt);
			return finished.length >= count ? executions : undefined;
		},
		timeoutMs,
		250,
	);
}

/**
 * Absence needs a barrier: something that must happen after the thing that must not. The
 * caller triggers a later, legitimate event; once its execution exists, anything the earlier
 * request could have started would have started too. The short settle covers n8n writing the
 * execution row after answering the webhook.
 */
export async function settle(): Promise<void> {
	await sleep(1000);
}
