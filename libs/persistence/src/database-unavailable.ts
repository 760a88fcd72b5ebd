/**
 * Whether an error says the database could not be reached, not that a query was wrong: its server
 * down, restarting or refusing connections, or the connection lost mid-query. Such a failure is
 * the caller's `unavailable` (retry later), never `internal`.
 */
export function databaseUnavailable(error: unknown): boolean {
  const failure = error as { code?: unknown; message?: unknown; driverError?: unknown } | undefined;
  if (!failure || typeof failure !== 'object') return false;
  const code = typeof failure.code === 'string' ? failure.code : '';
  if (NETWORK_CODES.has(code) || code.startsWith(CONNECTION_EXCEPTION_CLASS) || SERVER_GONE_CODES.has(code))
    return true;
  if (typeof failure.message === 'string' && LOST_CONNECTION.some((text) => (failure.message as string).includes(text)))
    return true;
  return failure.driverError !== undefined && failure.driverError !== error && databaseUnavailable(failure.driverError);
}

/** Node's socket errors on connecting or while connected. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATE class 08: connection exception. */
const CONNECTION_EXCEPTION_CLASS = '08';
/**
 * SQLSTATE: admin_shutdown, crash_shutdown, cannot_connect_now (starting up or in recovery),
 * too_many_connections.
 */
const SERVER_GONE_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres says, without a code, when the server went away. */
const LOST_CONNECTION = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is not open',
];
