/** Delivery keys and Redis Cluster: one subscription's keys share a slot; subscriptions spread. */
import { SubscriptionKeys, deliveryId, parseDeliveryId } from '../src/delivery-store';

/** What Redis Cluster hashes: the part between the first "{" and the next "}", when not empty. */
function hashedPart(key: string): string {
	const open = key.indexOf('{');
	const close = open < 0 ? -1 : key.indexOf('}', open + 1);
	return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

it('tags every key of one subscription alike (one slot), and each subscription differently', () => {
	const tags = new Set<string>();
	for (let i = 0; i < 50; i += 1) {
		const id = `sub_${i.toString(16).padStart(24, '0')}`;
		const keys = new SubscriptionKeys('esign-relay:', id);
		const own = new Set([...keys.all, keys.job(deliveryId(id, 'signnow', 'evt_{1}'))].map(hashedPart));
		expect([...own]).toEqual([`d:${id}`]);
		tags.add([...own][0]);
	}
	expect(tags.size).toBe(50);
});

it('parses the delivery ids it makes, and refuses a source id that would make them ambiguous', () => {
	const id = deliveryId('sub_0a1b', 'signnow-eu_2', 'evt.with.dots');
	expect(id).toBe('sub_0a1b.signnow-eu_2.evt.with.dots');
	expect(parseDeliveryId(id)).toEqual({ subscriptionId: 'sub_0a1b', source: 'signnow-eu_2', eventId: 'evt.with.dots' });
	expect(() => deliveryId('sub_0a1b', 'sign.now', 'evt_1')).toThrow(/source id/);
	expect(parseDeliveryId('sub_0a1b.evt_only')).toBeUndefined();
});
