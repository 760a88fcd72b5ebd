import type { JsonObject } from '@bufbuild/protobuf';
import { RpcError } from '@calldesk/contracts';
import { ProviderUnavailable, type Verdict } from '@calldesk/resilience';

/** What a provider's answer means to us, whatever the provider. */
export type ProviderFailure =
  /** The credentials were refused (401, invalid_grant): the connection needs reauthorization. */
  | 'auth_rejected'
  /** The account may not do this (403), e.g. write to a read-only calendar. */
  | 'forbidden'
  | 'not_found'
  /** The provider refuses because of another resource (409), e.g. a UID used elsewhere. */
  | 'conflict'
  /** A conditional request lost (412): someone changed or created the resource first. */
  | 'precondition_failed'
  /** The provider failed or could not be reached (5xx, 429, a reset, a timeout): retry later. */
  | 'unavailable'
  /** Any other refusal (4xx): our request is wrong for this provider. */
  | 'rejected';

/**
 * A provider's answer in our terms: the kind and the HTTP status, never the provider's body or
 * message, which may quote event details. This is what connectors throw and classify; it becomes
 * an RpcError in one place (`toRpcError`).
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailure,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(`provider answered ${kind.replace('_', ' ')}${status ? ` (HTTP ${status})` : ''}`);
    this.name = 'ProviderError';
  }

  static fromStatus(status: number, retryAfterMs?: number): ProviderError {
    if (status === 401) return new ProviderError('auth_rejected', status);
    if (status === 403) return new ProviderError('forbidden', status);
    if (status === 404 || status === 410) return new ProviderError('not_found', status);
    if (status === 409) return new ProviderError('conflict', status);
    if (status === 412) return new ProviderError('precondition_failed', status);
    if (status === 429 || status === 408 || status >= 500)
      return new ProviderError('unavailable', status, retryAfterMs);
    return new ProviderError('rejected', status);
  }
}

/** For RetryPolicy: provider failures are retried, answers that stand are not. */
export function classifyProviderError(error: unknown): Verdict {
  if (error instanceof ProviderError) {
    return error.kind === 'unavailable' ? { retry: true, retryAfterMs: error.retryAfterMs } : { retry: false };
  }
  // A reset connection, a refused one, a DNS failure or an attempt's timeout: the provider did not answer.
  return { retry: !(error instanceof RpcError) };
}

/**
 * True when the provider could not be reached or failed, as opposed to answering. (Calls go
 * through the retry policy, which turns a reset connection or a timeout into ProviderUnavailable.)
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof ProviderUnavailable) return true;
  if (error instanceof RpcError) return error.code === 'unavailable' || error.code === 'deadline_exceeded';
  return error instanceof ProviderError && error.kind === 'unavailable';
}

/** Neither a provider's answer nor our own error reply: a bug, to be logged where it is caught. */
export function isUnexpected(error: unknown): boolean {
  return !(error instanceof RpcError) && !(error instanceof ProviderError);
}

export function isAuthRejected(error: unknown): boolean {
  return error instanceof ProviderError && error.kind === 'auth_rejected';
}

/** The RpcError a caller gets for a provider failure; messages name the failure, never content. */
export function toRpcError(error: unknown, provider: string): RpcError {
  if (error instanceof RpcError) return error;
  if (error instanceof ProviderError) {
    switch (error.kind) {
      case 'auth_rejected':
        return new RpcError('failed_precondition', 'the connection needs reauthorization', {
          reason: 'needs_reauth',
          provider,
        });
      case 'forbidden':
        return new RpcError('failed_precondition', `${provider} refused the operation on this calendar (HTTP 403)`, {
          reason: 'forbidden',
          provider,
        });
      case 'not_found':
        return new RpcError('not_found', `${provider} has no such resource`, { provider });
      case 'conflict':
      case 'precondition_failed':
        return new RpcError('failed_precondition', `${provider} refused the change: ${error.message}`, {
          reason: error.kind,
          provider,
        });
      case 'unavailable':
        return new RpcError('unavailable', `${provider} is unavailable`, { reason: 'calendar_unavailable', provider });
      case 'rejected':
        return new RpcError('internal', `${provider} rejected the request (HTTP ${error.status ?? '?'})`, { provider });
    }
  }
  return new RpcError('internal', 'internal error');
}

/**
 * The `error` of one calendar in a busy answer: its busy list is unknown, so the member cannot be
 * offered (never an empty list for a calendar that could not be read). `details.reason` is what
 * availability reports (`needs_reauth`, `calendar_unavailable`).
 */
export function calendarReadError(
  error: unknown,
  provider: string,
): { code: string; message: string; details: JsonObject } {
  const rpcError = toRpcError(error, provider);
  const reason = rpcError.details.reason === 'needs_reauth' ? 'needs_reauth' : 'calendar_unavailable';
  return { code: rpcError.code, message: rpcError.message, details: { reason, provider } };
}
