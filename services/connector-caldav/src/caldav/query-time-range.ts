import { ProviderError } from '@calldesk/connector-kit';
import { davRequest } from 'tsdav';
import type { Fetch } from './caldav-http';
import { absoluteHref, checkMultistatus, NAMESPACES, sameResource, textOf } from './dav-values';

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
export async function queryTimeRange(fetch: Fetch, calendarUrl: string, from: Date, to: Date): Promise<CalendarObject[]> {
  return query(fetch, calendarUrl, {
    'comp-filter': {
      _attributes: { name: 'VCALENDAR' },
      'comp-filter': { _attributes: { name: 'VEVENT' }, 'time-range': { _attributes: { start: caldavTime(from), end: caldavTime(to) } } },
    },
  });
}

async function query(fetch: Fetch, calendarUrl: string, filter: Record<string, unknown>): Promise<CalendarObject[]> {
  const responses = checkMultistatus(
    await davRequest({
      url: calendarUrl,
      fetch,
      init: {
        method: 'REPORT',
        namespace: 'c',
        headers: { depth: '1' },
        body: { 'calendar-query': { _attributes: NAMESPACES, 'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} }, filter } },
      },
    }),
  );
  const objects = objectsOf(responses, calendarUrl);
  // An object named without its data cannot be read: the calendar is unreadable, not free.
  const named = responses.filter((response) => response.href && response.ok && !sameResource(absoluteHref(response.href, calendarUrl), calendarUrl));
  if (objects.length < named.length) throw new ProviderError('rejected');
  return objects;
}

/**
 * calendar-query REPORT of every recurring event (RRULE defined), whatever its dates. Servers do
 * not all match long series to a time range (Xandikos 0.2.8 matches only their first instances),
 * so the series are read whole and expanded here.
 */
export async function queryRecurring(fetch: Fetch, calendarUrl: string): Promise<CalendarObject[]> {
  return query(fetch, calendarUrl, { 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VEVENT' }, 'prop-filter': { _attributes: { name: 'RRULE' } } } } });
}

/** The objects of a multistatus that carry calendar data; the others (errors, 404s) are dropped. */
export function objectsOf(responses: Awaited<ReturnType<typeof davRequest>>, calendarUrl: string): CalendarObject[] {
  const objects: CalendarObject[] = [];
  for (const response of responses) {
    const data = textOf(response.props?.calendarData);
    if (!response.href || !response.ok || !data) continue;
    objects.push({ url: absoluteHref(response.href, calendarUrl), etag: textOf(response.props?.getetag), data });
  }
  return objects;
}

/** RFC 4791 time-range form: UTC, YYYYMMDDTHHMMSSZ. */
export function caldavTime(time: Date): string {
  return `${time.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}
