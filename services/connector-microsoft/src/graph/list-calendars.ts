import { ianaZoneOf, type ListedCalendar } from '@calldesk/connector-kit';
import type { Client } from '@microsoft/microsoft-graph-client';
import { relativeLink } from './graph-client';

/**
 * The mailbox's calendars: id, name, whether we may write there. Graph calendars have no zone of
 * their own: each takes the mailbox's (mailboxSettings.timeZone, often a Windows name), UTC when
 * it cannot be read or named.
 */
export async function listCalendars(api: Client, signal: AbortSignal): Promise<ListedCalendar[]> {
  let settings: { timeZone?: string } = {};
  try {
    settings = await api.api('/me/mailboxSettings').select('timeZone').option('signal', signal).get();
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 403) throw error;
  }
  const timeZone = ianaZoneOf(settings.timeZone) ?? 'UTC';
  const calendars: ListedCalendar[] = [];
  let page = await api
    .api('/me/calendars')
    .select(['id', 'name', 'canEdit', 'isDefaultCalendar'])
    .top(100)
    .option('signal', signal)
    .get();
  for (;;) {
    for (const item of page.value ?? []) {
      calendars.push({
        providerCalendarId: item.id,
        name: item.name ?? item.id,
        timeZone,
        writable: item.canEdit === true,
        isPrimary: item.isDefaultCalendar === true,
      });
    }
    if (!page['@odata.nextLink']) return calendars;
    page = await api.api(relativeLink(page['@odata.nextLink'])).option('signal', signal).get();
  }
}
