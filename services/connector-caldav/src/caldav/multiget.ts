import { davRequest } from 'tsdav';
import type { Fetch } from './caldav-http';
import { absoluteHref, checkMultistatus, decodedPath, NAMESPACES, textOf } from './dav-values';
import type { CalendarObject } from './query-time-range';

/** What a multiget says of one object: there (with its data), gone (404), or nothing we can rely on. */
export type Fetched = CalendarObject | 'gone' | 'unknown';

/**
 * calendar-multiget REPORT of known objects, keyed by the decoded path of each requested URL.
 * Only an explicit 404 says an object is gone.
 */
export async function multiget(fetch: Fetch, calendarUrl: string, urls: readonly string[]): Promise<Map<string, Fetched>> {
  const found = new Map<string, Fetched>(urls.map((url) => [decodedPath(url), 'unknown']));
  if (!urls.length) return found;
  const responses = checkMultistatus(
    await davRequest({
      url: calendarUrl,
      fetch,
      init: {
        method: 'REPORT',
        namespace: 'c',
        headers: { depth: '1' },
        body: {
          'calendar-multiget': {
            _attributes: NAMESPACES,
            'd:prop': { 'd:getetag': {}, 'c:calendar-data': {} },
            'd:href': urls.map((url) => new URL(url).pathname),
          },
        },
      },
    }),
  );
  for (const response of responses) {
    if (!response.href) continue;
    const url = absoluteHref(response.href, calendarUrl);
    const key = decodedPath(url);
    if (!found.has(key)) continue;
    const data = textOf(response.props?.calendarData);
    if (response.status === 404 || response.status === 410) found.set(key, 'gone');
    else if (response.ok && data) found.set(key, { url, etag: textOf(response.props?.getetag), data });
  }
  return found;
}
