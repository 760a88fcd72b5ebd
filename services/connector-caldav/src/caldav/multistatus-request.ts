import { ProviderError } from '@calldesk/connector-kit';
import type { ReadBudget } from '../bounds/read-budget';
import type { Fetch } from './caldav-http';
import { readMultistatus, type MultistatusEntry, type MultistatusSummary } from './multistatus-stream';

export interface MultistatusRequest {
  method: 'PROPFIND' | 'REPORT';
  depth: '0' | '1';
  /** The XML body (see davXml). */
  body: string;
}

/**
 * Sends a PROPFIND or REPORT and reads its multistatus as it streams (see readMultistatus),
 * within `budget`. An answer that is not a success is the server's error, its body unread.
 */
export async function multistatusRequest(
  fetch: Fetch,
  url: string,
  request: MultistatusRequest,
  budget: ReadBudget,
  onEntry: (entry: MultistatusEntry) => void,
): Promise<MultistatusSummary> {
  const response = await fetch(url, {
    method: request.method,
    headers: { depth: request.depth, 'content-type': 'application/xml; charset=utf-8' },
    body: request.body,
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw ProviderError.fromStatus(response.status);
  }
  return readMultistatus(response, budget, onEntry);
}

/** A request body with the prefixes our bodies use: d (DAV), c (CalDAV), cs (CalendarServer). */
export function davXml(body: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>${body.replace(
    /^<([\w:-]+)/,
    '<$1 xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"',
  )}`;
}
