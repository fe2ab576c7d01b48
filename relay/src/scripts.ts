/**
 * Lua scripts sent by SHA (EVALSHA) so the hot path does not ship the script text with every
 * request; falls back to EVAL once when Redis does not know the script yet (or was restarted).
 */
import { createHash } from 'node:crypto';

import type { RedisClient } from './redis';

export class Script {
	private readonly sha: string;

	constructor(
		private readonly source: string,
		private readonly keyCount: number,
	) {
		this.sha = createHash('sha1').update(source).digest('hex');
	}

	async run(client: RedisClient, ...keysAndArgs: Array<string | number>): Promise<unknown> {
		try {
			return await client.evalsha(this.sha, this.keyCount, ...keysAndArgs);
		} catch (error) {
			if (!String((error as Error).message).includes('NOSCRIPT')) throw error;
			return client.eval(this.source, this.keyCount, ...keysAndArgs);
		}
	}
}
