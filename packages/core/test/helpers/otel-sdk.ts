/**
 * The OpenTelemetry SDK with in-memory exporters, registered globally for one test file: spans as
 * they end, metrics when asked. Also an async-hooks context manager, so that the active span follows
 * the request as it does under NodeSDK.
 */
import { context, metrics, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** A reader that collects only when asked (no timer), cumulative. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface OtelSdk {
  readonly spanExporter: InMemorySpanExporter;
  /** Spans ended so far. */
  spans(): ReadableSpan[];
  /** Every metric collected now, by name. */
  collect(): Promise<Map<string, MetricData>>;
  /** Unregisters everything (the API falls back to its no-ops). */
  shutdown(): Promise<void>;
}

/** Registers a tracer provider, a meter provider and a context manager globally. */
export function registerOtelSdk(): OtelSdk {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spanExporter,
    spans: () => spanExporter.getFinishedSpans(),
    collect: async () => {
      const { resourceMetrics } = await reader.collect();
      const byName = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
      return byName;
    },
    shutdown: async () => {
      trace.disable();
      metrics.disable();
      context.disable();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The sum of a counter's points whose attributes include `match`. */
export function sumOf(metric: MetricData | undefined, match: Record<string, unknown> = {}): number {
  if (metric === undefined) return 0;
  let total = 0;
  for (const point of metric.dataPoints as DataPoint<unknown>[]) {
    if (!Object.entries(match).every(([name, value]) => point.attributes[name] === value)) continue;
    if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) total += point.value as number;
    else if (metric.dataPointType === DataPointType.HISTOGRAM) total += (point.value as { count: number }).count;
  }
  return total;
}
