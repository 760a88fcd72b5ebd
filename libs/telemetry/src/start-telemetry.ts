import { IncomingMessage } from 'node:http';
import { context, diag, DiagConsoleLogger, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_HTTP_ROUTE, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { startMetrics, type ProcessMetrics } from './metrics';

export interface Telemetry {
  /** Present when started with `inMemory`: every finished span, for tests. */
  readonly memory?: InMemorySpanExporter;
  readonly metrics: ProcessMetrics;
  shutdown(): Promise<void>;
}

let started: Telemetry | undefined;

/** This process's metrics as Prometheus text; empty before startTelemetry. */
export async function prometheusText(): Promise<string> {
  return started ? started.metrics.prometheusText() : '';
}

/**
 * Starts tracing and metrics for this process. Call it before anything loads `pg` or `http` (a service's
 * main.ts imports its telemetry.ts first), or their calls are not traced. Spans go to OTLP/HTTP
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set and to memory when asked; otherwise none are recorded,
 * which costs nothing on the hot path, while trace context still passes from caller to callee.
 */
export function startTelemetry(serviceName: string, options: { inMemory?: boolean } = {}): Telemetry {
  if (started) return started;
  if (process.env.OTEL_LOG_LEVEL === 'debug') diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName });
  // Metrics are always kept: a scrape of /metrics reads them whether or not spans go anywhere.
  const metrics = startMetrics(resource);
  if (!options.inMemory && !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    // Nowhere to send spans: record none, but still carry callers' trace context through.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    started = {
      metrics,
      shutdown: () => {
        releaseGlobals();
        return metrics.shutdown();
      },
    };
    return started;
  }

  const processors: SpanProcessor[] = [];
  const memory = options.inMemory ? new InMemorySpanExporter() : undefined;
  if (memory) processors.push(new SimpleSpanProcessor(memory));
  if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    // The exporter reads the endpoint (and OTEL_BSP_* tuning) from the environment itself.
    processors.push(new BatchSpanProcessor(new OTLPTraceExporter()));
  }

  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: processors,
  });
  provider.register();
  const unregisterInstrumentations = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Liveness probes and metric scrapes come every few seconds and tell nothing of a request.
        ignoreIncomingRequestHook: (request) => request.url === '/healthz' || request.url === '/metrics',
        // Query strings carry OAuth codes and states: spans keep paths only.
        requestHook: (span, request) => {
          if (!(request instanceof IncomingMessage) || !request.url?.includes('?')) return;
          const path = request.url.slice(0, request.url.indexOf('?'));
          span.setAttribute('http.target', path);
          span.setAttribute('http.url', `http://${request.headers.host ?? 'localhost'}${path}`);
          span.setAttribute('url.query', 'redacted');
        },
        // The route Express matched (`/v1/bookings/:id`), so that requests group by what they asked.
        applyCustomAttributesOnSpan: (span, request) => {
          const route = request instanceof IncomingMessage ? routeOf(request) : undefined;
          if (!route) return;
          span.setAttribute(ATTR_HTTP_ROUTE, route);
          span.updateName(`${request.method} ${route}`);
        },
      }),
      // fetch (Google's and Microsoft's clients) and undici (CalDAV): a span per provider request.
      new UndiciInstrumentation({
        // Provider URLs name people (a Google calendar id is often an address, a CalDAV path a
        // user name) and their queries carry dates: spans keep the server only.
        startSpanHook: (request) => ({ 'url.full': request.origin, 'url.path': 'redacted', 'url.query': 'redacted' }),
      }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });

  started = {
    memory,
    metrics,
    shutdown: async () => {
      // undici reports through diagnostics channels and http is patched in place: both outlive
      // this module, so a later test file in the same process would get this file's spans, and
      // a second traceparent header beside its own, unless they are switched off here.
      unregisterInstrumentations();
      releaseGlobals();
      await Promise.all([provider.shutdown(), metrics.shutdown()]);
    },
  };
  return started;
}

/** Express sets `route` on a request it matched to a route; its path is relative to the router's mount point. */
function routeOf(request: IncomingMessage): string | undefined {
  const { route, baseUrl } = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  return typeof route?.path === 'string' ? `${baseUrl ?? ''}${route.path}` : undefined;
}

/**
 * Forgets the started telemetry and lets go of the API's globals (tracer provider, context
 * manager, propagator), which refuse a second registration: telemetry started again in this
 * process is then wholly its own.
 */
function releaseGlobals(): void {
  started = undefined;
  trace.disable();
  context.disable();
  propagation.disable();
}
