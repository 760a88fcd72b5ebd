import { propfind } from 'tsdav';
import type { Fetch } from './caldav-http';
import { absoluteHref, checkMultistatus, sameResource, textOf } from './dav-values';
import { zoneOfCalendarTimezone } from '../ical/calendar-zone';

export interface CaldavCalendar {
  url: string;
  name: string;
  writable: boolean;
  /** The IANA zone of the calendar's own `calendar-timezone`, when it names one. */
  timeZone?: string;
  ctag?: string;
  syncToken?: string;
}

const WRITE_PRIVILEGES = ['all', 'write', 'writeContent', 'bind'];

/** The calendars under the home that can hold events, with what we need to know of each. */
export async function listCalendars(fetch: Fetch, homeUrl: string): Promise<CaldavCalendar[]> {
  const responses = checkMultistatus(
    await propfind({
      url: homeUrl,
      depth: '1',
      fetch,
      props: {
        'd:displayname': {},
        'd:resourcetype': {},
        'd:current-user-privilege-set': {},
        'c:supported-calendar-component-set': {},
        'c:calendar-timezone': {},
        'cs:getctag': {},
        'd:sync-token': {},
      },
    }),
  );
  return responses
    .filter((response) => response.href && !sameResource(absoluteHref(response.href, homeUrl), homeUrl))
    .filter((response) => response.props?.resourcetype && 'calendar' in response.props.resourcetype)
    .filter((response) => holdsEvents(response.props?.supportedCalendarComponentSet))
    .map((response) => {
      const props = response.props!;
      const url = absoluteHref(response.href!, homeUrl);
      return {
        url: url.endsWith('/') ? url : `${url}/`,
        name: textOf(props.displayname) ?? decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'calendar'),
        writable: writable(props.currentUserPrivilegeSet),
        timeZone: zoneOfCalendarTimezone(textOf(props.calendarTimezone)),
        ctag: textOf(props.getctag),
        syncToken: textOf(props.syncToken),
      };
    });
}

function holdsEvents(componentSet: unknown): boolean {
  if (!componentSet || typeof componentSet !== 'object') return true;
  const comps = (componentSet as { comp?: unknown }).comp;
  const list = Array.isArray(comps) ? comps : comps ? [comps] : [];
  const names = list.map((comp) => (comp as { _attributes?: { name?: string } })?._attributes?.name?.toUpperCase());
  return names.length === 0 || names.includes('VEVENT');
}

/** No privilege set at all: assume writable, and let a write's 403 say otherwise. */
function writable(privilegeSet: unknown): boolean {
  if (!privilegeSet || typeof privilegeSet !== 'object') return true;
  const privileges = (privilegeSet as { privilege?: unknown }).privilege;
  const list = Array.isArray(privileges) ? privileges : privileges ? [privileges] : [];
  return list.some((privilege) => privilege && typeof privilege === 'object' && WRITE_PRIVILEGES.some((name) => name in privilege));
}
