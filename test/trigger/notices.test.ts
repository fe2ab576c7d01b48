/** The trigger says in its UI what a captured delivery and Dropbox Sign's event_hash allow (issue 12). */
import { triggerProperties } from '../../nodes/ESignTrigger/description';
import { eventToItem } from '../../nodes/ESignTrigger/output';

const notices = triggerProperties.filter((property) => property.type === 'notice');

describe('trigger notices', () => {
	it('tells how to deduplicate replays downstream, on a field the trigger really outputs', () => {
		const replay = notices.find((notice) => notice.displayName.includes('Remove Duplicates'));
		expect(replay).toBeDefined();
		expect(replay?.displayName).toContain('5 minutes');
		expect(replay?.displayName).toContain('Remove Items Processed in Previous Executions');
		const field = /\{\{ \$json\.(\w+) \}\}/.exec(replay?.displayName ?? '')?.[1];
		// Not eventId: two sources (accounts) can number their events alike, and deduplicating on
		// the bare id would drop the second account's genuine event.
		expect(field).toBe('webhookId');
		const item = eventToItem({
			id: 'evt_1',
			provider: 'signnow',
			type: 'document.completed',
			providerEvent: 'document.complete',
			documentId: 'd',
			occurredAt: '2026-01-01T00:00:00.000Z',
			payload: {},
		});
		expect(item.json[field as string]).toBe('evt_1');
		const viaRelay = eventToItem({
			id: 'evt_1',
			provider: 'signnow',
			type: 'document.completed',
			providerEvent: 'document.complete',
			documentId: 'd',
			occurredAt: '2026-01-01T00:00:00.000Z',
			payload: {},
			source: 'account-b',
		});
		expect(viaRelay.json[field as string]).toBe('account-b:evt_1');
	});

	it('says what event_hash does not cover where Attach Signed PDF uses Dropbox Sign', () => {
		const dropbox = notices.find((notice) => notice.displayName.includes('event_hash'));
		expect(dropbox?.displayName).toMatch(/time and type/);
		expect(dropbox?.displayName).toContain('Attach Signed PDF');
		expect(dropbox?.displayOptions?.show).toEqual({ mode: ['relay'], attachSignedPdf: [true], provider: ['dropbox-sign'] });
	});
});
