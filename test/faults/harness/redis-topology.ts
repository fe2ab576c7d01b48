/**
 * Replicated Redis of the suite's own, on loopback: a Cluster (masters with one replica each,
 * built with `redis-cli --cluster create`) and a Sentinel set (one master, one replica, three
 * sentinels). Real processes, so failovers happen the way they happen in production: a
 * `SENTINEL FAILOVER` / `CLUSTER FAILOVER`, or `kill -9` of the master.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { RedisServer, redisCommand, type AppendFsync } from './redis-server';
import { freePort, settleWithin, waitFor } from './util';

const run = promisify(execFile);

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(): Promise<number> {
	for (;;) {
		const port = await freePort();
		if (port > 55_000) continue;
		const probe = await import('node:net');
		const busFree = await new Promise<boolean>((resolve) => {
			const server = probe.createServer();
			server.once('error', () => resolve(false));
			server.listen(port + 10_000, '127.0.0.1', () => server.close(() => resolve(true)));
		});
		if (busFree) return port;
	}
}

export async function redisCli(port: number, ...args: string[]): Promise<string> {
	const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 30_000 });
	return stdout.trim();
}

function infoField(info: string, field: string): string | undefined {
	return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export class RedisClusterSet {
	private constructor(readonly nodes: RedisServer[]) {}

	/** `masters` masters with `replicasPerMaster` replicas each, slots spread evenly. */
	static async start(masters = 3, replicasPerMaster = 1, appendfsync: AppendFsync = 'everysec'): Promise<RedisClusterSet> {
		const count = masters * (1 + replicasPerMaster);
		const nodes: RedisServer[] = [];
		for (let i = 0; i < count; i++) {
			nodes.push(
				await RedisServer.start({
					port: await clusterPort(),
					appendfsync,
					// No 5 s wait before the first (diskless) sync of a replica.
					args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000', '--repl-diskless-sync-delay', '0'],
				}),
			);
		}
		const set = new RedisClusterSet(nodes);
		await run(
			'redis-cli',
			['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
			{ timeout: 60_000 },
		);
		await waitFor(
			'the cluster to report cluster_state:ok on every node',
			async () => {
				for (const node of nodes) if (infoField(await redisCli(node.port, 'CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false;
				return true;
			},
			30_000,
			200,
		);
		// A replica that has not finished its first sync has no data and never takes over.
		await waitFor(
			'every replica to finish its first sync',
			async () => {
				for (const node of nodes) {
					const info = await redisCli(node.port, 'INFO', 'replication');
					if (infoField(info, 'role') === 'slave' && infoField(info, 'master_link_status') !== 'up') return false;
				}
				return true;
			},
			30_000,
			100,
		);
		return set;
	}

	/** "host:port,…" as RELAY_REDIS_CLUSTER_NODES takes it. */
	get seeds(): string {
		return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
	}

	/** The ports of the nodes that are masters right now (and running). */
	async masters(): Promise<number[]> {
		const ports: number[] = [];
		for (const node of this.nodes) {
			if (!node.running) continue;
			const role = infoField(await redisCli(node.port, 'INFO', 'replication'), 'role');
			if (role === 'master') ports.push(node.port);
		}
		return ports;
	}

	/** The port of the master that owns `key`'s slot, as the cluster itself reports it. */
	async ownerOf(key: string): Promise<number> {
		const live = this.nodes.find((node) => node.running)!;
		const slot = Number(await redisCli(live.port, 'CLUSTER', 'KEYSLOT', key));
		// CLUSTER NODES: id addr flags master ping pong epoch link slot-range…
		for (const line of (await redisCli(live.port, 'CLUSTER', 'NODES')).split('\n')) {
			const fields = line.split(' ');
			if (!fields[2]?.includes('master') || fields[2].includes('fail')) continue;
			if (fields.slice(8).some((range) => inRange(range, slot))) return Number(fields[1].split(':')[1].split('@')[0]);
		}
		throw new Error(`no master owns slot ${slot} of ${key}`);
	}

	node(port: number): RedisServer {
		const node = this.nodes.find((candidate) => candidate.port === port);
		if (!node) throw new Error(`no cluster node on port ${port}`);
		return node;
	}

	/** Keys per master, to see how load spreads. */
	async keysPerMaster(): Promise<Record<number, number>> {
		const result: Record<number, number> = {};
		for (const port of await this.masters()) result[port] = Number(await redisCli(port, 'DBSIZE'));
		return result;
	}

	async waitHealthy(timeoutMs = 30_000): Promise<void> {
		await waitFor(
			'cluster_state:ok on every running node',
			async () => {
				for (const node of this.nodes) {
					if (!node.running) continue;
					if (infoField(await redisCli(node.port, 'CLUSTER', 'INFO'), 'cluster_state') !== 'ok') return false;
				}
				return true;
			},
			timeoutMs,
			200,
		);
	}

	async stop(): Promise<void> {
		await Promise.all(this.nodes.map((node) => node.stop()));
	}
}

function inRange(range: string, slot: number): boolean {
	if (range.startsWith('[')) return false; // a slot being migrated
	const [from, to] = range.split('-').map(Number);
	return slot >= from && slot <= (to ?? from);
}

/** One master, one replica and three sentinels watching them as `name`. */
export class RedisSentinelSet {
	private readonly sentinels: Array<{ port: number; child: ChildProcess; dir: string }> = [];

	private constructor(
		readonly master: RedisServer,
		readonly replica: RedisServer,
		readonly name: string,
	) {}

	static async start(name = 'mymaster', appendfsync: AppendFsync = 'everysec'): Promise<RedisSentinelSet> {
		const master = await RedisServer.start({ appendfsync });
		const replica = await RedisServer.start({ appendfsync, args: ['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-sync-delay', '0'] });
		const set = new RedisSentinelSet(master, replica, name);
		await waitFor(
			'the replica to finish its first sync',
			async () => infoField(await redisCli(replica.port, 'INFO', 'replication'), 'master_link_status') === 'up',
			30_000,
			100,
		);
		for (let i = 0; i < 3; i++) await set.startSentinel();
		await waitFor(
			'every sentinel to see the master, the replica and the other sentinels',
			async () => {
				for (const sentinel of set.sentinels) {
					const reply = await redisCli(sentinel.port, 'SENTINEL', 'MASTER', name);
					const fields = reply.split('\n');
					const value = (key: string) => fields[fields.indexOf(key) + 1];
					if (value('num-slaves') !== '1' || value('num-other-sentinels') !== '2') return false;
				}
				return true;
			},
			30_000,
			200,
		);
		return set;
	}

	private async startSentinel(): Promise<void> {
		const port = await freePort();
		const dir = mkdtempSync(join(tmpdir(), 'esign-faults-sentinel-'));
		const file = join(dir, 'sentinel.conf');
		writeFileSync(
			file,
			[
				`port ${port}`,
				'bind 127.0.0.1',
				'protected-mode no',
				`dir ${dir}`,
				`sentinel monitor ${this.name} 127.0.0.1 ${this.master.port} 2`,
				`sentinel down-after-milliseconds ${this.name} 2000`,
				`sentinel failover-timeout ${this.name} 10000`,
				`sentinel parallel-syncs ${this.name} 1`,
				'',
			].join('\n'),
		);
		const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
		this.sentinels.push({ port, child, dir });
		await waitFor(`sentinel on ${port}`, async () => (await redisCommand(port, 'PING')) === '+PONG', 15_000, 50);
	}

	/** "host:port,…" as RELAY_REDIS_SENTINELS takes it. */
	get seeds(): string {
		return this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',');
	}

	get sentinelPorts(): number[] {
		return this.sentinels.map((sentinel) => sentinel.port);
	}

	/** The port the sentinels currently name as master. */
	async currentMaster(): Promise<number> {
		const reply = await redisCli(this.sentinels[0].port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.name);
		return Number(reply.split('\n')[1]);
	}

	server(port: number): RedisServer {
		if (this.master.port === port) return this.master;
		if (this.replica.port === port) return this.replica;
		throw new Error(`no Redis of this set on port ${port}`);
	}

	async stop(): Promise<void> {
		for (const sentinel of this.sentinels) {
			const exited = new Promise((resolve) => sentinel.child.once('exit', resolve));
			sentinel.child.kill('SIGKILL');
			await settleWithin(exited, 5_000);
			rmSync(sentinel.dir, { recursive: true, force: true });
		}
		await Promise.all([this.master.stop(), this.replica.stop()]);
	}
}
