import { RpcError } from '@calldesk/contracts';
import { isUuid } from './fields';

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/** A page of a list, keyset on id: `limit` rows with ids after `after` (null: from the first). */
export interface PageRequest {
  limit: number;
  after: string | null;
}

/**
 * Reads a list request's paging: no or zero pageSize means 50, more than 200 means 200; the
 * pageToken is the one a previous page handed out.
 */
export function readPage(request: { pageSize?: number; pageToken?: string }): PageRequest {
  const size = request.pageSize ?? 0;
  if (size < 0) throw RpcError.invalidArgument('pageSize', 'pageSize must not be negative');
  const limit = Math.min(size || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  if (!request.pageToken) return { limit, after: null };
  const after = Buffer.from(request.pageToken, 'base64url').toString('utf8');
  if (!isUuid(after)) throw RpcError.invalidArgument('pageToken', 'pageToken is not one this list handed out');
  return { limit, after };
}

/**
 * Cuts rows fetched with `LIMIT limit + 1` to the page; the extra row, when there is one, says
 * that a next page exists.
 */
export function toPage<Row extends { id: string }>(
  rows: Row[],
  page: PageRequest,
): { rows: Row[]; nextPageToken?: string } {
  if (rows.length <= page.limit) return { rows };
  const kept = rows.slice(0, page.limit);
  return { rows: kept, nextPageToken: Buffer.from(kept[kept.length - 1].id, 'utf8').toString('base64url') };
}
