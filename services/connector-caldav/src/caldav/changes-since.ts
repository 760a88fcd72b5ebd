import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from './caldav-http';
import { escapeXml } from './multiget';
import { davXml, multistatusRequest } from './multistatus-request';
import { decodedPath } from './dav-values';

export type Changes =
  | { kind: 'changes'; changed: string[]; removed: string[]; syncToken?: string }
  /** The token is no longer valid (403 valid-sync-token, or any failure): look at everything. */
  | { kind: 'resync' };

/**
 * sync-collection REPORT (RFC 6578): the objects changed and removed since `syncToken`, read as
 * they stream within `budget` (each named object counts as one read). A refusal of the token, or
 * any failure, is a `resync`.
 */
export async function changesSince(
  fetch: Fetch,
  calendarUrl: string,
  syncToken: string,
  budget: ReadBudget,
): Promise<Changes> {
  const changed: string[] = [];
  const removed: string[] = [];
  const calendarPath = decodedPath(calendarUrl);
  const body = davXml(
    `<d:sync-collection><d:sync-token>${escapeXml(syncToken)}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
  );
  try {
    const summary = await multistatusRequest(
      fetch,
      calendarUrl,
      { method: 'REPORT', depth: '1', body },
      budget,
      (entry) => {
        if (!entry.href) return;
        const url = new URL(entry.href, calendarUrl);
        if (decodedPath(url) === calendarPath) return;
        budget.objectRead();
        (entry.status === 404 ? removed : changed).push(url.href);
      },
    );
    return { kind: 'changes', changed, removed, syncToken: summary.syncToken };
  } catch {
    return { kind: 'resync' };
  }
}
