import {
  metrics,
  type Counter,
  type Histogram,
  type Meter,
  type MetricOptions,
  type ObservableGauge,
  type UpDownCounter,
} from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { getHeapSpaceStatistics } from 'node:v8';
import { METRICS, type MetricDefinition, type MetricKind } from './metric-catalog';

/**
 * The meter every instrument comes from. The metrics API has no proxy provider as tracing has,
 * so an instrument made before startTelemetry would stay a no-op: classes take their instruments
 * in their constructors, which run after it.
 */
export function meter(): Meter {
  return metrics.getMeter('calldesk');
}

type Definition<Kind extends MetricKind> = MetricDefinition & { kind: Kind };

/** The instruments of the catalogue (METRICS), the only names instruments are made with. */
export function counter(definition: Definition<'counter'>): Counter {
  return meter().createCounter(definition.name, optionsOf(definition));
}

export function upDownCounter(definition: Definition<'up_down_counter'>): UpDownCounter {
  return meter().createUpDownCounter(definition.name, optionsOf(definition));
}

export function histogram(definition: Definition<'histogram'>): Histogram {
  return meter().createHistogram(definition.name, optionsOf(definition));
}

export function observableGauge(definition: Definition<'gauge'>): ObservableGauge {
  return meter().createObservableGauge(definition.name, optionsOf(definition));
}

/**
 * The process's memory at each read: RSS, and per V8 heap space what is in use and what it holds
 * from the system, which tells a leak (used grows) from a heap that only sized itself to the load.
 */
function observeMemory(): void {
  observableGauge(METRICS.memoryUsage).addCallback((result) => result.observe(process.memoryUsage.rss()));
  const used = observableGauge(METRICS.heapSpaceUsed);
  const physical = observableGauge(METRICS.heapSpacePhysical);
  // One read of the heap spaces answers both gauges.
  meter().addBatchObservableCallback(
    (result) => {
      for (const space of getHeapSpaceStatistics()) {
        const attributes = { 'v8js.heap.space.name': space.space_name };
        result.observe(used, space.space_used_size, attributes);
        result.observe(physical, space.physical_space_size, attributes);
      }
    },
    [used, physical],
  );
}

/** OTEL_METRICS_EXPORTER is a comma-separated list of exporters; unset means `otlp`. */
function pushesOtlp(exporters = 'otlp'): boolean {
  return exporters.split(',').some((name) => name.trim() === 'otlp');
}

function optionsOf(definition: MetricDefinition): MetricOptions {
  return {
    description: definition.description,
    ...(definition.unit ? { unit: definition.unit } : {}),
    ...(definition.buckets ? { advice: { explicitBucketBoundaries: [...definition.buckets] } } : {}),
  };
}

export interface ProcessMetrics {
  /** This process's metrics in the Prometheus text format, read when asked (a scrape). */
  prometheusText(): Promise<string>;
  shutdown(): Promise<void>;
}

/**
 * Starts this process's MeterProvider: always readable as Prometheus text (served by the health
 * port's /metrics), and pushed over OTLP/HTTP too when OTEL_EXPORTER_OTLP_ENDPOINT is set, unless
 * OTEL_METRICS_EXPORTER leaves `otlp` out (e.g. `prometheus` where Prometheus scrapes every
 * instance, so the same numbers do not arrive twice).
 */
export function startMetrics(resource: Resource): ProcessMetrics {
  // Its own server stays off: the service's health server answers /metrics with its text.
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const readers: IMetricReader[] = [prometheus];
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT && pushesOtlp(process.env.OTEL_METRICS_EXPORTER)) {
    // The exporter reads the endpoint (and OTEL_EXPORTER_OTLP_* tuning) from the environment;
    // the reader pushes once a minute.
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter() }));
  }
  const provider = new MeterProvider({ resource, readers });
  metrics.setGlobalMeterProvider(provider);
  observeMemory();
  const serializer = new PrometheusSerializer();
  return {
    async prometheusText() {
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => {
      // Let go of the global provider too, so that metrics started again in this process register.
      metrics.disable();
      return provider.shutdown();
    },
  };
}
