/**
 * OpenTelemetry traces of ingest → fan-out → delivery, off by default (RELAY_OTEL_EXPORTER).
 *
 * This module is all the relay's code sees, and it imports nothing from OpenTelemetry: with
 * the exporter `none` `createTracing` returns undefined, the SDK is never loaded, and every
 * call site is one `tracing?.` on an undefined value. The SDK side is tracing-otel.ts, loaded
 * only when an exporter is configured.
 *
 * A trace crosses Redis, and possibly processes: the ingest's `store` span's W3C
 * `traceparent` travels with the event to the fan-out (in memory; a fan-out recovered from the
 * outbox by another process after a crash starts a trace of its own, linked to nothing), and
 * the fan-out span's `traceparent` is stored in each delivery's job hash, so the attempt of
 * whichever relay claims it continues the ingest's trace. Deliveries carry it to the target
 * in a `traceparent` header too.
 */
import type { RelayConfig } from './config';

export type SpanKindName = 'server' | 'client' | 'internal';
export type Attributes = Record<string, string | number | boolean | undefined>;

export interface RelaySpan {
	/** This span's W3C trace context (`00-<trace id>-<span id>-<flags>`), to store or send on. */
	readonly traceparent: string;
	setAttributes(attributes: Attributes): void;
	/** Marks the span failed (status ERROR) with a message that carries no secret. */
	fail(message: string, errorType?: string): void;
	end(): void;
}

export interface SpanOptions {
	kind?: SpanKindName;
	/** The parent: a live span of this process, or a stored `traceparent`. */
	parent?: RelaySpan | string;
	attributes?: Attributes;
}

export interface Tracing {
	startSpan(name: string, options?: SpanOptions): RelaySpan;
	/** Exports what is still buffered, then stops (at shutdown). */
	shutdown(): Promise<void>;
}

/** The tracer for this configuration, or undefined when tracing is off (nothing loaded). */
export function createTracing(config: RelayConfig, version: string): Tracing | undefined {
	if (config.otelExporter === 'none') return undefined;
	// Loaded here and only here: a relay without tracing never loads the SDK.
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { OtelTracing } = require('./tracing-otel') as typeof import('./tracing-otel');
	return new OtelTracing(config, version);
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The parts of a W3C `traceparent` (version 00), or undefined if it is not one. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; flags: number } | undefined {
	const match = value ? TRACEPARENT.exec(value) : null;
	if (!match || /^0+$/.test(match[1]) || /^0+$/.test(match[2])) return undefined;
	return { traceId: match[1], spanId: match[2], flags: parseInt(match[3], 16) };
}
