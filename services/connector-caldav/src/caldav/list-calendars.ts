import type { ReadBudget } from '../bounds/read-budget';
import { zoneOfCalendarTimezone } from '../ical/calendar-zone';
import type { Fetch } from './caldav-http';
import { decodedPath } from './dav-values';
import { davXml, multistatusRequest } from './multistatus-request';
import { CALDAV, CALENDARSERVER, DAV, propText, type MultistatusEntry } from './multistatus-stream';

export interface CaldavCalendar {
  url: string;
  name: string;
  writable: boolean;
  /** The IANA zone of the calendar's own `calendar-timezone`, when it names one. */
  timeZone?: string;
  ctag?: string;
  syncToken?: string;
}

const WRITE_PRIVILEGES = ['all', 'write', 'write-content', 'bind'].map((name) => `${DAV} ${name}`);

const LIST_BODY = davXml(
  '<d:propfind><d:prop><d:displayname/><d:resourcetype/><d:current-user-privilege-set/>' +
    '<c:supported-calendar-component-set/><c:calendar-timezone/><cs:getctag/><d:sync-token/></d:prop></d:propfind>',
);

/** The calendars under the home that can hold events, with what we need to know of each, read as they stream within `budget`. */
export async function listCalendars(fetch: Fetch, homeUrl: string, budget: ReadBudget): Promise<CaldavCalendar[]> {
  const calendars: CaldavCalendar[] = [];
  const homePath = decodedPath(homeUrl);
  await multistatusRequest(fetch, homeUrl, { method: 'PROPFIND', depth: '1', body: LIST_BODY }, budget, (entry) => {
    if (!entry.href || !entry.ok) return;
    budget.objectRead();
    const url = new URL(entry.href, homeUrl);
    if (decodedPath(url) === homePath || !entry.props.get(`${DAV} resourcetype`)?.elements.has(`${CALDAV} calendar`))
      return;
    if (!holdsEvents(entry)) return;
    const href = url.href.endsWith('/') ? url.href : `${url.href}/`;
    calendars.push({
      url: href,
      name:
        propText(entry, `${DAV} displayname`) ??
        (decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '') || 'calendar'),
      writable: writable(entry),
      timeZone: zoneOfCalendarTimezone(propText(entry, `${CALDAV} calendar-timezone`)),
      ctag: propText(entry, `${CALENDARSERVER} getctag`),
      syncToken: propText(entry, `${DAV} sync-token`),
    });
  });
  return calendars;
}

/** No component set: any component, events included. */
function holdsEvents(entry: MultistatusEntry): boolean {
  const names = entry.props.get(`${CALDAV} supported-calendar-component-set`)?.names ?? [];
  return names.length === 0 || names.some((name) => name.toUpperCase() === 'VEVENT');
}

/** No privilege set at all: assume writable, and let a write's 403 say otherwise. */
function writable(entry: MultistatusEntry): boolean {
  const privileges = entry.props.get(`${DAV} current-user-privilege-set`);
  return !privileges || WRITE_PRIVILEGES.some((name) => privileges.elements.has(name));
}
