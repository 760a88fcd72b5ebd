import { Injectable } from '@nestjs/common';
import type { Fetch } from '../caldav/caldav-http';
import { changeMarker } from '../caldav/collection-state';
import { queryRecurring } from '../caldav/query-time-range';
import type { CalendarRow } from '../connections/connection-store';
import { timesOnly } from '../ical/times-only';

export interface SeriesObject {
  url: string;
  /** The object with its time properties only. */
  data: string;
}

const MAX_CALENDARS = 5_000;

/**
 * Every recurring series of a calendar (read whole, since servers match long series to a time
 * range unevenly), kept — times only — while the calendar's change marker, which the poller
 * keeps current, stays the same. A fresh read bypasses it.
 */
@Injectable()
export class RecurringSeries {
  private readonly cache = new Map<string, { marker: string; objects: SeriesObject[] }>();

  async of(calendar: CalendarRow, fetch: Fetch, fresh: boolean): Promise<SeriesObject[]> {
    const marker = changeMarker(calendar);
    const cached = this.cache.get(calendar.calendarId);
    if (!fresh && marker !== undefined && cached?.marker === marker) {
      // Most recently used last, so the oldest go first.
      this.cache.delete(calendar.calendarId);
      this.cache.set(calendar.calendarId, cached);
      return cached.objects;
    }
    const objects = (await queryRecurring(fetch, calendar.url)).map((object) => ({ url: object.url, data: timesOnly(object.data) }));
    if (marker !== undefined) {
      this.cache.delete(calendar.calendarId);
      if (this.cache.size >= MAX_CALENDARS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(calendar.calendarId, { marker, objects });
    }
    return objects;
  }
}
