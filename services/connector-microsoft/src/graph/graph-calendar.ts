import { createHash, randomUUID } from 'node:crypto';
import {
  CalendarProvider,
  type BusyRead,
  type CalendarChanges,
  type CalendarTarget,
  type ListedCalendar,
  type OAuthCalendar,
  type OAuthConnection,
  type OurEventRef,
  type ProviderEvent,
} from '@calldesk/connector-kit';
import { RpcError, type EventWrite } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { busyEvents, calendarView, type ViewEvent } from './calendar-view';
import * as events from './event-writes';
import { GraphClient } from './graph-client';
import { GraphFailure } from './graph-errors';
import { listCalendars } from './list-calendars';

/** A sync reads each calendar's view from this far back. */
const LOOKBACK_MS = 86_400_000;
const DAY_MS = 86_400_000;

/**
 * Outlook calendars through Graph as connector-kit's CalendarProvider: busy times and changes both
 * from calendarView (times and showAs only). Not delta: Graph's delta ignores $select and would
 * send every subject, body and attendee, which we promise never to read. Our events are made once
 * per booking with transactionId and found again by our extended property.
 */
@Injectable()
export class GraphCalendar extends CalendarProvider {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    private readonly client: GraphClient,
  ) {
    super();
  }

  listCalendars(connection: OAuthConnection): Promise<ListedCalendar[]> {
    return this.client.call('calendars.list', { connection }, listCalendars);
  }

  /** One calendar view per calendar, read at once; one that fails fails alone. */
  async readBusy(
    connection: OAuthConnection,
    calendars: OAuthCalendar[],
    from: number,
    to: number,
  ): Promise<Map<string, BusyRead>> {
    const reads = await Promise.all(
      calendars.map(async (calendar): Promise<[string, BusyRead]> => {
        try {
          const busy = await this.client.call('calendarView', { connection, calendar }, (api, signal) =>
            busyEvents(api, signal, calendar.providerCalendarId, from, to),
          );
          return [calendar.id, { events: busy }];
        } catch (failure) {
          return [calendar.id, { failure }];
        }
      }),
    );
    return new Map(reads);
  }

  /**
   * The calendar's whole view over the sync window, a complete listing; the cursor is its
   * fingerprint, so a different view means the calendar changed.
   */
  async listChanges(target: CalendarTarget, cursor: string | null): Promise<CalendarChanges> {
    const window = { start: Date.now() - LOOKBACK_MS, end: Date.now() + this.config.SYNC_WINDOW_DAYS * DAY_MS };
    const view = await this.client.call(
      'calendarView.sync',
      target,
      (api, signal) => calendarView(api, signal, target.calendar.providerCalendarId, window.start, window.end),
      {
        budgetMs: 30_000,
      },
    );
    const fingerprint = fingerprintOf(view);
    return {
      events: view,
      complete: window,
      cursor: fingerprint,
      changed: cursor !== null && cursor !== fingerprint ? randomUUID() : undefined,
    };
  }

  /** None: Graph names an event when it is made. */
  derivedEventId(): undefined {
    return undefined;
  }

  /** With transactionId = booking id; if Graph refuses the transaction id instead of answering the first event, the event is found by our property. */
  async createEvent(target: CalendarTarget, write: EventWrite): Promise<ProviderEvent> {
    try {
      return await this.client.call('events.create', target, (api, signal) =>
        events.createEvent(api, signal, target.calendar.providerCalendarId, write),
      );
    } catch (error) {
      const duplicate =
        error instanceof GraphFailure && (error.code === 'ErrorDuplicateTransactionId' || error.status === 409);
      if (!duplicate) throw error;
    }
    const found = await this.findEvent(target, write.bookingId);
    if (!found)
      throw new RpcError('internal', 'Graph refused the transaction id but has no event for the booking', {
        bookingId: write.bookingId,
      });
    return found;
  }

  updateEvent(target: CalendarTarget, event: OurEventRef, write: EventWrite, etag?: string): Promise<ProviderEvent> {
    return this.client.call('events.patch', target, (api, signal) =>
      events.patchEvent(api, signal, event.eventId, write, etag),
    );
  }

  getEvent(target: CalendarTarget, event: OurEventRef): Promise<ProviderEvent> {
    return this.client.call('events.get', target, (api, signal) => events.getEvent(api, signal, event.eventId));
  }

  deleteEvent(target: CalendarTarget, event: OurEventRef): Promise<void> {
    return this.client.call('events.delete', target, (api, signal) => events.deleteEvent(api, signal, event.eventId));
  }

  findEvent(target: CalendarTarget, bookingId: string): Promise<ProviderEvent | undefined> {
    return this.client.call('events.find', target, (api, signal) =>
      events.findEvent(api, signal, target.calendar.providerCalendarId, bookingId),
    );
  }
}

/** What the view says, in an order that does not depend on Graph's paging: equal views, equal prints. */
function fingerprintOf(view: ViewEvent[]): string {
  const lines = view.map((e) => `${e.eventId}|${e.start}|${e.end}|${e.showAs}|${e.cancelled}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('base64url');
}
