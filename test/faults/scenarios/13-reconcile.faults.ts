/**
 * 13. The provider forgets 10 % of its callbacks (the DocuSign simulator never sends them: no
 * attempt, nothing in Connect's failure log), as users report of webhooks that "silently never
 * fire". Two relay processes reconcile the source; after one sweep every completion has reached
 * the subscriber exactly once: no duplicates by webhook-id, none by (document, type), whichever
 * of Connect and the sweep reported a completion, and a second sweep on the other process
 * delivers nothing.
 */
import { randomBytes } from 'node:crypto';

import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { sleep, waitFor } from '../harness/util';
import { World } from '../harness/world';
import type { SourceSpec } from '../harness/provider';
import { startDocuSignSimulator, type DocuSignSimulator } from '../../simulators/docusign/simulator';
import { contractPdf } from '../../helpers';

const ACCESS_TOKEN = `relay-sweep-${randomBytes(8).toString('hex')}`;

/** A seeded generator (mulberry32): the same 10 % forgotten on every run. */
function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

let world: World;
let docusign: DocuSignSimulator;
let source: SourceSpec;

beforeAll(async () => {
	const random = seeded(13);
	docusign = await startDocuSignSimulator({ forgetCallbacks: () => random() < 0.1 });
	docusign.state.accessTokens.set(ACCESS_TOKEN, { expiresAt: Number.MAX_SAFE_INTEGER });
	source = {
		name: `docusign-${randomBytes(3).toString('hex')}`,
		provider: 'docusign',
		secrets: [randomBytes(24).toString('base64')],
		reconcile: { interval: '15m', baseUrl: docusign.url, accountId: docusign.state.accountId, accessToken: ACCESS_TOKEN },
	};
	world = await World.create({ label: 'reconcile', relays: 2, extraSources: [source] });
	// Connect posts to the first relay (a load balancer would spread them; the sweep runs on either).
	docusign.state.connect = { url: `${world.relays[0].baseUrl}/ingest/${source.name}`, hmacKeys: source.secrets };
}, 120_000);

afterAll(async () => {
	await docusign?.close();
	await world?.close();
});

async function signOne(index: number): Promise<string> {
	const subject = `Contract ${index}`;
	const created = await fetch(`${docusign.url}/restapi/v2.1/accounts/${docusign.state.accountId}/envelopes`, {
		method: 'POST',
		headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json' },
		body: JSON.stringify({
			emailSubject: subject,
			documents: [{ documentId: '1', name: subject, fileExtension: 'pdf', documentBase64: contractPdf(subject).toString('base64') }],
			recipients: { signers: [{ recipientId: '1', routingOrder: '1', email: `signer${index}@example.com`, name: `Signer ${index}` }] },
			status: 'sent',
		}),
	});
	if (created.status !== 201) throw new Error(`create envelope: ${created.status} ${await created.text()}`);
	const { envelopeId } = (await created.json()) as { envelopeId: string };
	await docusign.control('sign', { envelopeId, email: `signer${index}@example.com` });
	return envelopeId;
}

interface Execution {
	webhookId: string;
	type: string;
	documentId: string;
}

function executions(): Execution[] {
	return world.sinks[0].executions().map((attempt) => ({
		webhookId: attempt.webhookId,
		type: String(attempt.body?.type),
		documentId: String(attempt.body?.documentId),
	}));
}

/** Waits until the sink has seen nothing new for `quietMs`. */
async function quiet(quietMs: number, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let last = -1;
	while (Date.now() < deadline) {
		const count = world.sinks[0].attempts.length;
		if (count === last) return;
		last = count;
		await sleep(quietMs);
	}
}

async function sweep(relay: (typeof world.relays)[number]) {
	const answer = await relay.api('POST', `/v1/sources/${source.name}/reconcile`);
	return { status: answer.status, body: answer.json as { outcome: string; delivered?: number; listed?: number; duplicates?: number } };
}

test('10 % of callbacks forgotten: after one sweep every completion delivered exactly once', async () => {
	const envelopes: string[] = [];
	const startedAt = Date.now();
	for (let i = 0; i < SCALE.reconcileEnvelopes; i++) envelopes.push(await signOne(i));
	await docusign.settled();
	const messages = docusign.state.deliveries.length + docusign.state.forgotten.length;
	const forgottenCompletions = new Set(docusign.state.forgotten.filter((f) => f.event === 'envelope-completed').map((f) => f.envelopeId));
	expect(docusign.state.deliveries.every((d) => d.status === 200)).toBe(true);
	expect(docusign.state.connectFailures).toEqual([]);
	expect(forgottenCompletions.size).toBeGreaterThan(0);
	await quiet(1_500, 60_000);
	const beforeSweep = executions().filter((e) => e.type === 'document.completed').length;
	expect(beforeSweep).toBe(envelopes.length - forgottenCompletions.size);

	// One sweep, asked of both processes at once: the one holding the lease sweeps.
	const first = await Promise.all(world.relays.map((relay) => sweep(relay)));
	const swept = first.filter((answer) => answer.body.outcome === 'swept');
	expect(first.every((answer) => ['swept', 'busy'].includes(answer.body.outcome))).toBe(true);
	expect(swept.reduce((sum, answer) => sum + (answer.body.delivered ?? 0), 0)).toBe(forgottenCompletions.size);
	await waitFor('every completion', () => executions().filter((e) => e.type === 'document.completed').length >= envelopes.length, 60_000);
	// And another on each process: nothing new.
	const again = [await sweep(world.relays[1]), await sweep(world.relays[0])];
	expect(again.map((answer) => [answer.status, answer.body.outcome, answer.body.delivered])).toEqual([
		[200, 'swept', 0],
		[200, 'swept', 0],
	]);
	await quiet(2_000, 30_000);

	const all = executions();
	const completions = all.filter((e) => e.type === 'document.completed');
	const byWebhookId = new Map<string, number>();
	for (const e of all) byWebhookId.set(e.webhookId, (byWebhookId.get(e.webhookId) ?? 0) + 1);
	const byDocument = new Map<string, number>();
	for (const e of completions) byDocument.set(e.documentId, (byDocument.get(e.documentId) ?? 0) + 1);
	const duplicatedIds = [...byWebhookId.values()].filter((n) => n > 1).length;
	const duplicatedCompletions = [...byDocument.values()].filter((n) => n > 1).length;
	const missing = envelopes.filter((id) => !byDocument.has(id));
	recordRow({
		scenario: '13 provider forgets 10 % of callbacks, one sweep',
		sent: messages,
		acknowledged: docusign.state.deliveries.length,
		delivered: all.length,
		lost: missing.length,
		duplicated: duplicatedCompletions,
		redelivered: duplicatedIds,
		badSignatures: world.sinks[0].attempts.filter((a) => !a.signatureValid).length,
		wrongIds: 0,
		unknown: 0,
		notes:
			`${envelopes.length} envelopes signed (${messages} Connect messages, ${docusign.state.forgotten.length} forgotten, ` +
			`${forgottenCompletions.size} of them completions), 2 relays; ${beforeSweep} completions by webhook, ${swept[0]?.body.delivered ?? 0} by the sweep ` +
			`(listed ${swept[0]?.body.listed ?? 0}); second sweeps 0 new; ${Math.round((Date.now() - startedAt) / 1000)} s`,
	});

	expect(missing).toEqual([]);
	expect(completions).toHaveLength(envelopes.length);
	expect(duplicatedCompletions).toBe(0);
	expect(duplicatedIds).toBe(0);
});
