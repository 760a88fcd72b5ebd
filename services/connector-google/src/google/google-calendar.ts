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
import type { GoogleConfig } from '../config';
import { eventIdOf } from './event-id';
import { deleteEvent, getEvent, insertEvent, patchEvent } from './event-writes';
import { combine, MAX_CALENDARS_PER_QUERY, queryFreeBusy, splitWindow, type CalendarFreeBusy } from './free-busy';
import { GoogleClient } from './google-client';
import { isGoogleStatus } from './google-errors';
import { listCalendars } from './list-calendars';
import { listChanges } from './list-changes';

/** A full sync reads events from this far back (older ones cannot matter to bookings). */
const FULL_SYNC_LOOKBACK_MS = 86_400_000;

/**
 * Google Calendar as connector-kit's CalendarProvider: busy times from freeBusy.query (long
 * windows split, 50 calendars a query), changes from events.list with a sync token and times-only
 * fields, and our events with ids derived from the booking ids, so a retried insert meets 409.
 */
@Injectable()
export class GoogleCalendar extends CalendarProvider {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    private readonly client: GoogleClient,
  ) {
    super();
  }

  listCalendars(connection: OAuthConnection): Promise<ListedCalendar[]> {
    return this.client.call('calendarList.list', { connection }, listCalendars);
  }

  /** Every window of at most FREEBUSY_MAX_DAYS times every batch of 50 calendars, merged; an error for one calendar kept for that calendar. */
  async readBusy(
    connection: OAuthConnection,
    calendars: OAuthCalendar[],
    from: number,
    to: number,
  ): Promise<Map<string, BusyRead>> {
    const batches: OAuthCalendar[][] = [];
    for (let i = 0; i < calendars.length; i += MAX_CALENDARS_PER_QUERY)
      batches.push(calendars.slice(i, i + MAX_CALENDARS_PER_QUERY));
    const queries = splitWindow(from, to, this.config.FREEBUSY_MAX_DAYS).flatMap((window) =>
      batches.map(async (batch): Promise<Map<string, CalendarFreeBusy | { failure: unknown }>> => {
        try {
          return await this.client.call('freeBusy.query', { connection }, (api, signal) =>
            queryFreeBusy(
              api,
              signal,
              batch.map((c) => c.providerCalendarId),
              window,
            ),
          );
        } catch (failure) {
          return new Map(batch.map((c) => [c.providerCalendarId, { failure }]));
        }
      }),
    );
    const failures = new Map<string, unknown>();
    const readable = (await Promise.all(queries)).map((answer) => {
      const ok = new Map<string, CalendarFreeBusy>();
      for (const [id, result] of answer) {
        if ('failure' in result) failures.set(id, result.failure);
        else ok.set(id, result);
      }
      return ok;
    });
    const combined = combine(readable);
    return new Map(
      calendars.map((calendar): [string, BusyRead] => {
        const failure = failures.get(calendar.providerCalendarId);
        if (failure) return [calendar.id, { failure }];
        const result = combined.get(calendar.providerCalendarId);
        if (!result || 'error' in result) {
          return [
            calendar.id,
            {
              failure: new RpcError(
                'unavailable',
                `google could not read this calendar (${result && 'error' in result ? result.error : 'no answer'})`,
              ),
            },
          ];
        }
        return [calendar.id, { spans: result.busy }];
      }),
    );
  }

  /**
   * Events changed since the sync token (deletions come cancelled); without one, or when Google
   * says it expired (410 fullSyncRequired), every event from a day back: a complete listing.
   */
  async listChanges(target: CalendarTarget, cursor: string | null): Promise<CalendarChanges> {
    const fullFrom = new Date(Date.now() - FULL_SYNC_LOOKBACK_MS);
    const list = (syncToken: string | null) =>
      this.client.call(
        'events.list',
        target,
        (api, signal) => listChanges(api, signal, target.calendar.providerCalendarId, syncToken, fullFrom),
        {
          budgetMs: 30_000,
        },
      );
    let changes;
    let resynced = false;
    try {
      changes = await list(cursor);
    } catch (error) {
      if (!(cursor && isGoogleStatus(error, 410))) throw error;
      changes = await list(null);
      resynced = true;
    }
    const changed = resynced || (!changes.full && changes.events.length > 0);
    return {
      events: changes.events,
      complete: changes.full ? { start: fullFrom.getTime(), end: Number.POSITIVE_INFINITY } : undefined,
      cursor: changes.syncToken ?? null,
      changed: changed
        ? changes.syncToken
          ? createHash('sha256').update(changes.syncToken).digest('base64url').slice(0, 22)
          : randomUUID()
        : undefined,
    };
  }

  derivedEventId(bookingId: string): string {
    return eventIdOf(bookingId);
  }

  /** Inserted with the derived id; a retry meets 409 duplicate and answers the event that exists (restored if it was deleted since). */
  async createEvent(target: CalendarTarget, write: EventWrite): Promise<ProviderEvent> {
    try {
      return await this.client.call('events.insert', target, (api, signal) =>
        insertEvent(api, signal, target.calendar.providerCalendarId, write),
      );
    } catch (error) {
      if (!isGoogleStatus(error, 409)) throw error;
    }
    const ref = { bookingId: write.bookingId, eventId: eventIdOf(write.bookingId) };
    const existing = await this.getEvent(target, ref);
    return existing.cancelled ? this.updateEvent(target, ref, write) : existing;
  }

  updateEvent(target: CalendarTarget, _event: OurEventRef, write: EventWrite, etag?: string): Promise<ProviderEvent> {
    return this.client.call('events.patch', target, (api, signal) =>
      patchEvent(api, signal, target.calendar.providerCalendarId, write, etag),
    );
  }

  getEvent(target: CalendarTarget, event: OurEventRef): Promise<ProviderEvent> {
    return this.client.call('events.get', target, (api, signal) =>
      getEvent(api, signal, target.calendar.providerCalendarId, event.bookingId),
    );
  }

  async deleteEvent(target: CalendarTarget, event: OurEventRef): Promise<void> {
    await this.client.call('events.delete', target, (api, signal) =>
      deleteEvent(api, signal, target.calendar.providerCalendarId, event.bookingId),
    );
  }

  /** By its derived id; an event there that carries another booking's id is not this booking's. */
  async findEvent(target: CalendarTarget, bookingId: string): Promise<ProviderEvent | undefined> {
    try {
      const event = await this.client.call('events.get', target, (api, signal) =>
        getEvent(api, signal, target.calendar.providerCalendarId, bookingId),
      );
      return event.bookingId && event.bookingId !== bookingId ? undefined : event;
    } catch (error) {
      if (isGoogleStatus(error, 404, 410)) return undefined;
      throw error;
    }
  }
}
