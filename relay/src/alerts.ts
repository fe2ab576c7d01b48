/**
 * Operational alerts to a Slack-compatible webhook (`POST {"text": "..."}`,
 * RELAY_ALERT_WEBHOOK_URL): a delivery dead-lettered, a source's rejections over
 * RELAY_ALERT_REJECTIONS_PER_MINUTE in one minute, a subscription's circuit breaker opened, a
 * reconciliation sweep that could not ask the provider.
 *
 * - **Once across processes**: each alert has a key (kind + subject: the subscription, the
 *   source); `SET NX PX <RELAY_ALERT_DEDUP_WINDOW>` on it decides which process sends it, and
 *   the same alert is not sent again within the window.
 * - **Rate-limited**: at most RELAY_ALERT_MAX_PER_MINUTE alerts per minute over all processes
 *   (one Redis counter per minute); the rest are dropped and counted (`relay_alerts_total`).
 * - **Never in the way**: callers only push to a bounded in-memory queue (no await, no throw);
 *   one background loop sends, with a 5 s timeout. Rejections are counted in memory and added
 *   to Redis once a second, so a flood of bad requests costs Redis one command a second.
 * - **Same target rules as deliveries**: the URL must pass RELAY_ALLOWED_TARGETS and the
 *   metadata/link-local refusals (targets.ts) at start-up and on the address connected to at
 *   every send (DNS rebinding).
 * - The URL is a secret (Slack's carries its token): it is never logged.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import type { Logger } from 'pino';

import type { RelayConfig } from './config';
import type { Metrics } from './metrics';
import type { Keys, RedisClient } from './redis';
import { checkTargetUrl, guardedLookup, refusalForLiteral } from './targets';

export type AlertKind = 'dead_letter' | 'rejections' | 'breaker_open' | 'reconcile_failed';

const QUEUE_LIMIT = 100;
const SEND_TIMEOUT_MS = 5_000;
const FLUSH_MS = 1_000;

export class Alerts {
	private readonly url: URL | undefined;
	private readonly queue: Array<{ kind: AlertKind; subject: string; text: string }> = [];
	private sending = false;
	private readonly rejections = new Map<string, number>();
	private flushTimer?: NodeJS.Timeout;
	private idle: Array<() => void> = [];

	constructor(
		private readonly config: RelayConfig,
		private readonly keys: Keys,
		private readonly redis: RedisClient,
		private readonly metrics: Metrics,
		private readonly logger: Logger,
	) {
		this.url = config.alertWebhookUrl ? new URL(config.alertWebhookUrl) : undefined;
	}

	get enabled(): boolean {
		return this.url !== undefined;
	}

	/** The reason the configured URL is refused (checked at start-up), or null. */
	async check(): Promise<string | null> {
		if (!this.url) return null;
		return checkTargetUrl(this.config.allowedTargets, this.url);
	}

	start(): void {
		if (!this.url) return;
		this.flushTimer = setInterval(() => void this.flushRejections(), FLUSH_MS);
		this.flushTimer.unref();
	}

	/** Queues an alert; returns at once, whatever happens to it. */
	notify(kind: AlertKind, subject: string, text: string): void {
		if (!this.url) return;
		if (this.queue.length >= QUEUE_LIMIT) {
			this.metrics.alerts.inc({ kind, outcome: 'rate_limited' });
			return;
		}
		this.queue.push({ kind, subject, text });
		if (!this.sending) void this.pump();
	}

	deadLettered(subscriptionId: string, deliveryId: string, attempts: number, error: string): void {
		this.notify(
			'dead_letter',
			subscriptionId,
			`esign-relay: delivery ${deliveryId} to subscription ${subscriptionId} was dead-lettered after ${attempts} attempt(s) (${error}). ` +
				'Replay with POST /v1/dead-letter/replay once the target is fixed. Further dead letters of this subscription are not alerted for ' +
				`${Math.round(this.config.alertDedupWindowMs / 60_000)} min.`,
		);
	}

	breakerOpened(subscriptionId: string, error: string): void {
		this.notify(
			'breaker_open',
			subscriptionId,
			`esign-relay: the circuit breaker of subscription ${subscriptionId} opened after ${this.config.circuitFailureThreshold} consecutive failures (last: ${error}); ` +
				`its deliveries wait and are probed every ${Math.round(this.config.circuitCooldownMs / 1000)} s.`,
		);
	}

	reconcileFailed(source: string, error: string): void {
		this.notify('reconcile_failed', source, `esign-relay: the reconciliation sweep of source ${source} could not ask the provider (${error}); it is tried again at the next interval.`);
	}

	/** Counts one rejected webhook of a source (in memory; added up across processes each second). */
	rejected(source: string): void {
		if (!this.url) return;
		this.rejections.set(source, (this.rejections.get(source) ?? 0) + 1);
	}

	private async flushRejections(): Promise<void> {
		if (this.rejections.size === 0) return;
		const minute = Math.floor(Date.now() / 60_000);
		const counts = [...this.rejections.entries()];
		this.rejections.clear();
		for (const [source, count] of counts) {
			try {
				const key = this.keys.alertCount(`rejections:${source}:${minute}`);
				const total = await this.redis.incrby(key, count);
				if (total === count) await this.redis.pexpire(key, 120_000);
				if (total > this.config.alertRejectionsPerMinute) {
					this.notify(
						'rejections',
						source,
						`esign-relay: source ${source} rejected ${total} webhooks in the last minute (threshold ${this.config.alertRejectionsPerMinute}): ` +
							'a rotated secret not configured, a misconfigured provider, or someone probing /ingest. See relay_events_rejected_total{reason} in /metrics.',
					);
				}
			} catch (error) {
				this.logger.debug({ err: error, source }, 'alerts: could not count rejections');
			}
		}
	}

	private async pump(): Promise<void> {
		this.sending = true;
		try {
			for (let next = this.queue.shift(); next; next = this.queue.shift()) await this.deliver(next.kind, next.subject, next.text);
		} finally {
			this.sending = false;
			for (const resolve of this.idle.splice(0)) resolve();
		}
	}

	private async deliver(kind: AlertKind, subject: string, text: string): Promise<void> {
		try {
			const sentKey = this.keys.alertSent(`${kind}:${subject}`);
			const first = await this.redis.set(sentKey, String(Date.now()), 'PX', this.config.alertDedupWindowMs, 'NX');
			if (!first) {
				this.metrics.alerts.inc({ kind, outcome: 'deduplicated' });
				return;
			}
			const bucket = this.keys.alertCount(`sent:${Math.floor(Date.now() / 60_000)}`);
			const sent = await this.redis.incr(bucket);
			if (sent === 1) await this.redis.pexpire(bucket, 120_000);
			if (sent > this.config.alertMaxPerMinute) {
				// Not sent: let a later occurrence of this alert try again.
				await this.redis.del(sentKey);
				this.metrics.alerts.inc({ kind, outcome: 'rate_limited' });
				return;
			}
			const status = await this.post(text);
			const ok = status >= 200 && status < 300;
			this.metrics.alerts.inc({ kind, outcome: ok ? 'sent' : 'failed' });
			if (!ok) this.logger.warn({ kind, subject, status }, 'alert webhook did not accept the alert');
		} catch (error) {
			this.metrics.alerts.inc({ kind, outcome: 'failed' });
			// The error's code or message, never the URL (it is a secret).
			this.logger.warn({ kind, subject, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message }, 'could not send an alert');
		}
	}

	private post(text: string): Promise<number> {
		const url = this.url!;
		const refused = refusalForLiteral(this.config.allowedTargets, url);
		if (refused) return Promise.reject(new Error(`alert target refused: ${refused}`));
		const body = Buffer.from(JSON.stringify({ text }));
		return new Promise<number>((resolve, reject) => {
			const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'esign-relay/0.1 (alerts)' },
				lookup: guardedLookup(this.config.allowedTargets) as never,
				timeout: SEND_TIMEOUT_MS,
			});
			request.on('timeout', () => request.destroy(new Error('timeout')));
			request.on('error', reject);
			request.on('response', (response) => {
				response.resume();
				resolve(response.statusCode ?? 0);
			});
			request.end(body);
		});
	}

	/** Resolves when the queue is empty (tests, shutdown). */
	async drain(): Promise<void> {
		await this.flushRejections();
		if (!this.sending && this.queue.length === 0) return;
		await new Promise<void>((resolve) => this.idle.push(resolve));
	}

	async stop(): Promise<void> {
		if (this.flushTimer) clearInterval(this.flushTimer);
		await Promise.race([this.drain(), new Promise((resolve) => setTimeout(resolve, SEND_TIMEOUT_MS).unref())]);
	}
}
