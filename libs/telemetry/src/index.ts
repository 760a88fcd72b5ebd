export { prometheusText, startTelemetry, type Telemetry } from './start-telemetry';
export { counter, histogram, meter, observableGauge, upDownCounter, type ProcessMetrics } from './metrics';
export { METRICS, type MetricDefinition, type MetricKind } from './metric-catalog';
export { tracer, withSpan, spanAttributes } from './spans';
export { createLogger, type Logger, type LogFields, type LogLevel } from './logger';
