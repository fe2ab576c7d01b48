/**
 * Nothing that goes wrong at run time may end the process through an unhandled `error`
 * event: a listening server that runs out of file descriptors (EMFILE on accept), a Redis
 * connection that drops.
 */
import type { Server } from 'node:http';

import type { Relay } from '../src/app';
import { api, cleanRedis, startRelay, uniquePrefix } from './helpers';

const prefix = uniquePrefix('process-errors');
let relay: Relay;

beforeAll(async () => {
	relay = await startRelay(prefix);
});

afterAll(async () => {
	await relay.stop();
	await cleanRedis(prefix);
});

it('survives repeated server errors after it started listening (EMFILE on accept)', async () => {
	const server = (relay as unknown as { server: Server }).server;
	const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE', syscall: 'accept' });
	// The first error used to be taken by the listen() promise's one-shot listener; the second had none.
	expect(() => server.emit('error', emfile)).not.toThrow();
	expect(() => server.emit('error', emfile)).not.toThrow();
	expect((await api(relay, 'GET', '/v1/subscriptions')).status).toBe(200);
});

it('survives error events on each of its Redis connections', async () => {
	const connections = (relay as unknown as { connections(): Array<{ emit(event: string, error: Error): boolean; listenerCount(event: string): number }> }).connections();
	for (const connection of connections) {
		expect(connection.listenerCount('error')).toBeGreaterThan(0);
		expect(() => connection.emit('error', new Error('read ECONNRESET'))).not.toThrow();
	}
	expect((await api(relay, 'GET', '/v1/subscriptions')).status).toBe(200);
});
