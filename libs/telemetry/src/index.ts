export { prometheusText, startTelemetry, type Telemetry } from './start-telemetry';
export { meter, type ProcessMetrics } from './metrics';
export { tracer, withSpan, spanAttributes } from './spans';
export { createLogger, type Logger, type LogFields, type LogLevel } from './logger';
