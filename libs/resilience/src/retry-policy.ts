import { RpcError } from '@calldesk/contracts';
import type { CircuitBreaker } from './circuit-breaker';
import { systemClock, type Clock } from './clock';
import { ProviderMetrics } from './provider-metrics';
import { ProviderUnavailable } from './provider-unavailable';

export interface RetryPolicyOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** The first backoff step; it doubles each attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The most one call may take, waits included; the call's own budget may be shorter. */
  budgetMs: number;
  /** The most one attempt may take before it is aborted (and counted as a provider failure). */
  attemptTimeoutMs: number;
}

/**
 * What a failed attempt means. `retry`: the provider failed (5xx, 429, a timeout, a reset
 * connection) and the same request may be sent again, after `retryAfterMs` when the provider
 * said so. `fail`: the provider answered and the answer stands (400, 404, 409, 412, ...); it is
 * rethrown as it is.
 */
export type Verdict = { retry: true; retryAfterMs?: number } | { retry: false };

export interface CallOptions {
  /** Maps a failure to a verdict; provider-specific (each connector has one). */
  classify: (error: unknown) => Verdict;
  /** The connection's breaker: refuses calls while its provider is failing. */
  breaker?: CircuitBreaker;
  /** A shorter budget for this call, e.g. what is left of the caller's deadline. */
  budgetMs?: number;
  /** Named in the error callers see, and in the metrics. */
  provider?: string;
  /** What the call does (e.g. `events.insert`), for the metrics. */
  operation?: string;
}

export const DEFAULT_RETRY_POLICY: RetryPolicyOptions = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  budgetMs: 4_000,
  attemptTimeoutMs: 2_500,
};

/**
 * The one retry policy of every provider call: bounded attempts within a bounded time,
 * exponential backoff with full jitter, Retry-After honoured (and shared with other calls of the
 * connection through its breaker), a circuit breaker per connection. Giving up is
 * ProviderUnavailable (`unavailable`: safe for the caller to retry later); an answer that stands
 * is rethrown unchanged. Every attempt gets an AbortSignal that fires at its timeout, and is
 * timed in the metrics with what it came to, as is each breaker's opening and closing.
 */
export class RetryPolicy {
  private readonly metrics = new ProviderMetrics();

  constructor(
    readonly options: RetryPolicyOptions = DEFAULT_RETRY_POLICY,
    private readonly clock: Clock = systemClock,
  ) {}

  async run<T>(work: (signal: AbortSignal, attempt: number) => Promise<T>, call: CallOptions): Promise<T> {
    const start = this.clock.now();
    const deadline = start + Math.min(call.budgetMs ?? this.options.budgetMs, this.options.budgetMs);
    let lastError: unknown;
    let lastRetryAfter: number | undefined;
    for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
      await this.waitForBreaker(call, deadline, attempt, lastError);
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        // The wait for the breaker ended past the budget: its permit, a half-open breaker's only
        // probe, goes unused, or the breaker would wait on it for ever.
        this.tell(call, (breaker) => breaker.unused());
        throw this.giveUp('budget_exhausted', attempt - 1, call, lastError, lastRetryAfter);
      }
      const startedAt = performance.now();
      try {
        const result = await this.attempt(work, attempt, Math.min(this.options.attemptTimeoutMs, remaining));
        this.metrics.attempted(call.provider ?? 'unknown', call.operation ?? 'unknown', startedAt, 'ok');
        this.tell(call, (breaker) => breaker.success());
        return result;
      } catch (error) {
        this.metrics.attempted(
          call.provider ?? 'unknown',
          call.operation ?? 'unknown',
          startedAt,
          failureStatus(error),
        );
        const verdict = call.classify(error);
        if (!verdict.retry) {
          // The provider answered: it is up, and its answer is the caller's to handle.
          this.tell(call, (breaker) => breaker.success());
          throw error;
        }
        lastError = error;
        lastRetryAfter = verdict.retryAfterMs;
        this.tell(call, (breaker) => breaker.failure(verdict.retryAfterMs));
        if (attempt === this.options.maxAttempts) break;
        const delay = verdict.retryAfterMs ?? this.backoff(attempt);
        if (this.clock.now() + delay >= deadline) {
          const reason = verdict.retryAfterMs !== undefined ? 'throttled' : 'budget_exhausted';
          throw this.giveUp(reason, attempt, call, error, verdict.retryAfterMs);
        }
        await this.clock.sleep(delay);
      }
    }
    throw this.giveUp('attempts_exhausted', this.options.maxAttempts, call, lastError, lastRetryAfter);
  }

  /** Full jitter: a random wait up to the exponential step, so a burst of retries spreads out. */
  backoff(attempt: number): number {
    const step = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(this.clock.random() * step);
  }

  /** Tells the call's breaker what an attempt came to, counting it when that opens or closes it. */
  private tell(call: CallOptions, report: (breaker: CircuitBreaker) => void): void {
    if (!call.breaker) return;
    const wasOpen = call.breaker.state !== 'closed';
    report(call.breaker);
    const open = call.breaker.state !== 'closed';
    if (open !== wasOpen) this.metrics.breakerChanged(call.provider ?? 'unknown', open);
  }

  private async attempt<T>(
    work: (signal: AbortSignal, attempt: number) => Promise<T>,
    attempt: number,
    timeoutMs: number,
  ): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new AttemptTimeout(timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([work(controller.signal, attempt), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async waitForBreaker(
    call: CallOptions,
    deadline: number,
    attempt: number,
    lastError: unknown,
  ): Promise<void> {
    if (!call.breaker) return;
    for (;;) {
      const permit = call.breaker.permit();
      if (permit.allowed) return;
      // Worth waiting only if the breaker reopens in time for an attempt.
      if (permit.until >= deadline)
        throw this.giveUp('circuit_open', attempt - 1, call, lastError, permit.until - this.clock.now());
      await this.clock.sleep(Math.max(1, permit.until - this.clock.now()));
    }
  }

  private giveUp(
    reason: ProviderUnavailable['reason'],
    attempts: number,
    call: CallOptions,
    cause: unknown,
    retryAfterMs?: number,
  ): ProviderUnavailable {
    return new ProviderUnavailable(reason, attempts, retryAfterMs, { cause, provider: call.provider });
  }
}

/**
 * The status of a failed attempt in the metrics: the HTTP status the provider answered with
 * (connector-kit's ProviderError carries it), `timeout`, our own error's code, or `no_answer` (a
 * refused or reset connection, a DNS failure).
 */
function failureStatus(error: unknown): string {
  if (error instanceof AttemptTimeout) return 'timeout';
  if (error instanceof RpcError) return error.code;
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status > 0 ? String(status) : 'no_answer';
}

/** An attempt that took longer than the policy allows; a provider failure, so retryable. */
export class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeout';
  }
}
