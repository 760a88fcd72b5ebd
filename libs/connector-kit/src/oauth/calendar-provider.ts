import type { EventWrite } from '@calldesk/contracts';
import type { ListedCalendar, OAuthCalendar } from './calendar.store';
import type { OAuthConnection } from './connection.store';

/** A calendar and its connection, as a provider call needs them; with the booking when a call is about one. */
export interface CalendarTarget {
  calendar: OAuthCalendar;
  connection: OAuthConnection;
  bookingId?: string;
}

/** One of our booking events: the booking, and the provider's id of its event. */
export interface OurEventRef {
  bookingId: string;
  eventId: string;
}

/** An event as a provider answers it back to us: ids and times, never its text. */
export interface ProviderEvent {
  eventId: string;
  etag?: string;
  /** RFC 3339, as the provider wrote it. */
  start: string;
  end: string;
  cancelled: boolean;
}

/** Epoch ms, [start, end). */
export interface Span {
  start: number;
  end: number;
}

/** A calendar's busy time over a window, as far as the provider can tell it. */
export type BusyRead =
  /** Busy time merged across events (Google's freeBusy): ours are in it, not told apart. */
  | { spans: Span[] }
  /** Each busy event with its id (Graph's calendar view): ours are known by their id. */
  | { events: (Span & { eventId: string })[] }
  /** Why the calendar could not be read: its busy time is unknown, never empty. */
  | { failure: unknown };

/** An event of a calendar listing: times and whether it was cancelled. */
export interface ChangedEvent {
  eventId: string;
  cancelled: boolean;
  /** Epoch ms; undefined when the provider sends none (a deleted event). */
  start?: number;
  end?: number;
}

/** What a read of a calendar found since the last one. */
export interface CalendarChanges {
  events: ChangedEvent[];
  /** Set when `events` are all the calendar's events over [from, to): ours in it that are missing were deleted. */
  complete?: Span;
  /** Where the next read starts (a sync token, a fingerprint of this read), kept with the calendar. */
  cursor: string | null;
  /** A name for this change when the calendar changed since the last read; undefined when it did not. */
  changed?: string;
}

/**
 * What a provider does for an OAuth connector, and only that: its calls, answering our normalized
 * shapes and throwing ProviderErrors (or RpcErrors). Sync, the bookkeeping of our events, the 412
 * retry, errors for callers and events on the stream are connector-kit's.
 */
export abstract class CalendarProvider {
  /** The connection's calendars as the provider lists them now. */
  abstract listCalendars(connection: OAuthConnection): Promise<ListedCalendar[]>;

  /** Busy time of each calendar (keyed by our calendar id) over [from, to); one calendar's failure is its own. */
  abstract readBusy(
    connection: OAuthConnection,
    calendars: OAuthCalendar[],
    from: number,
    to: number,
  ): Promise<Map<string, BusyRead>>;

  /** What changed in the calendar since `cursor` (null: read it in full). */
  abstract listChanges(target: CalendarTarget, cursor: string | null): Promise<CalendarChanges>;

  /** The id our event for the booking has before it is made, when the provider lets us choose it. */
  abstract derivedEventId(bookingId: string): string | undefined;

  /** Makes the booking's event once: a retried create answers the event that exists. */
  abstract createEvent(target: CalendarTarget, write: EventWrite): Promise<ProviderEvent>;

  /** Moves (and retitles) our event; with `etag`, only if nobody changed it since (else precondition_failed). */
  abstract updateEvent(
    target: CalendarTarget,
    event: OurEventRef,
    write: EventWrite,
    etag?: string,
  ): Promise<ProviderEvent>;

  abstract getEvent(target: CalendarTarget, event: OurEventRef): Promise<ProviderEvent>;

  abstract deleteEvent(target: CalendarTarget, event: OurEventRef): Promise<void>;

  /** The booking's event, found by what we marked it with; undefined when there is none. */
  abstract findEvent(target: CalendarTarget, bookingId: string): Promise<ProviderEvent | undefined>;
}
