import { ProviderError } from '@calldesk/connector-kit';
import { RpcError } from '@calldesk/contracts';
import { parseRetryAfter } from '@calldesk/resilience';

/** The parts of a GraphError we read; nothing else (its body may quote what we sent). */
interface GraphErrorLike {
  statusCode?: number;
  code?: string | null;
  headers?: { get?(name: string): string | null };
}

/** A Graph or identity-platform answer in our terms, with Graph's error code kept aside. */
export class GraphFailure extends ProviderError {
  constructor(
    kind: ProviderError['kind'],
    status: number,
    /** Graph's error.code (ErrorDuplicateTransactionId, SyncStateNotFound, ...) or OAuth's error (invalid_grant). */
    readonly code: string | undefined,
    retryAfterMs?: number,
  ) {
    super(kind, status, retryAfterMs);
  }
}

/**
 * Any failure of a Graph call as a ProviderError: 429/5xx with their Retry-After (seconds, maybe
 * fractional) for the retry policy, no answer at all as unavailable. Nothing of the original kept.
 */
export function graphErrorOf(error: unknown): Error {
  if (error instanceof ProviderError || error instanceof RpcError) return error;
  const failure = error as GraphErrorLike;
  const status = typeof failure?.statusCode === 'number' && failure.statusCode > 0 ? failure.statusCode : undefined;
  if (!status) return new GraphFailure('unavailable', 0, 'no_answer');
  const retryAfterMs = parseRetryAfter(failure.headers?.get?.('retry-after') ?? undefined);
  const base = ProviderError.fromStatus(status, retryAfterMs);
  return new GraphFailure(base.kind, status, failure.code ?? undefined, base.retryAfterMs);
}

export function isGraphStatus(error: unknown, ...statuses: number[]): error is GraphFailure {
  return error instanceof GraphFailure && statuses.includes(error.status ?? 0);
}
