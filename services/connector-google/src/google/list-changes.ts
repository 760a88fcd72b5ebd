import type { ChangedEvent } from '@calldesk/connector-kit';
import type { calendar_v3 } from '@googleapis/calendar';

/** Times and status only: no title, description, location or attendees ever leave Google for us. */
export const SYNC_FIELDS = 'items(id,status,start,end,transparency),nextPageToken,nextSyncToken';

export interface Changes {
  events: ChangedEvent[];
  /** For the next incremental sync; absent when Google gave none. */
  syncToken?: string;
  full: boolean;
}

/**
 * Lists a calendar's events: since `syncToken` (deletions come as status cancelled), or in full
 * from `fullFrom` when there is no token. All pages; the sync token comes on the last one. An
 * expired token answers 410 (the caller syncs in full).
 */
export async function listChanges(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarId: string,
  syncToken: string | null,
  fullFrom: Date,
): Promise<Changes> {
  const events: ChangedEvent[] = [];
  let pageToken: string | undefined;
  let nextSyncToken: string | undefined;
  do {
    const { data } = await api.events.list(
      {
        calendarId,
        singleEvents: true,
        maxResults: 2_500,
        fields: SYNC_FIELDS,
        pageToken,
        ...(syncToken ? { syncToken } : { timeMin: fullFrom.toISOString(), showDeleted: false }),
      },
      { signal },
    );
    for (const item of data.items ?? []) {
      if (!item.id) continue;
      events.push({
        eventId: item.id,
        cancelled: item.status === 'cancelled',
        start: instant(item.start),
        end: instant(item.end),
      });
    }
    pageToken = data.nextPageToken ?? undefined;
    nextSyncToken = data.nextSyncToken ?? nextSyncToken;
  } while (pageToken);
  return { events, syncToken: nextSyncToken, full: !syncToken };
}

function instant(time: calendar_v3.Schema$EventDateTime | undefined): number | undefined {
  if (!time) return undefined;
  const value = time.dateTime ?? time.date;
  return value ? Date.parse(value) : undefined;
}
