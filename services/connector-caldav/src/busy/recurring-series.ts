import { Injectable } from '@nestjs/common';
import type { ReadBudget } from '../bounds/read-budget';
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

  /** Read afresh, the series count against `budget`, their reading and trimming too. */
  async of(calendar: CalendarRow, fetch: Fetch, fresh: boolean, budget: ReadBudget): Promise<SeriesObject[]> {
    const marker = changeMarker(calendar);
    const cached = this.cache.get(calendar.calendarId);
    if (!fresh && marker !== undefined && cached?.marker === marker) {
      // Most recently used last, so the oldest go first.
      this.cache.delete(calendar.calendarId);
      this.cache.set(calendar.calendarId, cached);
      return cached.objects;
    }
    const objects: SeriesObject[] = [];
    for (const object of await queryRecurring(fetch, calendar.url, budget)) {
      objects.push({ url: object.url, data: await budget.step(() => timesOnly(object.data)) });
    }
    if (marker !== undefined) {
      this.cache.delete(calendar.calendarId);
      if (this.cache.size >= MAX_CALENDARS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(calendar.calendarId, { marker, objects });
    }
    return objects;
  }
}
