import { trace } from '@opentelemetry/api';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * One JSON line per entry on stdout, with the active trace and span ids so an SRE can go from a
 * log line to its trace and to the very step within it that wrote the line. Fields are for ids
 * and counts; callers never pass event details or customer data.
 */
export function createLogger(service: string, level: LogLevel = 'info'): Logger {
  const write = (entryLevel: LogLevel, message: string, fields?: LogFields) => {
    if (rank[entryLevel] < rank[level]) return;
    const { traceId, spanId } = trace.getActiveSpan()?.spanContext() ?? {};
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, service, message, traceId, spanId, ...fields })}\n`,
    );
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
