import type { OAuthCalendar } from './calendar.store';
import type { OAuthConnection } from './connection.store';

/** Where a push call goes: the connection, and the calendar it is about. */
export interface PushTarget {
  connection: OAuthConnection;
  calendar: Pick<OAuthCalendar, 'id' | 'providerCalendarId'>;
}

/**
 * How a provider tells us a calendar changed: a push channel or subscription per booking and
 * blocking calendar. The provider opens, renews and closes one; OAuthPush keeps them, one per
 * calendar, renewed before they expire.
 */
export abstract class PushChannels {
  /** Channels with less than this left are renewed by maintenance. */
  abstract readonly renewWithinMs: number;

  /** Opens a channel for the calendar at the provider, under our id and signed secret. */
  abstract open(
    target: PushTarget,
    channel: { id: string; secret: string },
  ): Promise<{ providerId: string; expiresAt: Date }>;

  /** A new expiry for the channel, where the provider renews in place; undefined where it cannot (a new one is opened). */
  abstract renew(target: PushTarget, providerId: string): Promise<Date | undefined>;

  /** Stops the channel at the provider; one it no longer knows answers not_found. */
  abstract close(
    target: { connection: OAuthConnection; calendar: { id: string } },
    channel: { id: string; providerId: string },
  ): Promise<void>;
}
