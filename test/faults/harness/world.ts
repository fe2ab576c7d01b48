/**
 * One scenario's world: its own Redis (AOF, noeviction), one or more relay processes on it,
 * sinks subscribed to them, two sources (SignNow and Standard Webhooks), and a ledger.
 */
import { Ledger } from './ledger';
import { destroyAgents } from './load';
import { newSignNowSource, newStandardSource, type SourceSpec } from './provider';
import { RedisServer, type AppendFsync } from './redis-server';
import { newPrefix, newToken, RelayProcess } from './relay-process';
import { Sink, type SinkBehaviour } from './sink';

export interface WorldOptions {
	label: string;
	relays?: number;
	/** One subscription (and sink) per entry. */
	sinks?: Array<{ name: string; behaviour?: SinkBehaviour; filters?: Record<string, unknown> }>;
	env?: Record<string, string>;
	appendfsync?: AppendFsync;
}

export class World {
	readonly ledger = new Ledger();
	readonly signnow: SourceSpec = newSignNowSource();
	readonly standard: SourceSpec = newStandardSource();
	readonly token = newToken();
	readonly prefix: string;
	redis!: RedisServer;
	readonly relays: RelayProcess[] = [];
	readonly sinks: Sink[] = [];
	readonly subscriptionIds: string[] = [];

	private constructor(readonly options: WorldOptions) {
		this.prefix = newPrefix(options.label);
	}

	static async create(options: WorldOptions): Promise<World> {
		const world = new World(options);
		try {
			world.redis = await RedisServer.start({ appendfsync: options.appendfsync ?? fsyncSetting() });
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
		const relay = await RelayProcess.start({
			redisUrl: this.redis.url,
			redisPrefix: this.prefix,
			apiToken: this.token,
			sources: [this.signnow, this.standard],
			env: { ...this.options.env, ...env },
		});
		this.relays.push(relay);
		return relay;
	}

	/** Relay logs, for a failing assertion's message. */
	logs(): string {
		return this.relays.map((r, i) => `--- relay ${i} (${r.logFile})\n${r.tail(2000)}`).join('\n');
	}

	async close(): Promise<void> {
		destroyAgents();
		for (const relay of this.relays) await relay.stop().catch(() => undefined);
		for (const sink of this.sinks) await sink.close().catch(() => undefined);
		await this.redis?.stop().catch(() => undefined);
	}
}

function fsyncSetting(): AppendFsync {
	return process.env.FAULTS_APPENDFSYNC === 'everysec' ? 'everysec' : 'always';
}
