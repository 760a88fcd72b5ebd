export { startTelemetry, type Telemetry } from './start-telemetry';
export { tracer, withSpan, spanAttributes } from './spans';
export { createLogger, type Logger, type LogFields, type LogLevel } from './logger';
