/**
 * 4. The provider sends 30 % of its events again (same event, new request; a third of
 * those several times at once, the rest later): every request is acknowledged and every
 * event executed exactly once per subscription.
 */
import { randomBytes } from 'node:crypto';

import { drainAndTally, expectNoLossNoDuplicate } from '../harness/drain';
import { isAck, sendAll, sendOne, type SendResult } from '../harness/load';
import { makeEvents, type GeneratedEvent } from '../harness/provider';
import { recordRow } from '../harness/results';
import { SCALE } from '../harness/scale';
import { World } from '../harness/world';
import { Agent } from 'node:http';

let world: World;

beforeAll(async () => {
	world = await World.create({ label: 'resends', sinks: [{ name: 'n8n-a' }, { name: 'n8n-b' }] });
});

afterAll(async () => {
	await world?.close();
});

test('30 % of events sent again, some concurrently: zero duplicate deliveries', async () => {
	const run = randomBytes(3).toString('hex');
	const half = Math.floor(SCALE.resendEvents / 2);
	const events = [
		...makeEvents(world.signnow, `s4-${run}-sn`, half),
		...makeEvents(world.standard, `s4-${run}-sw`, SCALE.resendEvents - half),
	];
	world.ledger.addSent(events);
	const again = events.filter((_, i) => i % 10 < 3);
	const concurrentAgain = again.filter((_, i) => i % 3 === 0);
	const laterAgain = again.filter((_, i) => i % 3 !== 0);
	const target = () => world.relay.baseUrl;

	const agent = new Agent({ keepAlive: true, maxSockets: 64 });
	// The concurrent ones: three identical requests at the same instant, beside the main stream.
	const concurrent = (async () => {
		const results: SendResult[] = [];
		for (let i = 0; i < concurrentAgain.length; i += 8) {
			const batch = concurrentAgain.slice(i, i + 8);
			const answers = await Promise.all(
				batch.flatMap((event) => [0, 1, 2].map(() => sendOne(target(), event, agent))),
			);
			results.push(...answers);
		}
		return results;
	})();
	const main = await sendAll(
		events.filter((event) => !concurrentAgain.includes(event)),
		{ concurrency: 32, ratePerSecond: 500, target },
	);
	const concurrentResults = await concurrent;
	// The later ones: sent again once the first copy has been acknowledged (a provider retry
	// after a lost answer); Standard Webhooks resends carry a fresh timestamp and signature.
	const later = await sendAll(laterAgain as GeneratedEvent[], { concurrency: 16, target });
	agent.destroy();

	const all = [...main, ...concurrentResults, ...later];
	world.ledger.addResults(all);
	const resent = await world.resendStalled(all);
	const { tally } = await drainAndTally(world, { timeoutMs: 120_000, quietMs: 3000 });
	recordRow({
		scenario: '4 provider resends 30 %',
		...tally,
		notes: `${all.length} requests for ${events.length} events (${concurrentAgain.length} sent 3× at once, ${laterAgain.length} resent later), 2 subscriptions; ${all.filter(isAck).length} answered 2xx${world.stallNote(all)}`,
	});

	expect(world.unexplained([...all, ...resent]).map((r) => `${r.key}: ${r.status} ${r.error ?? r.body ?? ''}`)).toEqual([]);
	expect(tally.acknowledged).toBe(events.length);
	expect(tally.delivered).toBe(events.length * world.sinks.length);
	expectNoLossNoDuplicate(world, tally, false);
});
