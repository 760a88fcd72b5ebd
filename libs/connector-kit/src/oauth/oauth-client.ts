import { CircuitBreakers, RetryPolicy } from '@calldesk/resilience';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { SpanKind } from '@opentelemetry/api';
import { classifyProviderError, isAuthRejected } from '../provider-error';
import type { OAuthConnection } from './connection.store';
import type { OAuthTokens } from './oauth-tokens';

/** Whom a call is for, as its span says: a CalendarTarget is one. */
export interface CallTarget {
  connection: OAuthConnection;
  calendar?: { id: string };
  bookingId?: string;
}

/** The connector settings the retry policy and circuit breakers are built from. */
export interface ProviderCallConfig {
  PROVIDER_MAX_ATTEMPTS: number;
  PROVIDER_BACKOFF_MS: number;
  PROVIDER_BUDGET_MS: number;
  PROVIDER_ATTEMPT_TIMEOUT_MS: number;
  CIRCUIT_FAILURE_THRESHOLD: number;
  CIRCUIT_OPEN_MS: number;
}

/**
 * Every provider API call goes through here: a child span carrying ids only, the one retry policy
 * with the connection's circuit breaker, an access token refreshed before it expires and once more
 * on a 401, and the provider's errors in our terms. The provider builds its API client (`api`) and
 * translates its errors (`errorOf`).
 */
export abstract class OAuthClient<Api> {
  readonly policy: RetryPolicy;
  readonly breakers: CircuitBreakers;

  constructor(
    config: ProviderCallConfig,
    private readonly tokens: OAuthTokens,
    private readonly provider: string,
  ) {
    this.policy = new RetryPolicy({
      maxAttempts: config.PROVIDER_MAX_ATTEMPTS,
      baseDelayMs: config.PROVIDER_BACKOFF_MS,
      maxDelayMs: Math.max(config.PROVIDER_BACKOFF_MS, 2_000),
      budgetMs: config.PROVIDER_BUDGET_MS,
      attemptTimeoutMs: config.PROVIDER_ATTEMPT_TIMEOUT_MS,
    });
    this.breakers = new CircuitBreakers({
      failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
      openMs: config.CIRCUIT_OPEN_MS,
    });
  }

  call<T>(
    operation: string,
    target: CallTarget,
    work: (api: Api, signal: AbortSignal) => Promise<T>,
    options: { budgetMs?: number } = {},
  ): Promise<T> {
    const { connection } = target;
    const attributes = spanAttributes({
      tenantId: connection.tenantId,
      memberId: connection.memberId,
      calendarId: target.calendar?.id,
      bookingId: target.bookingId,
      provider: this.provider,
    });
    return withSpan(`${this.provider} ${operation}`, { kind: SpanKind.CLIENT, attributes }, () =>
      this.policy.run((signal) => this.attempt(connection, work, signal), {
        classify: classifyProviderError,
        breaker: this.breakers.for(connection.id),
        provider: this.provider,
        operation,
        budgetMs: options.budgetMs,
      }),
    );
  }

  /** The provider's API as one access token sees it. */
  abstract api(accessToken: string): Api;

  /** A provider failure in our terms (a ProviderError or an RpcError). */
  protected abstract errorOf(error: unknown): Error;

  /** Whether `failure` (from `errorOf`) is the provider's 401. */
  protected abstract isUnauthorized(failure: Error): boolean;

  private async attempt<T>(
    connection: OAuthConnection,
    work: (api: Api, signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    const token = await this.tokens.accessToken(connection);
    try {
      return await work(this.api(token), signal);
    } catch (error) {
      const failure = this.errorOf(error);
      if (!this.isUnauthorized(failure)) throw failure;
    }
    // 401: the token was revoked or expired early. Refresh (which finds a dead grant) and try once more.
    const fresh = await this.tokens.refresh(connection, token);
    try {
      return await work(this.api(fresh), signal);
    } catch (error) {
      const failure = this.errorOf(error);
      if (isAuthRejected(failure)) this.tokens.forget(connection.id);
      throw failure;
    }
  }
}
