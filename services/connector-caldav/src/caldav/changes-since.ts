import { syncCollection } from 'tsdav';
import type { Fetch } from './caldav-http';
import { absoluteHref, sameResource, textOf } from './dav-values';

export type Changes =
  | { kind: 'changes'; changed: string[]; removed: string[]; syncToken?: string }
  /** The token is no longer valid (403 valid-sync-token, or any failure): look at everything. */
  | { kind: 'resync' };

/** sync-collection REPORT (RFC 6578): the objects changed and removed since `syncToken`. */
export async function changesSince(fetch: Fetch, calendarUrl: string, syncToken: string): Promise<Changes> {
  const responses = await syncCollection({ url: calendarUrl, fetch, props: { 'd:getetag': {} }, syncLevel: 1, syncToken });
  const first = responses[0];
  if (!first || (responses.length === 1 && first.props === undefined && first.status >= 300)) return { kind: 'resync' };
  const changed: string[] = [];
  const removed: string[] = [];
  for (const response of responses) {
    if (!response.href) continue;
    const url = absoluteHref(response.href, calendarUrl);
    if (sameResource(url, calendarUrl)) continue;
    (response.status === 404 ? removed : changed).push(url);
  }
  const raw = first.raw as { multistatus?: { syncToken?: unknown } } | undefined;
  return { kind: 'changes', changed, removed, syncToken: textOf(raw?.multistatus?.syncToken) };
}
