/** Configuration loading, retry timing and target rules: pure logic, no Redis. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ConfigError, loadConfig, parseDuration } from '../src/config';
import { parseRetryAfter, retryDelay } from '../src/retry';
import { parseTargetRules, refusal } from '../src/targets';

describe('loadConfig', () => {
	it('works with no configuration at all: loopback, local Redis, safe defaults', () => {
		const config = loadConfig({});
		expect(config).toMatchObject({
			host: '127.0.0.1',
			port: 8787,
			redisUrl: 'redis://127.0.0.1:6379',
			redisPrefix: 'esign-relay:',
			bodyLimitBytes: 1024 * 1024,
			maxInFlight: 4,
			sources: [],
			strictDurability: false,
		});
		expect(config.dedupWindowMs).toBeGreaterThanOrEqual(24 * 3_600_000);
		const total = config.retrySchedule.reduce((sum, delay) => sum + delay, 0);
		expect(total).toBeGreaterThan(20 * 3_600_000);
		expect(total).toBeLessThan(36 * 3_600_000);
	});

	it('reads RELAY_* variables, sources as JSON and a JSON file, env over file', () => {
		const dir = mkdtempSync(join(tmpdir(), 'relay-config-'));
		const file = join(dir, 'relay.json');
		writeFileSync(file, JSON.stringify({ port: 9000, maxInFlight: 8, sources: [{ id: 'sn', type: 'signnow', secrets: ['a'] }] }));
		const config = loadConfig({
			RELAY_CONFIG_FILE: file,
			RELAY_PORT: '9100',
			RELAY_RETRY_SCHEDULE: '1s,2m,3h',
			RELAY_BODY_LIMIT: '256kb',
			RELAY_ALLOWED_TARGETS: 'loopback,n8n.internal',
		});
		expect(config.port).toBe(9100);
		expect(config.maxInFlight).toBe(8);
		expect(config.sources).toEqual([{ id: 'sn', type: 'signnow', secrets: ['a'] }]);
		expect(config.retrySchedule).toEqual([1_000, 120_000, 10_800_000]);
		expect(config.bodyLimitBytes).toBe(256 * 1024);
	});

	it.each([
		[{ RELAY_PORT: 'eighty' }, /RELAY_PORT/],
		[{ RELAY_SOURCES: '[{"id":"x","type":"nosuch","secrets":["a"]}]' }, /unknown provider type.*signnow/],
		[{ RELAY_SOURCES: '[{"id":"x","type":"signnow","secrets":[]}]' }, /at least one secret/],
		[{ RELAY_SOURCES: 'not json' }, /RELAY_SOURCES is not valid JSON/],
		[{ RELAY_SOURCES: '[{"id":"a","type":"signnow","secrets":["s"]},{"id":"a","type":"signnow","secrets":["t"]}]' }, /appears twice/],
		[{ RELAY_RETRY_SCHEDULE: '5s,soon' }, /RELAY_RETRY_SCHEDULE.*"soon" is not a duration/],
		[{ RELAY_API_TOKEN: 'short' }, /RELAY_API_TOKEN must be at least 16/],
		[{ RELAY_ALLOWED_TARGETS: 'not a rule!' }, /RELAY_ALLOWED_TARGETS/],
		[{ RELAY_REDIS_URL: 'http://localhost' }, /RELAY_REDIS_URL must start with redis/],
		[{ RELAY_CONFIG_FILE: '/nonexistent/relay.json' }, /Cannot read RELAY_CONFIG_FILE/],
		[{ RELAY_SOURCES: '[{"id":"sb","type":"standard-webhooks","secrets":["whsec_AA=="],"options":{"headers":{"id":"bad header!"}}}]' }, /options.*header name/],
		[{ RELAY_REDIS_SENTINEL_TLS: 'true' }, /RELAY_REDIS_SENTINEL_TLS: only means something with RELAY_REDIS_SENTINELS/],
		[{ RELAY_REDIS_URL: 'rediss://redis.internal:6380', RELAY_REDIS_TLS_CA_FILE: '/nonexistent/ca.pem' }, /RELAY_REDIS_TLS_CA_FILE: cannot read/],
	])('rejects %p with an actionable message', (env, message) => {
		expect(() => loadConfig(env)).toThrow(ConfigError);
		expect(() => loadConfig(env)).toThrow(message);
	});

	it('takes a Cluster with a prefix without a hash tag (the keys carry their own) or with one (warned at start-up)', () => {
		expect(loadConfig({ RELAY_REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).redisPrefix).toBe('esign-relay:');
		expect(loadConfig({ RELAY_REDIS_CLUSTER_NODES: '127.0.0.1:7000', RELAY_REDIS_PREFIX: '{esign-relay}:' }).redisPrefix).toBe('{esign-relay}:');
	});

	it('reads the Sentinel credentials and TLS settings', () => {
		const config = loadConfig({
			RELAY_REDIS_URL: 'rediss://:data-password@ignored:6380',
			RELAY_REDIS_SENTINELS: '10.0.0.1:26379,10.0.0.2:26379',
			RELAY_REDIS_SENTINEL_USERNAME: 'sentinel-user',
			RELAY_REDIS_SENTINEL_PASSWORD: 'sentinel-password',
			RELAY_REDIS_SENTINEL_TLS: 'true',
		});
		expect(config).toMatchObject({
			redisSentinelUsername: 'sentinel-user',
			redisSentinelPassword: 'sentinel-password',
			redisSentinelTls: true,
		});
	});

	it('parses durations', () => {
		expect(parseDuration('1500ms')).toBe(1500);
		expect(parseDuration('2h')).toBe(7_200_000);
		expect(parseDuration('250')).toBe(250);
		expect(() => parseDuration('2 weeks')).toThrow(/not a duration/);
	});
});

describe('retry timing', () => {
	it('follows the schedule, spreads by the jitter, and never retries before Retry-After', () => {
		const schedule = [5_000, 300_000];
		expect(retryDelay(schedule, 0, 1)).toBe(5_000);
		expect(retryDelay(schedule, 0, 2)).toBe(300_000);
		expect(retryDelay(schedule, 0.2, 1, 0, () => 0)).toBe(4_000);
		expect(retryDelay(schedule, 0.2, 1, 0, () => 0.999999)).toBe(6_000);
		expect(retryDelay(schedule, 0, 1, 60_000)).toBe(60_000);
	});

	it('reads Retry-After as seconds or an HTTP date', () => {
		expect(parseRetryAfter('3')).toBe(3_000);
		expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
		expect(parseRetryAfter('whenever')).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
	});
});

describe('target rules', () => {
	const defaults = parseTargetRules(['loopback', 'private']);

	it('allows loopback and private networks by default, nothing public', () => {
		expect(refusal(defaults, '127.0.0.1', '127.0.0.1')).toBeNull();
		expect(refusal(defaults, 'localhost', '::1')).toBeNull();
		expect(refusal(defaults, 'n8n', '10.0.3.4')).toBeNull();
		expect(refusal(defaults, 'n8n', '172.20.0.5')).toBeNull();
		expect(refusal(defaults, 'n8n', '::ffff:192.168.1.9')).toBeNull();
		expect(refusal(defaults, 'example.com', '93.184.216.34')).toMatch(/not in RELAY_ALLOWED_TARGETS/);
	});

	it('refuses link-local and metadata addresses even when everything is allowed', () => {
		const any = parseTargetRules(['*']);
		expect(refusal(any, 'example.com', '93.184.216.34')).toBeNull();
		expect(refusal(any, '169.254.169.254', '169.254.169.254')).toMatch(/link-local or metadata/);
		expect(refusal(any, 'x', 'fe80::1')).toMatch(/link-local/);
		expect(refusal(any, 'x', 'fd00:ec2::254')).toMatch(/metadata/);
		expect(refusal(any, 'metadata.google.internal', '10.0.0.1')).toMatch(/metadata/);
		expect(refusal(any, 'x', '::ffff:169.254.169.254')).toMatch(/link-local/);
	});

	it('matches host names, domain suffixes and CIDRs', () => {
		const rules = parseTargetRules(['n8n.example.com', '*.internal.example', '203.0.113.0/24']);
		expect(refusal(rules, 'n8n.example.com', '198.51.100.1')).toBeNull();
		expect(refusal(rules, 'a.internal.example', '198.51.100.2')).toBeNull();
		expect(refusal(rules, 'other.example.com', '203.0.113.77')).toBeNull();
		expect(refusal(rules, 'other.example.com', '203.0.114.1')).not.toBeNull();
		expect(() => parseTargetRules(['10.0.0.0/33'])).toThrow(/prefix/);
	});
});
