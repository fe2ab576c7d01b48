/**
 * The OpenTelemetry SDK behind tracing.ts: a tracer provider of the relay's own (not the
 * global one, so several relays in one test process keep their service names apart), a batch
 * span processor and the configured exporter (OTLP over HTTP, JSON; or the console).
 * Loaded only when RELAY_OTEL_EXPORTER is not `none`.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';

import type { RelayConfig } from './config';
import { parseTraceparent, type Attributes, type RelaySpan, type SpanOptions, type Tracing } from './tracing';

const KINDS = { server: SpanKind.SERVER, client: SpanKind.CLIENT, internal: SpanKind.INTERNAL } as const;

/** Where OTLP/HTTP traces go: the traces endpoint as given, else `<endpoint>/v1/traces` (the OTel convention). */
export function tracesUrl(config: Pick<RelayConfig, 'otelEndpoint' | 'otelTracesEndpoint'>): string {
	if (config.otelTracesEndpoint) return config.otelTracesEndpoint;
	return `${(config.otelEndpoint ?? 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
}

function clean(attributes: Attributes | undefined): Record<string, string | number | boolean> {
	const out: Record<string, string | number | boolean> = {};
	if (attributes) for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
	return out;
}

class OtelSpan implements RelaySpan {
	constructor(readonly span: Span) {}

	get traceparent(): string {
		const { traceId, spanId, traceFlags } = this.span.spanContext();
		return `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`;
	}

	setAttributes(attributes: Attributes): void {
		this.span.setAttributes(clean(attributes));
	}

	fail(message: string, errorType?: string): void {
		this.span.setStatus({ code: SpanStatusCode.ERROR, message });
		if (errorType) this.span.setAttribute('error.type', errorType);
	}

	end(): void {
		this.span.end();
	}
}

export class OtelTracing implements Tracing {
	private readonly provider: BasicTracerProvider;
	private readonly tracer: Tracer;

	constructor(config: RelayConfig, version: string) {
		const exporter: SpanExporter = config.otelExporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter({ url: tracesUrl(config) });
		this.provider = new BasicTracerProvider({
			resource: resourceFromAttributes({ 'service.name': config.otelServiceName, 'service.version': version }),
			spanProcessors: [new BatchSpanProcessor(exporter)],
		});
		this.tracer = this.provider.getTracer('esign-relay', version);
	}

	startSpan(name: string, options: SpanOptions = {}): RelaySpan {
		return new OtelSpan(this.tracer.startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: clean(options.attributes) }, parentContext(options.parent)));
	}

	async shutdown(): Promise<void> {
		await this.provider.shutdown();
	}
}

function parentContext(parent: RelaySpan | string | undefined): Context {
	if (parent instanceof OtelSpan) return trace.setSpan(ROOT_CONTEXT, parent.span);
	const parsed = typeof parent === 'string' ? parseTraceparent(parent) : undefined;
	if (!parsed) return ROOT_CONTEXT;
	return trace.setSpanContext(ROOT_CONTEXT, {
		traceId: parsed.traceId,
		spanId: parsed.spanId,
		traceFlags: parsed.flags & TraceFlags.SAMPLED,
		isRemote: true,
	});
}
