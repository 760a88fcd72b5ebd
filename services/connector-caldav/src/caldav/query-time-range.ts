import { ProviderError } from '@calldesk/connector-kit';
import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from './caldav-http';
import { decodedPath } from './dav-values';
import { multistatusRequest, davXml } from './multistatus-request';
import { CALDAV, DAV, propText } from './multistatus-stream';

export interface CalendarObject {
  url: string;
  etag?: string;
  /** The iCalendar text as the server sent it: parse it at once and drop it. */
  data: string;
}

/**
 * calendar-query REPORT: the events that overlap [from, to), whole (recurring ones with every
 * instance and override), for us to expand; the caller keeps only their times. Partial retrieval
 * is not asked for: servers honour it unevenly (Radicale ignores it, Xandikos 0.2.8 answers some
 * objects with no data at all), and an object without data would read as free time.
 */
export function queryTimeRange(
  fetch: Fetch,
  calendarUrl: string,
  from: Date,
  to: Date,
  budget: ReadBudget,
): Promise<CalendarObject[]> {
  return query(
    fetch,
    calendarUrl,
    `<c:comp-filter name="VEVENT"><c:time-range start="${caldavTime(from)}" end="${caldavTime(to)}"/></c:comp-filter>`,
    budget,
  );
}

/**
 * calendar-query REPORT of every recurring event (RRULE defined), whatever its dates. Servers do
 * not all match long series to a time range (Xandikos 0.2.8 matches only their first instances),
 * so the series are read whole and expanded here.
 */
export function queryRecurring(fetch: Fetch, calendarUrl: string, budget: ReadBudget): Promise<CalendarObject[]> {
  return query(
    fetch,
    calendarUrl,
    '<c:comp-filter name="VEVENT"><c:prop-filter name="RRULE"/></c:comp-filter>',
    budget,
  );
}

/**
 * The objects the query finds, read as they stream in: past the budget's object cap the read
 * stops at once, whatever the server still has to send.
 */
async function query(
  fetch: Fetch,
  calendarUrl: string,
  eventFilter: string,
  budget: ReadBudget,
): Promise<CalendarObject[]> {
  const objects: CalendarObject[] = [];
  const calendarPath = decodedPath(calendarUrl);
  let named = 0;
  await multistatusRequest(
    fetch,
    calendarUrl,
    { method: 'REPORT', depth: '1', body: calendarQuery(eventFilter) },
    budget,
    (entry) => {
      if (!entry.href || !entry.ok) return;
      // One URL per entry: thousands of them may come, each parsed once.
      const url = new URL(entry.href, calendarUrl);
      if (decodedPath(url) === calendarPath) return;
      named++;
      const data = propText(entry, `${CALDAV} calendar-data`);
      if (!data) return;
      budget.objectRead();
      objects.push({ url: url.href, etag: propText(entry, `${DAV} getetag`), data });
    },
  );
  // An object named without its data cannot be read: the calendar is unreadable, not free.
  if (objects.length < named) throw new ProviderError('rejected');
  return objects;
}

function calendarQuery(eventFilter: string): string {
  return davXml(
    '<c:calendar-query><d:prop><d:getetag/><c:calendar-data/></d:prop>' +
      `<c:filter><c:comp-filter name="VCALENDAR">${eventFilter}</c:comp-filter></c:filter></c:calendar-query>`,
  );
}

/** RFC 4791 time-range form: UTC, YYYYMMDDTHHMMSSZ. */
export function caldavTime(time: Date): string {
  return `${time.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}
