/** The count of ingest requests in flight that the fan-out and the dispatcher make room for. */
import { IngestPressure } from '../src/ingest-pressure';

it('is busy while any ingest request is in flight, and calls back once when the last one ends', () => {
	const pressure = new IngestPressure();
	const calls: string[] = [];
	pressure.onCalm(() => calls.push('idle at once'));
	expect(calls).toEqual(['idle at once']);

	pressure.begin();
	pressure.begin();
	expect(pressure.busy).toBe(true);
	pressure.onCalm(() => calls.push('calm'));
	pressure.end();
	expect(pressure.busy).toBe(true);
	expect(calls).toEqual(['idle at once']);
	pressure.end();
	expect(pressure.busy).toBe(false);
	expect(calls).toEqual(['idle at once', 'calm']);

	// Called once only: a later quiet moment does not call it again.
	pressure.begin();
	pressure.end();
	expect(calls).toEqual(['idle at once', 'calm']);
});
