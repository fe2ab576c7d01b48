/**
 * The opt-in completion hold (source option `holdCompletion`), with a real Redis: Dropbox Sign's
 * `signature_request_all_signed` is acknowledged at once but delivered only when the same
 * request's `signature_request_downloadable` arrives (both then, in either order), or after the bound;
 * the hold survives the relay that took the completion; sources without the option, and other
 * requests, are not held.
 */
import { createHmac } from 'node:crypto';

import { Redis } from 'ioredis';

import type { Relay } from '../src/app';
import { loadConfig } from '../src/config';
import { SOURCES, Sink, api, cleanRedis, post, sleep, startRelay, uniquePrefix, waitFor } from './helpers';

const API_KEY = 'dropbox-sign-hold-test-api-key-0123456789abcdef';
const prefix = uniquePrefix('hold');
const redis = new Redis({ host: '127.0.0.1', port: 6379 });
let sink: Sink;
const relays: Relay[] = [];

const sources = [
	...SOURCES,
	{ id: 'dbx-hold', type: 'dropbox-sign', secrets: [API_KEY], holdCompletion: { maxWait: '1500ms' } },
	{ id: 'dbx-plain', type: 'dropbox-sign', secrets: [API_KEY] },
];

let clock = Math.floor(Date.now() / 1000) - 60;

function callback(eventType: string, requestId: string) {
	const eventTime = String((clock += 1));
	const json = JSON.stringify({
		event: {
			event_time: eventTime,
			event_type: eventType,
			event_hash: createHmac('sha256', API_KEY).update(eventTime + eventType).digest('hex'),
			event_metadata: { related_signature_id: null, reported_for_account_id: 'acct1', reported_for_app_id: null },
		},
		signature_request: { signature_request_id: requestId, title: 'Offer letter', is_complete: true, signatures: [] },
	});
	return { headers: { 'content-type': 'multipart/form-data; boundary=b1' }, body: `--b1\r\nContent-Disposition: form-data; name="json"\r\n\r\n${json}\r\n--b1--\r\n` };
}

async function send(relay: Relay, source: string, eventType: string, requestId: string) {
	const { headers, body } = callback(eventType, requestId);
	const answer = await post(`${relay.url}/ingest/${source}`, body, headers);
	expect(answer.status).toBe(200);
	expect(answer.text).toContain('Hello API Event Received');
}

function delivered(requestId: string): string[] {
	return sink.received.map((r) => JSON.parse(r.body) as { documentId: string; providerEvent: string }).filter((e) => e.documentId === requestId).map((e) => e.providerEvent);
}

beforeAll(async () => {
	sink = await new Sink().start();
	const relay = await startRelay(prefix, { sources, fanoutLeaseMs: '600ms' });
	relays.push(relay);
	await api(relay, 'POST', '/v1/subscriptions', { url: sink.url });
});

afterAll(async () => {
	await Promise.all(relays.map((relay) => relay.stop()));
	await sink.close();
	await cleanRedis(prefix);
	redis.disconnect();
});

it('holds all_signed until downloadable of the same request arrives, then delivers both', async () => {
	const [relay] = relays;
	await send(relay, 'dbx-hold', 'signature_request_all_signed', 'a'.repeat(40));
	await send(relay, 'dbx-hold', 'signature_request_downloadable', 'b'.repeat(40));
	await sleep(500);
	expect(delivered('a'.repeat(40))).toEqual([]);
	expect(delivered('b'.repeat(40))).toEqual(['signature_request_downloadable']);
	await send(relay, 'dbx-hold', 'signature_request_downloadable', 'a'.repeat(40));
	await waitFor(() => delivered('a'.repeat(40)).length === 2, 5_000, 'completion and file-ready');
	// Both released together; deliveries to one subscription run in parallel, so either may arrive first.
	expect([...delivered('a'.repeat(40))].sort()).toEqual(['signature_request_all_signed', 'signature_request_downloadable']);
	await sleep(2_000);
	// Released once: the bound passing later delivers nothing more.
	expect(delivered('a'.repeat(40))).toHaveLength(2);
	expect(await redis.exists(relay.keys.sourceKey('dbx-hold', `held:${'a'.repeat(40)}`))).toBe(0);
});

it('delivers the completion anyway once the bound passes without a file-ready event', async () => {
	const [relay] = relays;
	const started = Date.now();
	await send(relay, 'dbx-hold', 'signature_request_all_signed', 'c'.repeat(40));
	await sleep(700);
	expect(delivered('c'.repeat(40))).toEqual([]);
	await waitFor(() => delivered('c'.repeat(40)).length === 1, 8_000, 'the bound');
	expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
	await sleep(1_000);
	expect(delivered('c'.repeat(40))).toEqual(['signature_request_all_signed']);
});

it('does not hold when the file-ready event came first, nor on a source without the option', async () => {
	const [relay] = relays;
	await send(relay, 'dbx-hold', 'signature_request_downloadable', 'd'.repeat(40));
	await send(relay, 'dbx-hold', 'signature_request_all_signed', 'd'.repeat(40));
	await send(relay, 'dbx-plain', 'signature_request_all_signed', 'e'.repeat(40));
	await waitFor(() => delivered('d'.repeat(40)).length === 2 && delivered('e'.repeat(40)).length === 1, 1_000, 'unheld deliveries');
	expect(delivered('d'.repeat(40))).toEqual(['signature_request_downloadable', 'signature_request_all_signed']);
});

it('survives the relay that held it: another relay releases it on the file-ready event', async () => {
	const [first] = relays;
	await send(first, 'dbx-hold', 'signature_request_all_signed', 'f'.repeat(40));
	await first.stop();
	relays.shift();
	const second = await startRelay(prefix, { sources, fanoutLeaseMs: '600ms' });
	relays.push(second);
	await send(second, 'dbx-hold', 'signature_request_downloadable', 'f'.repeat(40));
	await waitFor(() => delivered('f'.repeat(40)).length === 2, 5_000, 'released by the second relay');
	// Both released together; deliveries to one subscription run in parallel, so either may arrive first.
	expect([...delivered('f'.repeat(40))].sort()).toEqual(['signature_request_all_signed', 'signature_request_downloadable']);
});

it('validates the option', () => {
	const base = { redisPrefix: prefix, apiToken: 'x'.repeat(24) };
	const source = (holdCompletion: Record<string, unknown>) => ({ ...base, sources: [{ id: 's', type: 'dropbox-sign', secrets: ['k'], holdCompletion: holdCompletion as { maxWait?: string } }] });
	expect(loadConfig({}, source({})).sources[0].holdCompletion).toEqual({ maxWaitMs: 600_000 });
	expect(() => loadConfig({}, source({ maxWait: '2d' }))).toThrow(/holdCompletion.maxWait is 1s to 24h/);
	expect(() => loadConfig({}, source({ maxWiat: '1m' }))).toThrow(/maxWiat/);
});
