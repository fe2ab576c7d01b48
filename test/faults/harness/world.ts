/**
 * One scenario's world: its own Redis (AOF, noeviction), one or more relay processes on it,
 * sinks subscribed to them, two sources (SignNow and Standard Webhooks), and a ledger.
 */
import { Ledger } from './ledger';
import { destroyAgents, isAck, sendAll, type SendResult } from './load';
import { newSignNowSource, newStandardSource, type GeneratedEvent, type SourceSpec } from './provider';
import { RedisServer, type AppendFsync } from './redis-server';
import { RedisStallWatch } from './redis-stalls';
import { RedisClusterSet, RedisSentinelSet } from './redis-topology';
import { newPrefix, newToken, RelayProcess } from './relay-process';
import { Sink, type SinkBehaviour } from './sink';

export interface WorldOptions {
	label: string;
	relays?: number;
	/** One subscription (and sink) per entry. */
	sinks?: Array<{ name: string; behaviour?: SinkBehaviour; filters?: Record<string, unknown> }>;
	env?: Record<string, string>;
	appendfsync?: AppendFsync;
	/**
	 * `single` (default): one Redis with AOF. `sentinel`: 1 master, 1 replica, 3 sentinels.
	 * `cluster`: 3 masters with a replica each.
	 */
	topology?: 'single' | 'sentinel' | 'cluster';
	/** Sources configured besides the SignNow and Standard Webhooks ones (e.g. a second account). */
	extraSources?: SourceSpec[];
}

const SENTINEL_NAME = 'esign-faults';

export class World {
	readonly ledger = new Ledger();
	readonly signnow: SourceSpec = newSignNowSource();
	readonly standard: SourceSpec = newStandardSource();
	readonly token = newToken();
	readonly prefix: string;
	/** The single Redis (topology `single`). */
	redis!: RedisServer;
	sentinel: RedisSentinelSet | undefined;
	cluster: RedisClusterSet | undefined;
	stalls: RedisStallWatch | undefined;
	readonly relays: RelayProcess[] = [];
	readonly sinks: Sink[] = [];
	readonly subscriptionIds: string[] = [];

	private constructor(readonly options: WorldOptions) {
		// On a Cluster a hash tag around the prefix keeps every relay key on one slot (the previous
		// layout, still supported): one master owns them all, so failing it is the worst case.
		this.prefix = options.topology === 'cluster' ? `{${newPrefix(options.label)}}` : newPrefix(options.label);
	}

	static async create(options: WorldOptions): Promise<World> {
		const world = new World(options);
		try {
			const appendfsync = options.appendfsync ?? fsyncSetting();
			if (options.topology === 'sentinel') world.sentinel = await RedisSentinelSet.start(SENTINEL_NAME, appendfsync);
			else if (options.topology === 'cluster') world.cluster = await RedisClusterSet.start(3, 1, appendfsync);
			else {
				world.redis = await RedisServer.start({ appendfsync });
				world.stalls = RedisStallWatch.start(world.redis.port);
			}
			for (let i = 0; i < (options.relays ?? 1); i++) await world.addRelay();
			for (const spec of options.sinks ?? [{ name: 'n8n' }]) {
				const sink = await Sink.start(spec.name, spec.behaviour);
				const { id, secret } = await world.relay.subscribe(sink.url, spec.filters);
				sink.setSecret(secret);
				world.sinks.push(sink);
				world.subscriptionIds.push(id);
			}
		} catch (error) {
			const logs = world.relays.map((r) => r.tail()).join('\n---\n');
			await world.close();
			throw new Error(`${(error as Error).message}\nrelay log:\n${logs}`);
		}
		return world;
	}

	get relay(): RelayProcess {
		return this.relays[0];
	}

	async addRelay(env: Record<string, string> = {}): Promise<RelayProcess> {
		const topology: Record<string, string> = this.sentinel
			? { RELAY_REDIS_SENTINELS: this.sentinel.seeds, RELAY_REDIS_SENTINEL_NAME: SENTINEL_NAME }
			: this.cluster
				? { RELAY_REDIS_CLUSTER_NODES: this.cluster.seeds }
				: {};
		const relay = await RelayProcess.start({
			// Sentinel and Cluster find their servers through the variables above.
			redisUrl: this.redis?.url ?? 'redis://127.0.0.1:6379',
			redisPrefix: this.prefix,
			apiToken: this.token,
			sources: [this.signnow, this.standard, ...(this.options.extraSources ?? [])],
			env: { ...topology, ...this.options.env, ...env },
		});
		this.relays.push(relay);
		return relay;
	}

	/**
	 * Answers that were not 2xx and that no Redis stall explains (see redis-stalls.ts), with
	 * the relay logs' tail for the failure message when there are any.
	 */
	unexplained(results: readonly SendResult[]): SendResult[] {
		const unexplained = results.filter((r) => !isAck(r) && !this.stalls?.explains(r));
		if (unexplained.length > 0) console.error(`unacknowledged answers; relay logs:\n${this.logs()}`);
		return unexplained;
	}

	/** How many of `results` a Redis stall explains, and the longest stall, for a row's notes. */
	stallNote(results: readonly SendResult[]): string {
		const stalled = results.filter((r) => this.stalls?.explains(r)).length;
		return stalled > 0 ? `; ${stalled} answered 503 while Redis stalled (longest ${this.stalls?.longestMs()} ms), resent` : '';
	}

	/**
	 * The provider's retries of what the relay answered 503 while Redis stalled: sent again
	 * until acknowledged or no stall explains the answer (three rounds at most). Every answer
	 * goes to the ledger and is returned.
	 */
	async resendStalled(results: readonly SendResult[], target = (): string => this.relay.baseUrl): Promise<SendResult[]> {
		const answers: SendResult[] = [];
		let pending: GeneratedEvent[] = results.filter((r) => this.stalls?.explains(r)).map((r) => this.ledger.event(r.key));
		for (let round = 0; round < 3 && pending.length > 0; round++) {
			const retries = await sendAll(pending, { concurrency: 16, target });
			this.ledger.addResults(retries);
			answers.push(...retries);
			pending = retries.filter((r) => this.stalls?.explains(r)).map((r) => this.ledger.event(r.key));
		}
		return answers;
	}

	/** Relay logs, for a failing assertion's message. */
	logs(): string {
		return this.relays.map((r, i) => `--- relay ${i} (${r.logFile})\n${r.tail(2000)}`).join('\n');
	}

	async close(): Promise<void> {
		destroyAgents();
		this.stalls?.stop();
		for (const relay of this.relays) await relay.stop().catch(() => undefined);
		for (const sink of this.sinks) await sink.close().catch(() => undefined);
		await this.redis?.stop().catch(() => undefined);
		await this.sentinel?.stop().catch(() => undefined);
		await this.cluster?.stop().catch(() => undefined);
	}
}

function fsyncSetting(): AppendFsync {
	return process.env.FAULTS_APPENDFSYNC === 'everysec' ? 'everysec' : 'always';
}
