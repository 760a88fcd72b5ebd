import { ProviderError } from '@calldesk/connector-kit';
import { propfind } from 'tsdav';
import type { Fetch } from './caldav-http';
import { checkMultistatus, textOf } from './dav-values';

export interface CollectionState {
  ctag?: string;
  /** Present when the server supports sync-collection (RFC 6578) on this calendar. */
  syncToken?: string;
}

/** The calendar's change markers, in one PROPFIND of depth 0. A calendar gone is `not_found`. */
export async function collectionState(fetch: Fetch, calendarUrl: string): Promise<CollectionState> {
  const responses = checkMultistatus(
    await propfind({ url: calendarUrl, depth: '0', fetch, props: { 'cs:getctag': {}, 'd:sync-token': {} } }),
  );
  const own = responses.find((response) => response.ok) ?? responses[0];
  if (!own || !own.ok) throw ProviderError.fromStatus(own?.status ?? 404);
  return { ctag: textOf(own.props?.getctag), syncToken: textOf(own.props?.syncToken) };
}

/** The marker that says "something changed": the sync-token where there is one, else the ctag. */
export function changeMarker(state: CollectionState): string | undefined {
  return state.syncToken ?? state.ctag;
}
