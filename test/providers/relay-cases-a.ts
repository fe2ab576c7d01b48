/**
 * The same relay scenarios for every provider of this group (Documenso, DocuSeal, Dropbox Sign,
 * DocuSign): a real relay on a unique Redis prefix, a real subscriber, callbacks signed the way
 * the provider signs them, posted over HTTP to /ingest/:source.
 */
import { cleanRedis, Sink, startRelay, TOKEN, uniquePrefix } from '../../relay/test/helpers';
import type { Relay } from '../../relay/src/app';

export interface SignedCallback {
	body: Buffer | string;
	headers: Record<string, string>;
}

export interface ProviderRelayCase {
	provider: string;
	source: { id: string; type: string; secrets: string[]; options?: unknown };
	/** A valid callback for a fresh event; `attempt` > 0 is the provider's retry of the same event. */
	valid(attempt: number): SignedCallback;
	tampered(): SignedCallback;
	wrongSecret(): SignedCallback;
	stale(): SignedCallback;
	malformed(): SignedCallback;
	expected: { type: string; documentId: string; providerEvent: string };
	/** The exact acknowledgement body the provider requires, when it requires one. */
	acknowledgement?: string;
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = probe();
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error('timed out waiting for the relay');
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

export function describeRelayCase(relayCase: ProviderRelayCase): void {
	describe(`${relayCase.provider} callbacks through the relay`, () => {
		let prefix: string;
		let relay: Relay;
		let sink: Sink;

		beforeEach(async () => {
			prefix = uniquePrefix(relayCase.provider);
			relay = await startRelay(prefix, { sources: [relayCase.source] });
			sink = await new Sink().start();
			const created = await fetch(`${relay.url}/v1/subscriptions`, {
				method: 'POST',
				headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
				body: JSON.stringify({ url: sink.url, providers: [relayCase.provider] }),
			});
			expect(created.status).toBe(201);
		});

		afterEach(async () => {
			await relay.stop();
			await sink.close();
			await cleanRedis(prefix);
		});

		async function post(callback: SignedCallback) {
			const response = await fetch(`${relay.url}/ingest/${relayCase.source.id}`, {
				method: 'POST',
				headers: callback.headers,
				body: callback.body,
			});
			return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
		}

		it('accepts a valid callback, answers as the provider requires, and delivers the normalized event', async () => {
			const answer = await post(relayCase.valid(0));
			expect(answer.status).toBe(200);
			if (relayCase.acknowledgement !== undefined) expect(answer.body).toBe(relayCase.acknowledgement);
			const delivered = await waitFor(() => sink.received[0]);
			const event = JSON.parse(delivered.body) as Record<string, unknown>;
			expect(event).toMatchObject({ provider: relayCase.provider, source: relayCase.source.id, ...relayCase.expected });
			expect(delivered.headers['webhook-id']).toBe(`${relayCase.source.id}:${String(event.id)}`);
			expect(String(delivered.headers['webhook-signature'])).toMatch(/^v1,/);
		});

		it('deduplicates the provider\'s retries of the same event', async () => {
			expect((await post(relayCase.valid(0))).status).toBe(200);
			expect((await post(relayCase.valid(1))).status).toBe(200);
			expect((await post(relayCase.valid(2))).status).toBe(200);
			await waitFor(() => sink.received[0]);
			// Give a (wrong) second delivery time to arrive before counting.
			await new Promise((resolve) => setTimeout(resolve, 500));
			expect(sink.received).toHaveLength(1);
		});

		it.each([
			['tampered', 401],
			['wrongSecret', 401],
			['stale', 401],
			['malformed', 400],
		] as const)('rejects a %s callback with %i and delivers nothing', async (kind, status) => {
			const answer = await post(relayCase[kind]());
			expect(answer.status).toBe(status);
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(sink.received).toHaveLength(0);
		});
	});
}
