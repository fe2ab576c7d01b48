/**
 * The Standard Webhooks signing scheme (standardwebhooks.com): HMAC-SHA256 over
 * `${id}.${timestamp}.${body}` keyed with the base64 secret behind `whsec_`, sent as
 * `v1,<base64>` entries separated by spaces. The relay signs its deliveries with it and
 * the trigger node verifies them; providers such as Signbee sign their webhooks with it.
 */
import { createHmac, randomBytes } from 'node:crypto';

import { WebhookRejection, safeEqual } from '../webhook';

export const SECRET_PREFIX = 'whsec_';
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export interface StandardWebhookHeaders {
	id: string;
	timestamp: string;
	signature: string;
}

export const STANDARD_HEADER_NAMES: StandardWebhookHeaders = {
	id: 'webhook-id',
	timestamp: 'webhook-timestamp',
	signature: 'webhook-signature',
};

export function generateSecret(): string {
	return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export function secretKey(secret: string): Buffer {
	const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
	const key = Buffer.from(encoded, 'base64');
	if (key.length === 0) throw new Error('A Standard Webhooks secret must be base64 after "whsec_".');
	return key;
}

export function sign(secret: string, id: string, timestampSeconds: number, body: string | Buffer): string {
	const digest = createHmac('sha256', secretKey(secret))
		.update(`${id}.${timestampSeconds}.`)
		.update(body)
		.digest('base64');
	return `v1,${digest}`;
}

/** The three headers for a signed request, under the standard names. */
export function signedHeaders(
	secret: string,
	id: string,
	timestampSeconds: number,
	body: string | Buffer,
): Record<string, string> {
	return {
		[STANDARD_HEADER_NAMES.id]: id,
		[STANDARD_HEADER_NAMES.timestamp]: String(timestampSeconds),
		[STANDARD_HEADER_NAMES.signature]: sign(secret, id, timestampSeconds, body),
	};
}

export interface VerifyInput {
	id: string | undefined;
	timestamp: string | undefined;
	signature: string | undefined;
	body: Buffer;
}

/** Throws a `WebhookRejection` unless one of `secrets` signed this message inside the window. */
export function verifySignature(
	input: VerifyInput,
	secrets: readonly string[],
	nowMs: number,
	toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): void {
	if (!input.id || !input.timestamp || !input.signature) {
		throw new WebhookRejection(
			'missing_signature',
			'The id, timestamp and signature headers of the Standard Webhooks scheme are required.',
		);
	}
	if (!/^\d{1,12}$/.test(input.timestamp)) {
		throw new WebhookRejection('bad_signature', 'The webhook timestamp is not a number of seconds.');
	}
	const timestamp = Number(input.timestamp);
	if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) {
		throw new WebhookRejection(
			'stale_timestamp',
			`The webhook timestamp is more than ${toleranceSeconds} seconds away from now.`,
		);
	}
	const offered = input.signature
		.split(' ')
		.filter((entry) => entry.startsWith('v1,'))
		.map((entry) => Buffer.from(entry.slice(3), 'base64'));
	for (const secret of secrets) {
		const expected = Buffer.from(sign(secret, input.id, timestamp, input.body).slice(3), 'base64');
		if (offered.some((candidate) => safeEqual(candidate, expected))) return;
	}
	throw new WebhookRejection('bad_signature', 'No webhook signature matches a configured secret.');
}
