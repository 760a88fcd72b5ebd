import { calendarReadError } from '@calldesk/connector-kit';
import { RpcError } from '@calldesk/contracts';
import { AttemptTimeout, ProviderUnavailable } from '@calldesk/resilience';
import { ReadRefused } from '../bounds/read-refused';

/**
 * The bound a failed read went past, if any: one of ours (ReadRefused), a server that never
 * answered within the attempt's time, or a redirect to an address we may not call.
 */
export function refusalOf(error: unknown): ReadRefused | undefined {
  if (error instanceof ReadRefused) return error;
  if (error instanceof ProviderUnavailable && error.cause instanceof AttemptTimeout) {
    return new ReadRefused('server_too_slow', 'the calendar server did not answer in time');
  }
  if (error instanceof RpcError && error.code === 'invalid_argument' && error.details.field === 'serverUrl') {
    return new ReadRefused('server_not_public', 'the calendar server sent us to an address the connector may not call');
  }
  return undefined;
}

/** The `error` of a calendar in a busy answer: the bound by name, else what the provider's failure says. */
export function busyReadError(error: unknown): ReturnType<typeof calendarReadError> {
  const refusal = refusalOf(error);
  if (!refusal) return calendarReadError(error, 'caldav');
  return { code: refusal.code, message: refusal.message, details: { reason: refusal.reason, provider: 'caldav' } };
}
