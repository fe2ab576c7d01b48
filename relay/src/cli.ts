#!/usr/bin/env node
/**
 * `esign-relay`: starts the relay from the environment and stops it cleanly on SIGTERM/SIGINT;
 * `esign-relay token …` manages subscriber tokens (token-command.ts).
 */
import { Relay, StartupError } from './app';
import { ConfigError, loadConfig } from './config';
import { tokenCommand } from './token-command';

function fail(message: string): never {
	process.stderr.write(`esign-relay: ${message}\n`);
	process.exit(1);
}

async function main(): Promise<void> {
	let config;
	try {
		config = loadConfig(process.env);
	} catch (error) {
		if (error instanceof ConfigError) fail(error.message);
		throw error;
	}
	if (process.argv[2] === 'token') {
		process.exitCode = await tokenCommand(process.argv.slice(3), config, {
			out: (text) => process.stdout.write(text),
			err: (text) => process.stderr.write(text),
		});
		return;
	}
	const relay = new Relay(config);
	try {
		await relay.start();
	} catch (error) {
		if (error instanceof StartupError) fail(error.message);
		fail((error as Error).message);
	}
	if (relay.tokenGenerated) {
		// Printed once, to the operator's terminal, not into the JSON log stream.
		process.stderr.write(
			`\nesign-relay: no RELAY_API_TOKEN set; the admin API token (shared by every relay on this Redis prefix) is:\n\n    ${relay.apiToken}\n\nSet RELAY_API_TOKEN to choose your own.\n\n`,
		);
	}
	let signals = 0;
	const shutdown = (signal: string) => {
		signals += 1;
		if (signals > 1) {
			relay.logger.warn({ signal }, 'second signal: exiting now');
			process.exit(1);
		}
		relay.logger.info({ signal }, 'shutting down: no new requests, finishing in-flight work');
		relay.stop().then(
			() => process.exit(0),
			(error) => {
				relay.logger.error({ err: error }, 'error during shutdown');
				process.exit(1);
			},
		);
	};
	// Every acknowledged event is in Redis, so one failed operation nobody awaited (a bug) must
	// not take the process, and with it every in-flight delivery, down: log it and carry on.
	process.on('unhandledRejection', (reason) => {
		relay.logger.error({ err: reason }, 'unhandled promise rejection (a bug: please report it); the relay keeps running');
	});
	process.on('SIGTERM', () => shutdown('SIGTERM'));
	process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => fail(String((error as Error)?.stack ?? error)));
