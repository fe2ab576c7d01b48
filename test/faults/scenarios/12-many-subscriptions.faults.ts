/**
 * 12. Many workflows, many accounts (issue 16): `SCALE.manySubscriptions` subscriptions on
 * one n8n origin (one server, one path per workflow), one of them answering 500 to
 * everything, and two accounts of one provider (two Standard Webhooks sources) numbering
 * their events alike, so every `webhook-id` of one collides with one of the other.
 *
 * Most subscriptions filter on one document (each gets one event: the size stays about a
 * minute in CI), a few take everything (they get both sources' colliding events). Two
 * phases of equal shape: A before the failing subscription exists (the baseline, measured
 * in the same run on the same machine), B with it. Nothing acknowledged may be lost or
 * executed twice, both sources' colliding events must arrive, the failing subscription is
 * tried until its own breaker opens and held back by it, and the healthy subscriptions' ack → delivery p99
 * in B stays within the bound below of A's.
 */
import { randomBytes } from 'node:crypto';

import { expectNoLossNoDuplicate } from '../harness/drain';
import { Ledger, type Tally } from '../harness/ledger';
import { isAck, sendAll, type SendResult } from '../harness/load';
import { newStandardSource, standardEvent, type GeneratedEvent, type SourceSpec } from '../harness/provider';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { Sink, type SinkBehaviour } from '../harness/sink';
import { percentile, sleep, waitFor } from '../harness/util';
import { World } from '../harness/world';

/** Subscriptions without filters besides the failing one: they receive every event of both sources. */
const CATCH_ALL = 5;
/** Paced like a busy provider pair, not a burst: the latency measured is the relay's, not a queue's. */
const RATE = 50;

let world: World;
let origin: Sink;
let accountB: SourceSpec;

interface Subscribed {
	sink: Sink;
	id: string;
	/** The one document it watches; absent: it takes every event. */
	documentId?: string;
}

const healthy: Subscribed[] = [];

async function subscribe(name: string, filters: Record<string, unknown>, behaviour?: SinkBehaviour): Promise<Subscribed> {
	const sink = origin.mount(name, behaviour);
	const { id, secret } = await world.relay.subscribe(sink.url, filters);
	sink.setSecret(secret);
	return { sink, id, documentId: filters.documentId as string | undefined };
}

beforeAll(async () => {
	accountB = newStandardSource();
	world = await World.create({
		label: 'many-subs',
		sinks: [],
		extraSources: [accountB],
		// The failing subscription's breaker (its own, per subscription) reopens after 2 s instead
		// of 30 s, so its deliveries run through the compressed schedule to the dead-letter queue
		// within the scenario instead of waiting out production's cooldown.
		env: { RELAY_CIRCUIT_COOLDOWN: '2s' },
	});
	origin = await Sink.start('origin');
	world.sinks.push(origin);
}, 120_000);

afterAll(async () => {
	await world?.close();
});

/** One phase's events: source A and B alternate, the n-th pair shares one webhook-id. */
function phaseEvents(run: string, phase: string, count: number): GeneratedEvent[] {
	return Array.from({ length: count }, (_, j) =>
		standardEvent(j % 2 === 0 ? world.standard : accountB, `${run}-${phase}-${j}`, {
			webhookId: `msg_${run}-${phase}-n${Math.floor(j / 2)}`,
		}),
	);
}

/** Every subscription's books: its own ledger holding only the events its filters match. */
function tallyOf(subscribed: readonly Subscribed[], events: readonly GeneratedEvent[], results: readonly SendResult[]): Tally {
	const sum: Tally = { sent: events.length, acknowledged: new Set(results.filter(isAck).map((r) => r.key)).size, delivered: 0, lost: 0, duplicated: 0, redelivered: 0, unknown: 0, badSignatures: 0, wrongIds: 0, lostKeys: [], duplicatedKeys: [] };
	for (const sub of subscribed) {
		const ledger = new Ledger();
		const mine = sub.documentId ? events.filter((e) => e.key === sub.documentId) : events;
		const keys = new Set(mine.map((e) => e.key));
		// Only its own events: one delivered to it that its filters do not match counts as unknown.
		ledger.addSent(mine);
		ledger.addResults(results.filter((r) => keys.has(r.key)));
		const t = ledger.tally([sub.sink]);
		for (const field of ['delivered', 'lost', 'duplicated', 'redelivered', 'unknown', 'badSignatures', 'wrongIds'] as const) sum[field] += t[field];
		sum.lostKeys.push(...t.lostKeys.slice(0, 20 - sum.lostKeys.length));
		sum.duplicatedKeys.push(...t.duplicatedKeys.slice(0, 20 - sum.duplicatedKeys.length));
	}
	return sum;
}

function expected(subscribed: readonly Subscribed[], events: readonly GeneratedEvent[]): number {
	return subscribed.reduce((n, sub) => n + (sub.documentId ? (events.some((e) => e.key === sub.documentId) ? 1 : 0) : events.length), 0);
}

/** Ack → execution latencies of the healthy subscriptions for one phase's events. */
function latencies(events: readonly GeneratedEvent[], results: readonly SendResult[]): number[] {
	const keys = new Set(events.map((e) => e.key));
	const ackAt = new Map(results.filter(isAck).map((r) => [r.key, r.endedAt]));
	return healthy
		.flatMap((sub) => sub.sink.executions().filter((a) => keys.has(a.key ?? '')))
		.map((a) => a.receivedAt - (ackAt.get(a.key ?? '') ?? a.receivedAt))
		.sort((a, b) => a - b);
}

async function createMany(specs: Array<{ name: string; filters: Record<string, unknown> }>): Promise<Subscribed[]> {
	const out: Subscribed[] = new Array(specs.length);
	let next = 0;
	// A few at a time, as n8n activating many workflows at start-up would.
	await Promise.all(
		Array.from({ length: 8 }, async () => {
			for (let i = next++; i < specs.length; i = next++) out[i] = await subscribe(specs[i].name, specs[i].filters);
		}),
	);
	return out;
}

async function runPhase(run: string, phase: string, count: number): Promise<{ events: GeneratedEvent[]; results: SendResult[]; drainedInMs: number }> {
	const events = phaseEvents(run, phase, count);
	world.ledger.addSent(events);
	const results = await sendAll(events, { concurrency: 16, ratePerSecond: RATE, target: () => world.relay.baseUrl });
	world.ledger.addResults(results);
	const resent = await world.resendStalled(results);
	const all = [...results, ...resent];
	const want = expected(healthy, events);
	const start = Date.now();
	let drainedInMs = NaN;
	while (Date.now() - start < 90_000) {
		if (tallyOf(healthy, events, all).delivered >= want) {
			drainedInMs = Date.now() - start;
			break;
		}
		await sleep(200);
	}
	return { events, results: all, drainedInMs };
}

test('one failing workflow among many on one origin, two accounts with colliding ids: nothing lost or doubled, healthy p99 unchanged', async () => {
	const run = randomBytes(3).toString('hex');
	const filtered = SCALE.manySubscriptions - CATCH_ALL - 1;
	const half = Math.ceil(filtered / 2);
	const createdStart = Date.now();
	// Filtered subscription i watches document i of phase A (first half) or of phase B (second half).
	healthy.push(
		...(await createMany([
			...Array.from({ length: CATCH_ALL }, (_, i) => ({ name: `all-${i}`, filters: {} })),
			...Array.from({ length: filtered }, (_, i) => ({
				name: `wf-${i}`,
				filters: { documentId: i < half ? `${run}-A-${i}` : `${run}-B-${i - half}` },
			})),
		])),
	);
	const createdInMs = Date.now() - createdStart;

	const a = await runPhase(run, 'A', half);
	const failing = await subscribe('failing', {}, { kind: 'fail', status: 500 });
	const b = await runPhase(run, 'B', filtered - half);

	// The failing subscription: retried, never executed. Its own breaker opens after 5 failures
	// and lets one probe through per cooldown, so with the breaker doing its job it dead-letters
	// only a few events within the scenario (measured: ~30 attempts a minute); the count is
	// reported, not awaited to the end.
	const dead = await waitFor(
		'the failing subscription to dead-letter every phase B event',
		async () => {
			const answer = await world.relay.api('GET', `/v1/deliveries?status=dead&subscriptionId=${failing.id}&limit=1000`);
			const list = (answer.json as { data?: unknown[] } | undefined)?.data ?? [];
			return list.length >= b.events.length ? list.length : false;
		},
		10_000,
		500,
	).catch(async () => {
		const answer = await world.relay.api('GET', `/v1/deliveries?status=dead&subscriptionId=${failing.id}&limit=1000`);
		return ((answer.json as { data?: unknown[] } | undefined)?.data ?? []).length;
	});
	await sleep(2000); // late duplicates would show up here

	const events = [...a.events, ...b.events];
	const results = [...a.results, ...b.results];
	const tally = tallyOf(healthy, events, results);
	const latA = latencies(a.events, a.results);
	const latB = latencies(b.events, b.results);
	const [p50A, p99A, p50B, p99B] = [percentile(latA, 50), percentile(latA, 99), percentile(latB, 50), percentile(latB, 99)];
	// Both accounts' events under each colliding webhook-id executed by every catch-all subscription.
	const byId = new Map<string, Set<string>>();
	for (const event of events) byId.set(event.canonicalId, new Set([...(byId.get(event.canonicalId) ?? []), event.key]));
	const collidingIds = [...byId.values()].filter((keys) => keys.size === 2).length;
	const collisionsComplete = healthy
		.filter((sub) => !sub.documentId)
		.map((sub) => {
			const executed = new Set(sub.sink.executions().map((x) => x.key));
			return [...byId.values()].filter((keys) => keys.size === 2 && [...keys].every((k) => executed.has(k))).length;
		});
	const failingAttempts = failing.sink.attempts.length;
	const perKey = new Map<string, number>();
	for (const attempt of failing.sink.attempts) perKey.set(attempt.key ?? '', (perKey.get(attempt.key ?? '') ?? 0) + 1);
	const retriedEvents = [...perKey.values()].filter((n) => n > 1).length;
	const relayUp = world.relay.running;
	recordRow({
		scenario: `12 ${SCALE.manySubscriptions} subscriptions on one origin, one failing, 2 accounts colliding`,
		...tally,
		notes: `${healthy.length} healthy (${CATCH_ALL} take all, the rest one document each) + 1 answering 500 on one origin, created in ${createdInMs} ms; ${collidingIds} webhook-ids sent by both accounts, each executed for both by all ${CATCH_ALL} catch-all subscriptions: ${collisionsComplete.every((n) => n === collidingIds)}; healthy ack→delivery without the failing one p50 ${p50A} / p99 ${p99A} ms, with it p50 ${p50B} / p99 ${p99B} ms; failing: ${failingAttempts} attempts (${retriedEvents} events retried), ${dead} of ${b.events.length} dead-lettered, 0 executed; drained A ${Math.round(a.drainedInMs)} ms, B ${Math.round(b.drainedInMs)} ms after the last send${world.stallNote(results)}`,
	});

	expect(world.unexplained(results).map((r) => `${r.key}: ${r.status} ${r.error ?? r.body ?? ''}`)).toEqual([]);
	expect(tally.acknowledged).toBe(events.length);
	expect(tally.delivered).toBe(expected(healthy, events));
	expectNoLossNoDuplicate(world, tally, false);
	expect(collidingIds).toBe(Math.floor(a.events.length / 2) + Math.floor(b.events.length / 2));
	expect(collisionsComplete).toEqual(Array(CATCH_ALL).fill(collidingIds));
	// Tried, executed never, and failed often enough (the breaker threshold, 5) to open its
	// breaker: the condition under which the origin-wide breaker used to stall every workflow.
	// Retries of one event are not asserted: the open breaker lets one probe through per
	// cooldown, and the probes go to the oldest due deliveries (reported in the notes).
	expect(failing.sink.executions()).toHaveLength(0);
	expect(failingAttempts).toBeGreaterThanOrEqual(5);
	expect(relayUp).toBe(true);
	expect(latA.length).toBe(expected(healthy, a.events));
	expect(latB.length).toBe(expected(healthy, b.events));
	// The bound: 2× the baseline p99 + 250 ms. The failing subscription's retries are real work
	// in the same relay process (5 attempts per event, each an HTTP 500) on 2 shared cores, so
	// some slowdown is honest; the tail of a few hundred samples on a loaded CI machine moves by
	// tens of ms between runs. What the bound exists to catch is a healthy delivery waiting for
	// the failing one: behind an origin-wide breaker that is its cooldown (2 s here, 30 s by
	// default) and behind its retries a step of the schedule (0.2-1.6 s) per attempt, far above it.
	expect(p99B).toBeLessThanOrEqual(2 * p99A + 250);
}, 300_000);
