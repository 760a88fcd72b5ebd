import type { Client } from '@microsoft/microsoft-graph-client';
import { utcInstant } from './calendar-view';
import { relativeLink } from './graph-client';

export interface DeltaItem {
  eventId: string;
  removed: boolean;
  cancelled: boolean;
  start?: number;
  end?: number;
}

export interface DeltaRound {
  items: DeltaItem[];
  deltaLink?: string;
  full: boolean;
}

/**
 * One delta round over a calendarView: from the stored deltaLink (changes since), or a new
 * round over [from, to) when there is none. Every page is followed; the deltaLink comes on the
 * last. Graph's delta ignores $select, so each item is cut to id, times and status on arrival:
 * the rest (subject, body, attendees) is never kept. An expired link answers 410.
 */
export async function deltaRound(api: Client, signal: AbortSignal, calendarId: string, deltaLink: string | null, from: Date, to: Date): Promise<DeltaRound> {
  const items: DeltaItem[] = [];
  const first = deltaLink
    ? relativeLink(deltaLink)
    : `/me/calendars/${encodeURIComponent(calendarId)}/calendarView/delta?startDateTime=${from.toISOString()}&endDateTime=${to.toISOString()}`;
  let page = await api.api(first).header('Prefer', 'outlook.timezone="UTC", odata.maxpagesize=200').option('signal', signal).get();
  for (;;) {
    for (const raw of (page.value ?? []) as Record<string, unknown>[]) items.push(cut(raw));
    const next = page['@odata.nextLink'];
    if (!next) return { items, deltaLink: page['@odata.deltaLink'], full: !deltaLink };
    page = await api.api(relativeLink(next)).header('Prefer', 'outlook.timezone="UTC", odata.maxpagesize=200').option('signal', signal).get();
  }
}

function cut(raw: Record<string, unknown>): DeltaItem {
  const start = raw.start as { dateTime?: string; timeZone?: string } | undefined;
  const end = raw.end as { dateTime?: string; timeZone?: string } | undefined;
  return {
    eventId: String(raw.id ?? ''),
    removed: raw['@removed'] !== undefined,
    cancelled: raw.isCancelled === true,
    start: utcInstant(start),
    end: utcInstant(end),
  };
}
