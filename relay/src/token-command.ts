/**
 * `esign-relay token create|list|revoke`: subscriber tokens managed straight in Redis (the
 * same RELAY_REDIS_* and RELAY_REDIS_PREFIX as the relay), so no relay needs to be running
 * and no admin token needs to be at hand on the machine that runs it.
 */
import { parseArgs } from 'node:util';

import type { RelayConfig } from './config';
import { Keys, connect, createRedis } from './redis';
import { TokenStore, createTokenSchema } from './tokens';

export const TOKEN_USAGE = `Usage:
  esign-relay token create --name <name> [--max-subscriptions <n>]
  esign-relay token list
  esign-relay token revoke <token id>`;

export class UsageError extends Error {}

export interface Output {
	out(text: string): void;
	err(text: string): void;
}

async function run(store: TokenStore, args: string[], io: Output, defaultCap: number): Promise<number> {
	const [command, ...rest] = args;
	if (command === 'create') {
		const { values, positionals } = parseArgs({
			args: rest,
			options: { name: { type: 'string' }, 'max-subscriptions': { type: 'string' } },
			strict: true,
			allowPositionals: true,
		});
		if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
		const cap = values['max-subscriptions'];
		if (cap !== undefined && !/^\d+$/.test(cap)) throw new UsageError(`--max-subscriptions must be a whole number, not "${cap}"`);
		const parsed = createTokenSchema.safeParse({ name: values.name ?? '', maxSubscriptions: cap === undefined ? undefined : Number(cap) });
		if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => `--${issue.path.join('.') === 'maxSubscriptions' ? 'max-subscriptions' : issue.path.join('.')}: ${issue.message}`).join('; '));
		const { record, token } = await store.create(parsed.data);
		io.out(`Created subscriber token ${record.id} ("${record.name}", up to ${record.maxSubscriptions ?? defaultCap} subscriptions).\n`);
		io.out(`Put this in the E-Signature Relay credential in n8n; it is shown only now:\n\n    ${token}\n\n`);
		return 0;
	}
	if (command === 'list') {
		if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
		const tokens = await store.list();
		if (tokens.length === 0) {
			io.out('No subscriber tokens.\n');
			return 0;
		}
		const rows = tokens.map((token) => [token.id, token.name, `${token.subscriptions}/${token.maxSubscriptions ?? defaultCap}`, token.createdAt]);
		const header = ['ID', 'NAME', 'SUBSCRIPTIONS', 'CREATED'];
		const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
		for (const row of [header, ...rows]) io.out(`${row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd()}\n`);
		return 0;
	}
	if (command === 'revoke') {
		if (rest.length !== 1) throw new UsageError('give exactly one token id (see esign-relay token list)');
		if (!(await store.revoke(rest[0]))) {
			io.err(`esign-relay: no token ${rest[0]} (see esign-relay token list)\n`);
			return 1;
		}
		io.out(`Revoked ${rest[0]}. Its subscriptions stay until deleted with the admin token.\n`);
		return 0;
	}
	throw new UsageError(command ? `unknown token command "${command}"` : 'missing token command');
}

/** Runs one token command against the configured Redis; resolves to the exit code. */
export async function tokenCommand(args: string[], config: RelayConfig, io: Output): Promise<number> {
	const redis = createRedis(config, 'command');
	try {
		await connect(redis, config);
		return await run(new TokenStore(redis, new Keys(config.redisPrefix, { cluster: Boolean(config.redisClusterNodes) })), args, io, config.tokenMaxSubscriptions);
	} catch (error) {
		if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
			io.err(`esign-relay: ${(error as Error).message}\n${TOKEN_USAGE}\n`);
			return 2;
		}
		io.err(`esign-relay: ${(error as Error).message}\n`);
		return 1;
	} finally {
		redis.disconnect();
	}
}
