import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from './caldav-http';
import { decodedPath } from './dav-values';
import { davXml, multistatusRequest } from './multistatus-request';
import { CALDAV, DAV, propText } from './multistatus-stream';
import type { CalendarObject } from './query-time-range';

/** What a multiget says of one object: there (with its data), gone (404), or nothing we can rely on. */
export type Fetched = CalendarObject | 'gone' | 'unknown';

/**
 * calendar-multiget REPORT of known objects, keyed by the decoded path of each requested URL,
 * read as it streams within `budget`. Only an explicit 404 (or 410) says an object is gone.
 */
export async function multiget(
  fetch: Fetch,
  calendarUrl: string,
  urls: readonly string[],
  budget: ReadBudget,
): Promise<Map<string, Fetched>> {
  const found = new Map<string, Fetched>(urls.map((url) => [decodedPath(url), 'unknown']));
  if (!urls.length) return found;
  const hrefs = urls.map((url) => `<d:href>${escapeXml(new URL(url).pathname)}</d:href>`).join('');
  const body = davXml(
    `<c:calendar-multiget><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs}</c:calendar-multiget>`,
  );
  await multistatusRequest(fetch, calendarUrl, { method: 'REPORT', depth: '1', body }, budget, (entry) => {
    if (!entry.href) return;
    const url = new URL(entry.href, calendarUrl);
    const key = decodedPath(url);
    if (!found.has(key)) return;
    budget.objectRead();
    const data = propText(entry, `${CALDAV} calendar-data`);
    if (entry.status === 404 || entry.status === 410) found.set(key, 'gone');
    else if (entry.ok && data) found.set(key, { url: url.href, etag: propText(entry, `${DAV} getetag`), data });
  });
  return found;
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
