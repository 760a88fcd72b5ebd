import { ProviderError } from '@calldesk/connector-kit';
import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from './caldav-http';
import { davXml, multistatusRequest } from './multistatus-request';
import { CALENDARSERVER, DAV, propText, type MultistatusEntry } from './multistatus-stream';

export interface CollectionState {
  ctag?: string;
  /** Present when the server supports sync-collection (RFC 6578) on this calendar. */
  syncToken?: string;
}

/** The calendar's change markers, in one PROPFIND of depth 0. A calendar gone is `not_found`. */
export async function collectionState(fetch: Fetch, calendarUrl: string, budget: ReadBudget): Promise<CollectionState> {
  const entries: MultistatusEntry[] = [];
  const body = davXml('<d:propfind><d:prop><cs:getctag/><d:sync-token/></d:prop></d:propfind>');
  await multistatusRequest(fetch, calendarUrl, { method: 'PROPFIND', depth: '0', body }, budget, (entry) => {
    budget.objectRead();
    entries.push(entry);
  });
  const own = entries.find((entry) => entry.ok) ?? entries[0];
  if (!own || !own.ok) throw ProviderError.fromStatus(own?.status ?? 404);
  return { ctag: propText(own, `${CALENDARSERVER} getctag`), syncToken: propText(own, `${DAV} sync-token`) };
}

/** The marker that says "something changed": the sync-token where there is one, else the ctag. */
export function changeMarker(state: CollectionState): string | undefined {
  return state.syncToken ?? state.ctag;
}
