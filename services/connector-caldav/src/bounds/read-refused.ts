import { RpcError } from '@calldesk/contracts';

/**
 * Why a calendar was not read: a bound of ours that its server or its content went past. The
 * owner sees the name (the calendar's warnings) and the busy answer carries it in
 * `error.details.reason`; the member is left out, never offered as free.
 */
export type RefusalReason =
  /** The server sent more bytes, or more calendar objects, than one read may take. */
  | 'calendar_too_large'
  /** Reading the objects took longer than a read may, or a time zone changes more often than daily. */
  | 'calendar_too_complex'
  /** The server did not answer, or not all of its answer, within the read's time. */
  | 'server_too_slow'
  /** The server sent us (by a redirect) to an address the connector may not call. */
  | 'server_not_public';

export const REFUSAL_REASONS: readonly RefusalReason[] = [
  'calendar_too_large',
  'calendar_too_complex',
  'server_too_slow',
  'server_not_public',
];

/**
 * A read given up at one of our bounds. A slow server is `unavailable` (its connection is marked
 * so, as for an outage); the other reasons are the calendar's own and say nothing of the server.
 */
export class ReadRefused extends RpcError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(reason === 'server_too_slow' ? 'unavailable' : 'failed_precondition', message, {
      reason,
      provider: 'caldav',
    });
  }
}
