/**
 * The figures of docs/e2e.md, measured in a real n8n: `npm run bench:e2e`.
 * Sizes: E2E_BENCH_DOCS (signed documents per mode, default 100), E2E_BENCH_OUTAGE_S (seconds
 * n8n is stopped, default 60), E2E_BENCH_BURST (events in the burst, default 2000),
 * E2E_BENCH_LOAD_S (seconds of each throughput run, default 10).
 * Prints a table and writes test/e2e/results/figures.json. Nothing here asserts a speed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import autocannon from 'autocannon';

import { contractPdf } from '../helpers/pdf';
import { prepareExample } from './harness/examples';
import type { WorkflowRef } from './harness/n8n';
import { http, percentile, sleep, waitFor } from './harness/util';
import { RELAY_SOURCE, startWorld, stopWorld, type World } from './harness/world';

const DOCS = Number(process.env.E2E_BENCH_DOCS ?? 100);
const OUTAGE_S = Number(process.env.E2E_BENCH_OUTAGE_S ?? 60);
const BURST = Number(process.env.E2E_BENCH_BURST ?? 2000);
const LOAD_S = Number(process.env.E2E_BENCH_LOAD_S ?? 10);

const figures: Record<string, unknown> = {};
let world: World;

beforeAll(async () => {
	world = await startWorld({
		// Long enough that a minute without n8n is ridden out by retries, not dead-lettered.
		relayEnv: { RELAY_RETRY_SCHEDULE: '1s,2s,5s,10s,20s,30s,60s,120s', RELAY_RETRY_JITTER: '0.1' },
	});
}, 15 * 60_000);

afterAll(async () => {
	mkdirSync(join(__dirname, 'results'), { recursive: true });
	writeFileSync(join(__dirname, 'results/figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
	console.log(JSON.stringify(figures, null, 2));
	if (world) await stopWorld(world);
});

async function executionCount(workflow: WorkflowRef): Promise<number> {
	const filter = encodeURIComponent(JSON.stringify({ workflowId: workflow.id, status: ['success'] }));
	const page = await world.n8n.rest<{ count: number }>('GET', `/executions?filter=${filter}&limit=1`);
	return page.count;
}

async function newestExecutionStart(workflow: WorkflowRef): Promise<number> {
	const [newest] = await world.n8n.executions(workflow.id, 1);
	return Date.parse(newest.startedAt);
}

function summary(samples: number[]) {
	const sorted = [...samples].sort((a, b) => a - b);
	return { n: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted[sorted.length - 1] };
}

/** A SignNow "document complete" callback as SignNow would send it to the relay. */
function signNowCallback(documentId: string, secret: string) {
	const body = JSON.stringify({
		meta: { timestamp: Math.floor(Date.now() / 1000), event: 'user.document.complete', environment: 'https://api-eval.signnow.com/' },
		content: { document_id: documentId, document_name: `Doc ${documentId}`, user_id: 'u1' },
	});
	return {
		body,
		headers: {
			'content-type': 'application/json',
			'x-signnow-signature': createHmac('sha256', secret).update(body).digest('hex'),
		},
	};
}

/** SignNow Trigger (via relay) → HTTP Request to the sink, carrying the document id. */
function triggerToSinkWorkflow(name: string) {
	return {
		name,
		nodes: [
			{
				id: 't',
				name: 'Trigger',
				type: `${world.n8n.nodeTypePrefix}signNowTrigger`,
				typeVersion: 1,
				position: [0, 0],
				parameters: { mode: 'relay', eventTypes: ['document.completed'] },
				credentials: { eSignRelayApi: { id: world.credentials.eSignRelayApi, name: 'E-Signature Relay' } },
			},
			{
				id: 's',
				name: 'Sink',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: 4.2,
				position: [240, 0],
				parameters: { method: 'POST', url: `=${world.sink.url}/burst?document={{ $json.documentId }}`, options: {} },
			},
		],
		connections: { Trigger: { main: [[{ node: 'Sink', type: 'main', index: 0 }]] } },
	};
}

/** n8n's own Webhook node (POST, answer at once) → NoOp: what a user would pick without this package. */
function webhookNodeWorkflow(path: string) {
	return {
		name: `Webhook node ${path}`,
		nodes: [
			{ id: 'w', name: 'Webhook', type: 'n8n-nodes-base.webhook', typeVersion: 2, position: [0, 0], parameters: { httpMethod: 'POST', path, responseMode: 'onReceived', options: {} } },
			{ id: 'n', name: 'NoOp', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} },
		],
		connections: { Webhook: { main: [[{ node: 'NoOp', type: 'main', index: 0 }]] } },
	};
}

test(`callback → execution started, over ${DOCS} signed documents, via relay and direct`, async () => {
	await world.signNow.subscribe('document.complete', world.relay.ingestUrl(RELAY_SOURCE), world.relaySecret);
	for (const mode of ['relay', 'direct'] as const) {
		const file = mode === 'relay' ? 'signed-document-via-relay.json' : 'signed-document-direct.json';
		const workflow = await world.n8n.createWorkflow(
			prepareExample(file, {
				credentials: { eSignRelayApi: world.credentials.eSignRelayApi, signNowApiKeyApi: world.credentials.signNowApiKeyApi },
				text: { 'https://example.com': world.sink.url },
			}),
		);
		await world.n8n.activate(workflow);
		await world.n8n.waitUntilActivated(workflow, mode === 'relay' ? 'secret' : 'providerSecret');
		const documents: string[] = [];
		for (let index = 0; index < DOCS; index++) {
			documents.push(await world.signNow.prepare(contractPdf(`${mode} ${index}`, 1), `${mode} ${index}`, 's@example.com'));
		}
		const samples: number[] = [];
		for (const documentId of documents) {
			const before = Date.now();
			await world.signNow.sign(documentId);
			await waitFor('the PDF at the sink', () => world.sink.requests.some((r) => r.path.includes(documentId)), 60_000, 5);
			samples.push((await newestExecutionStart(workflow)) - before);
		}
		figures[`latency_${mode}`] = summary(samples);
		await world.n8n.deactivate(workflow);
		await sleep(1000);
	}
	// Flow-1 style subscription no longer needed: everything below posts callbacks itself.
	world.simulator.state.subscriptions.clear();
});

test(`ingest: n8n's Webhook node vs the relay, ${LOAD_S} s of autocannon -c 50 each`, async () => {
	const hook = await world.n8n.createWorkflow(webhookNodeWorkflow('bench-ingest'));
	await world.n8n.activate(hook);
	const sample = signNowCallback('doc-load', world.relaySecret);
	await waitFor('the webhook to answer', async () => (await http(`${world.n8n.baseUrl}/webhook/bench-ingest`, { method: 'POST', headers: sample.headers, body: sample.body })).status === 200);
	// Bodies are signed before the clock starts, so the load generator measures the servers,
	// not its own HMACs: the same callback for the Webhook node (it does not deduplicate), a
	// new one per request for the relay (each request a new event, verified and stored).
	const unique = Array.from({ length: 80_000 }, (_, index) => signNowCallback(`load-${index}-${randomBytes(4).toString('hex')}`, world.relaySecret));
	const run = (url: string, callbacks: ReadonlyArray<ReturnType<typeof signNowCallback>>) => {
		let next = 0;
		return autocannon({
			url,
			connections: 50,
			duration: LOAD_S,
			requests: [
				{
					method: 'POST',
					setupRequest: (request) => {
						const callback = callbacks[next++ % callbacks.length];
						return { ...request, method: 'POST', headers: callback.headers, body: callback.body };
					},
				},
			],
		});
	};
	const n8nResult = await run(`${world.n8n.baseUrl}/webhook/bench-ingest`, [sample]);
	await world.n8n.deactivate(hook);
	// No subscriber: the relay only verifies, deduplicates and stores (each request a new event).
	const relayResult = await run(world.relay.ingestUrl(RELAY_SOURCE), unique);
	const n8nRps = n8nResult.requests.average;
	const relayRps = relayResult.requests.average;
	figures.ingest = {
		n8nWebhookNode: { requestsPerSecond: n8nRps, p50Ms: n8nResult.latency.p50, p99Ms: n8nResult.latency.p99, non2xx: n8nResult.non2xx, errors: n8nResult.errors },
		relay: { requestsPerSecond: relayRps, p50Ms: relayResult.latency.p50, p99Ms: relayResult.latency.p99, non2xx: relayResult.non2xx, errors: relayResult.errors },
		ratio: relayRps / n8nRps,
	};
});

test(`what is lost while n8n is stopped for ${OUTAGE_S} s`, async () => {
	const relayed = await world.n8n.createWorkflow(triggerToSinkWorkflow('outage via relay'));
	await world.n8n.activate(relayed);
	await world.n8n.waitUntilActivated(relayed, 'secret');
	const hook = await world.n8n.createWorkflow(webhookNodeWorkflow('bench-outage'));
	await world.n8n.activate(hook);
	const hookUrl = `${world.n8n.baseUrl}/webhook/bench-outage`;
	await world.n8n.stop();
	const sent = { relay: 0, relayAcked: 0, webhook: 0, webhookAcked: 0 };
	const outageEnds = Date.now() + OUTAGE_S * 1000;
	let index = 0;
	while (Date.now() < outageEnds) {
		const callback = signNowCallback(`outage-${index++}`, world.relaySecret);
		sent.relay++;
		const relayAnswer = await http(world.relay.ingestUrl(RELAY_SOURCE), { method: 'POST', headers: callback.headers, body: callback.body });
		if (relayAnswer.status === 200) sent.relayAcked++;
		sent.webhook++;
		try {
			const answer = await http(hookUrl, { method: 'POST', headers: callback.headers, body: callback.body, timeoutMs: 2000 });
			if (answer.status === 200) sent.webhookAcked++;
		} catch {
			// Connection refused: the provider sees a failed callback.
		}
		await sleep(500);
	}
	const restartedAt = Date.now();
	await world.n8n.spawn();
	const executed = await waitFor(
		'every relayed event to run',
		async () => {
			const count = world.sink.to('/burst').filter((r) => /document=outage-/.test(r.path)).length;
			return count >= sent.relayAcked ? count : undefined;
		},
		10 * 60_000,
		500,
	);
	figures.outage = {
		seconds: OUTAGE_S,
		relay: { sent: sent.relay, acknowledged: sent.relayAcked, executedAfterRestart: executed, lost: sent.relayAcked - executed, drainedSecondsAfterRestart: (Date.now() - restartedAt) / 1000 },
		n8nWebhookNode: { sent: sent.webhook, acknowledged: sent.webhookAcked, lost: sent.webhook - sent.webhookAcked },
	};
	await world.n8n.setupOwner();
	await world.n8n.deactivate(relayed);
	await world.n8n.deactivate(hook);
	await waitFor('no relay subscription', async () => (await world.relay.subscriptions()).length === 0);
});

test(`burst of ${BURST} events into the relay, the real trigger workflow as only subscriber`, async () => {
	const workflow = await world.n8n.createWorkflow(triggerToSinkWorkflow('burst'));
	await world.n8n.activate(workflow);
	await world.n8n.waitUntilActivated(workflow, 'secret');
	const before = world.sink.to('/burst').length;
	const metricsBefore = await relayMetrics();
	const started = Date.now();
	const ids = Array.from({ length: BURST }, (_, index) => `burst-${index}`);
	let next = 0;
	let acked = 0;
	await Promise.all(
		Array.from({ length: 50 }, async () => {
			while (next < ids.length) {
				const callback = signNowCallback(ids[next++], world.relaySecret);
				const answer = await http(world.relay.ingestUrl(RELAY_SOURCE), { method: 'POST', headers: callback.headers, body: callback.body });
				if (answer.status === 200) acked++;
			}
		}),
	);
	const ackedAfterMs = Date.now() - started;
	await waitFor('every burst event to reach the sink', () => world.sink.to('/burst').length - before >= acked, 30 * 60_000, 500);
	const drainedAfterMs = Date.now() - started;
	await sleep(3000);
	const seen = new Map<string, number>();
	for (const request of world.sink.to('/burst').slice(before)) {
		const id = new URL(request.path, 'http://sink').searchParams.get('document') ?? '';
		seen.set(id, (seen.get(id) ?? 0) + 1);
	}
	const metricsAfter = await relayMetrics();
	figures.burst = {
		events: BURST,
		acknowledged: acked,
		allAcknowledgedSeconds: ackedAfterMs / 1000,
		drainSeconds: drainedAfterMs / 1000,
		drainRatePerSecond: acked / (drainedAfterMs / 1000),
		executedExactlyOnce: ids.filter((id) => seen.get(id) === 1).length,
		executedMoreThanOnce: ids.filter((id) => (seen.get(id) ?? 0) > 1).length,
		notExecuted: ids.filter((id) => !seen.has(id)).length,
		n8nSuccessfulExecutions: await executionCount(workflow),
		relayRetries: metricsAfter.retried - metricsBefore.retried,
		relayDeadLettered: metricsAfter.dead - metricsBefore.dead,
		n8nWebhookNodeMaxRequestsPerSecond: (figures.ingest as { n8nWebhookNode?: { requestsPerSecond: number } })?.n8nWebhookNode?.requestsPerSecond,
	};
	await world.n8n.deactivate(workflow);
});

async function relayMetrics(): Promise<{ retried: number; dead: number }> {
	const text = (await http(`${world.relay.baseUrl}/metrics`)).text;
	const sum = (name: string) =>
		text
			.split('\n')
			.filter((line) => line.startsWith(name))
			.reduce((total, line) => total + Number(line.split(' ').pop()), 0);
	return { retried: sum('relay_deliveries_retried_total'), dead: sum('relay_deliveries_dead_lettered_total') };
}
