import type { Client } from '@microsoft/microsoft-graph-client';
import { relativeLink } from './graph-client';

export interface BusyEvent {
  eventId: string;
  start: number;
  end: number;
}

interface ViewItem {
  id?: string;
  start?: { dateTime?: string; timeZone?: string };
  end?: { dateTime?: string; timeZone?: string };
  showAs?: string;
  isCancelled?: boolean;
}

const SELECT = ['start', 'end', 'showAs', 'isCancelled', 'type'];
const PREFER = 'outlook.timezone="UTC", odata.maxpagesize=250';

/**
 * A calendar's busy events over [from, to): calendarView (occurrences expanded by Graph) with
 * $select limited to times and showAs, in UTC, every page. Free and cancelled events do not block;
 * tentative, busy, out-of-office, working elsewhere and unknown do.
 */
export async function busyEvents(api: Client, signal: AbortSignal, calendarId: string, from: number, to: number): Promise<BusyEvent[]> {
  const busy: BusyEvent[] = [];
  let page = await api
    .api(`/me/calendars/${encodeURIComponent(calendarId)}/calendarView`)
    .query({ startDateTime: new Date(from).toISOString(), endDateTime: new Date(to).toISOString() })
    .select(SELECT)
    .header('Prefer', PREFER)
    .option('signal', signal)
    .get();
  for (;;) {
    for (const item of (page.value ?? []) as ViewItem[]) {
      if (item.isCancelled || item.showAs === 'free' || !item.id) continue;
      const start = utcInstant(item.start);
      const end = utcInstant(item.end);
      if (start !== undefined && end !== undefined && start < end) busy.push({ eventId: item.id, start, end });
    }
    if (!page['@odata.nextLink']) return busy;
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
