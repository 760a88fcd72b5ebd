import { RpcError } from '@calldesk/contracts';

/** Why a provider call was given up. */
export type GiveUpReason = 'attempts_exhausted' | 'budget_exhausted' | 'circuit_open' | 'throttled';

/**
 * A provider that could not be reached in time: `unavailable` to callers (safe to retry). The
 * message names the reason only; the provider's own error (which may quote request content) is
 * kept as `cause` for the caller's classification and never put in the reply.
 */
export class ProviderUnavailable extends RpcError {
  constructor(
    readonly reason: GiveUpReason,
    readonly attempts: number,
    readonly retryAfterMs?: number,
    options: { cause?: unknown; provider?: string } = {},
  ) {
    super(
      'unavailable',
      `${options.provider ?? 'the provider'} is unavailable (${reason.replace('_', ' ')} after ${attempts} attempt${attempts === 1 ? '' : 's'})`,
      {
        reason,
        ...(options.provider ? { provider: options.provider } : {}),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    );
    this.cause = options.cause;
  }
}
