import type { OAuthCalendar } from './calendar.store';
import type { OAuthConnection } from './connection.store';

/**
 * How a provider tells us a calendar changed: a push channel or subscription per booking and
 * blocking calendar, opened and renewed by the kit's maintenance while WEBHOOK_SECRET is set.
 */
export abstract class PushChannels {
  /** Channels with less than this left are renewed by maintenance. */
  abstract readonly renewWithinMs: number;

  /** A channel for the calendar that outlives the renewal margin. */
  abstract ensure(calendar: OAuthCalendar, connection: OAuthConnection): Promise<void>;

  /** Stops the calendar's channels at the provider (while the connection is connected) and forgets them. */
  abstract stop(calendar: OAuthCalendar, connection?: OAuthConnection): Promise<void>;

  /** Forgets channels whose opening failed midway. */
  abstract forgetStale(): Promise<void>;
}
