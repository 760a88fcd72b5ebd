import { ProviderError } from '@calldesk/connector-kit';
import { RpcError } from '@calldesk/contracts';
import { parseRetryAfter } from '@calldesk/resilience';

/** The parts of a GaxiosError we read; nothing else of it (its config holds the request body). */
interface GaxiosLike {
  status?: number;
  response?: {
    status?: number;
    headers?: { get?(name: string): string | null } | Record<string, string>;
    data?: unknown;
  };
}

const RATE_LIMITED = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

/**
 * A Google answer in our terms (connector-kit's ProviderError), with Google's `reason` kept
 * aside: 403 rateLimitExceeded is a provider failure to back off from, not a refusal; 410 means
 * "deleted" for an event and "fullSyncRequired" for a sync token. No answer at all (a refused or
 * reset connection) is `unavailable`. Nothing of the original error is kept: a GaxiosError holds
 * the request, whose body may carry a booking's title.
 */
export function googleErrorOf(error: unknown): Error {
  if (error instanceof ProviderError || error instanceof RpcError) return error;
  const failure = error as GaxiosLike;
  const status = failure?.response?.status ?? failure?.status;
  if (typeof status !== 'number') return new GoogleError('unavailable', 0, 'no_answer');
  const reason = reasonOf(failure.response?.data);
  const retryAfterMs = parseRetryAfter(headerOf(failure.response?.headers, 'retry-after'));
  if (status === 403 && reason && RATE_LIMITED.has(reason))
    return new GoogleError('unavailable', status, reason, retryAfterMs);
  const base = ProviderError.fromStatus(status, retryAfterMs);
  return new GoogleError(base.kind, status, reason, base.retryAfterMs);
}

export class GoogleError extends ProviderError {
  constructor(
    kind: ProviderError['kind'],
    status: number,
    /** Google's errors[0].reason, e.g. duplicate, fullSyncRequired, deleted, conditionNotMet. */
    readonly reason: string | undefined,
    retryAfterMs?: number,
  ) {
    super(kind, status, retryAfterMs);
  }
}

export function isGoogleStatus(error: unknown, ...statuses: number[]): error is GoogleError {
  return error instanceof GoogleError && statuses.includes(error.status ?? 0);
}

function reasonOf(data: unknown): string | undefined {
  const body = data as { error?: { errors?: { reason?: unknown }[] } | string } | undefined;
  if (typeof body?.error === 'string') return body.error; // OAuth endpoints: {"error": "invalid_grant"}
  const reason = body?.error?.errors?.[0]?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

function headerOf(headers: NonNullable<GaxiosLike['response']>['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === 'function')
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  return (headers as Record<string, string>)[name];
}
