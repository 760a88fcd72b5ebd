import { ProviderError } from '@calldesk/connector-kit';
import type { Fetch } from './caldav-http';

export interface StoredObject {
  etag?: string;
  data: string;
}

/** GET of one object; undefined when it is not there. */
export async function getObject(fetch: Fetch, url: string): Promise<StoredObject | undefined> {
  const response = await fetch(url, { method: 'GET', headers: { accept: 'text/calendar' } });
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw ProviderError.fromStatus(response.status);
  }
  return { etag: response.headers.get('etag') ?? undefined, data: await response.text() };
}

export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export type WriteOutcome =
  | { kind: 'written'; etag?: string }
  /** 412: If-None-Match found it there already, or If-Match found it changed. */
  | { kind: 'precondition_failed' }
  /** 409, or a 207 carrying no-uid-conflict (Xandikos): the UID lives under another href. */
  | { kind: 'uid_conflict' }
  | { kind: 'not_found' };

/** PUT of one object with a condition; 412 and 409 are outcomes, other refusals throw. */
export async function putObject(
  fetch: Fetch,
  url: string,
  ics: string,
  condition: WriteCondition,
): Promise<WriteOutcome> {
  const headers: Record<string, string> = { 'content-type': 'text/calendar; charset=utf-8' };
  if ('ifNoneMatch' in condition) headers['if-none-match'] = '*';
  else headers['if-match'] = condition.ifMatch;
  const response = await fetch(url, { method: 'PUT', headers, body: ics });
  const text = response.status === 207 ? await response.text() : (await response.body?.cancel(), '');
  if (response.status === 412) return { kind: 'precondition_failed' };
  if (response.status === 409 || (response.status === 207 && /no-uid-conflict/.test(text)))
    return { kind: 'uid_conflict' };
  if (response.status === 207 && /\b412\b/.test(text)) return { kind: 'precondition_failed' };
  if (response.status === 404) return { kind: 'not_found' };
  if (!response.ok || response.status === 207)
    throw ProviderError.fromStatus(response.status === 207 ? 400 : response.status);
  return { kind: 'written', etag: response.headers.get('etag') ?? undefined };
}

export type DeleteOutcome = 'deleted' | 'not_found' | 'precondition_failed';

/** DELETE of one object, with If-Match when we know its etag. */
export async function deleteObject(fetch: Fetch, url: string, etag?: string): Promise<DeleteOutcome> {
  const response = await fetch(url, { method: 'DELETE', headers: etag ? { 'if-match': etag } : {} });
  await response.body?.cancel();
  if (response.status === 404 || response.status === 410) return 'not_found';
  if (response.status === 412) return 'precondition_failed';
  if (!response.ok) throw ProviderError.fromStatus(response.status);
  return 'deleted';
}
