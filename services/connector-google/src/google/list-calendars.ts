import type { ListedCalendar } from '@calldesk/connector-kit';
import type { calendar_v3 } from '@googleapis/calendar';

const FIELDS = 'items(id,summary,timeZone,accessRole,primary),nextPageToken';

/**
 * The account's calendars: id, name, zone, and whether we may write events there (with the
 * calendar.events.owned scope: calendars the user owns).
 */
export async function listCalendars(api: calendar_v3.Calendar, signal: AbortSignal): Promise<ListedCalendar[]> {
  const calendars: ListedCalendar[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await api.calendarList.list({ maxResults: 250, pageToken, fields: FIELDS }, { signal });
    for (const item of data.items ?? []) {
      if (!item.id) continue;
      calendars.push({
        providerCalendarId: item.id,
        name: item.summary ?? item.id,
        timeZone: item.timeZone ?? 'UTC',
        writable: item.accessRole === 'owner',
        isPrimary: item.primary === true,
      });
    }
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return calendars;
}
