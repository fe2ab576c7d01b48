/** The `reconcile` settings of a source and the alert settings: validated at start-up, secrets never echoed. */
import { ConfigError, loadConfig } from '../src/config';

const TOKEN = 'a-provider-access-token-never-echoed';

function sources(reconcile: Record<string, unknown>, type = 'docusign', options?: Record<string, unknown>): string {
	return JSON.stringify([{ id: 'acct', type, secrets: ['k'], reconcile, options }]);
}

function refusal(env: Record<string, string>): string {
	try {
		loadConfig(env);
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return (error as Error).message;
	}
	throw new Error('the configuration was accepted');
}

describe('reconcile settings', () => {
	const docusign = { interval: '15m', baseUrl: 'https://demo.docusign.net', accountId: 'acc-guid', accessToken: TOKEN };

	it('off by default; accepted at the provider\'s polling limit, with a 5-minute overlap by default', () => {
		expect(loadConfig({ RELAY_SOURCES: JSON.stringify([{ id: 'a', type: 'docusign', secrets: ['k'] }]) }).sources[0].reconcile).toBeUndefined();
		const config = loadConfig({ RELAY_SOURCES: sources(docusign) });
		expect(config.sources[0].reconcile).toEqual({ ...docusign, interval: 900_000, overlap: 300_000 });
	});

	it('refuses an interval below the provider\'s published polling limit, naming it', () => {
		const message = refusal({ RELAY_SOURCES: sources({ ...docusign, interval: '14m' }) });
		expect(message).toContain('RELAY_SOURCES (source "acct", reconcile).interval');
		expect(message).toContain("shorter than docusign's polling limit of 15 min");
		expect(message).toContain('developers.docusign.com');
		expect(refusal({ RELAY_SOURCES: sources({ interval: '4m', baseUrl: 'https://api.signnow.com', accessToken: TOKEN }, 'signnow') })).toContain(
			"signnow's polling limit of 5 min",
		);
		expect(loadConfig({ RELAY_SOURCES: sources({ interval: '5m', baseUrl: 'https://api.signnow.com', accessToken: TOKEN }, 'signnow') }).sources).toHaveLength(1);
		expect(refusal({ RELAY_SOURCES: sources({ interval: '1m', baseUrl: 'https://api.hellosign.com', apiKey: TOKEN }, 'dropbox-sign') })).toContain(
			"dropbox-sign's polling limit of 5 min",
		);
		expect(refusal({ RELAY_SOURCES: sources({ interval: '5m', baseUrl: 'https://api.hellosign.com' }, 'dropbox-sign') })).toContain('reconcile.apiKey is required for Dropbox Sign');
	});

	it('refuses missing credential fields, unknown fields, a bad URL and types it cannot reconcile, never echoing the token', () => {
		const messages = [
			refusal({ RELAY_SOURCES: sources({ ...docusign, accountId: undefined }) }),
			refusal({ RELAY_SOURCES: sources({ ...docusign, accessToken: undefined }) }),
			refusal({ RELAY_SOURCES: sources({ ...docusign, accesToken: 'typo' }) }),
			refusal({ RELAY_SOURCES: sources({ ...docusign, baseUrl: 'demo.docusign.net' }) }),
			refusal({ RELAY_SOURCES: sources({ ...docusign, baseUrl: 'ftp://demo.docusign.net' }) }),
			refusal({ RELAY_SOURCES: sources(docusign, 'docuseal') }),
		];
		expect(messages[0]).toContain('reconcile.accountId is required for DocuSign');
		expect(messages[1]).toContain('reconcile.accessToken is required for DocuSign');
		expect(messages[2]).toMatch(/accesToken/);
		expect(messages[3]).toContain('reconcile.baseUrl must be an http(s) URL');
		expect(messages[4]).toContain('must start with http:// or https://');
		expect(messages[5]).toContain('cannot reconcile docuseal sources; it can reconcile docusign, signnow, dropbox-sign');
		for (const message of messages) expect(message).not.toContain(TOKEN);
	});

	it('refuses an interval plus overlap not shorter than the dedup window (a change could be reported twice)', () => {
		expect(refusal({ RELAY_DEDUP_WINDOW: '1h', RELAY_SOURCES: sources({ ...docusign, interval: '50m', overlap: '10m' }, 'docusign', { maxAgeSeconds: 1800 }) })).toContain(
			'interval + overlap must be shorter than RELAY_DEDUP_WINDOW',
		);
	});
});

describe('alert settings', () => {
	it('off by default, with a threshold, a dedup window and a rate limit', () => {
		expect(loadConfig({}).alertWebhookUrl).toBeUndefined();
		expect(loadConfig({})).toMatchObject({ alertRejectionsPerMinute: 50, alertDedupWindowMs: 900_000, alertMaxPerMinute: 10 });
		expect(
			loadConfig({
				RELAY_ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
				RELAY_ALERT_REJECTIONS_PER_MINUTE: '5',
				RELAY_ALERT_DEDUP_WINDOW: '1h',
				RELAY_ALERT_MAX_PER_MINUTE: '3',
			}),
		).toMatchObject({ alertRejectionsPerMinute: 5, alertDedupWindowMs: 3_600_000, alertMaxPerMinute: 3 });
		expect(refusal({ RELAY_ALERT_WEBHOOK_URL: 'not a url' })).toContain('RELAY_ALERT_WEBHOOK_URL');
		expect(refusal({ RELAY_ALERT_REJECTIONS_PER_MINUTE: '0' })).toContain('RELAY_ALERT_REJECTIONS_PER_MINUTE');
	});
});
