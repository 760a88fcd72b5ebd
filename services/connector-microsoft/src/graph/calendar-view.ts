import type { Client } from '@microsoft/microsoft-graph-client';
import { relativeLink } from './graph-client';

export interface BusyEvent {
  eventId: string;
  start: number;
  end: number;
}

/** One event or occurrence of a calendar view, as far as we read it: times and whether it blocks. */
export interface ViewEvent {
  eventId: string;
  start?: number;
  end?: number;
  showAs?: string;
  cancelled: boolean;
}

interface ViewItem {
  id?: string;
  start?: { dateTime?: string; timeZone?: string };
  end?: { dateTime?: string; timeZone?: string };
  showAs?: string;
  isCancelled?: boolean;
}

const SELECT = ['start', 'end', 'showAs', 'isCancelled', 'type', 'seriesMasterId'];
const PREFER = 'outlook.timezone="UTC", odata.maxpagesize=250';

/**
 * A calendar's busy events over [from, to): free and cancelled events do not block; tentative,
 * busy, out-of-office, working elsewhere and unknown do.
 */
export async function busyEvents(
  api: Client,
  signal: AbortSignal,
  calendarId: string,
  from: number,
  to: number,
): Promise<BusyEvent[]> {
  return (await calendarView(api, signal, calendarId, from, to)).flatMap((event) =>
    event.cancelled ||
    event.showAs === 'free' ||
    event.start === undefined ||
    event.end === undefined ||
    event.start >= event.end
      ? []
      : [{ eventId: event.eventId, start: event.start, end: event.end }],
  );
}

/**
 * Every event and occurrence of a calendar over [from, to): calendarView (occurrences expanded by
 * Graph) with $select limited to times, showAs and series, in UTC, every page. Graph honours
 * $select here (its delta does not), so no subject, body, location or attendee ever reaches us.
 */
export async function calendarView(
  api: Client,
  signal: AbortSignal,
  calendarId: string,
  from: number,
  to: number,
): Promise<ViewEvent[]> {
  const events: ViewEvent[] = [];
  let page = await api
    .api(`/me/calendars/${encodeURIComponent(calendarId)}/calendarView`)
    .query({ startDateTime: new Date(from).toISOString(), endDateTime: new Date(to).toISOString() })
    .select(SELECT)
    .header('Prefer', PREFER)
    .option('signal', signal)
    .get();
  for (;;) {
    for (const item of (page.value ?? []) as ViewItem[]) {
      if (!item.id) continue;
      events.push({
        eventId: item.id,
        start: utcInstant(item.start),
        end: utcInstant(item.end),
        showAs: item.showAs,
        cancelled: item.isCancelled === true,
      });
    }
    if (!page['@odata.nextLink']) return events;
    page = await api.api(relativeLink(page['@odata.nextLink'])).header('Prefer', PREFER).option('signal', signal).get();
  }
}

/** A Graph dateTime asked for in UTC ("2030-01-07T15:00:00.0000000", timeZone UTC) as epoch ms. */
export function utcInstant(time: { dateTime?: string; timeZone?: string } | undefined): number | undefined {
  if (!time?.dateTime) return undefined;
  const text = /[zZ]|[+-]\d\d:\d\d$/.test(time.dateTime) ? time.dateTime : `${time.dateTime}Z`;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
