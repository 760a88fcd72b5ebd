import { classifyProviderError, isAuthRejected } from '@calldesk/connector-kit';
import { CircuitBreakers, RetryPolicy } from '@calldesk/resilience';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import type { GoogleConfig } from '../config';
import type { Connection } from '../store/connection.store';
import { googleErrorOf, isGoogleStatus } from './google-errors';
import { GoogleOAuth } from './google-oauth';
import { GoogleTokens } from './google-tokens';

export interface CallTarget {
  connection: Connection;
  calendarId?: string;
  bookingId?: string;
}

export type GoogleWork<T> = (api: calendar_v3.Calendar, signal: AbortSignal) => Promise<T>;

/**
 * Every Calendar API call goes through here: a child span carrying ids only, the one retry
 * policy with the connection's circuit breaker, an access token refreshed before it expires and
 * once more on a 401, and Google's errors in our terms. The client's own retries are off.
 */
@Injectable()
export class GoogleClient {
  readonly policy: RetryPolicy;
  readonly breakers: CircuitBreakers;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    private readonly oauth: GoogleOAuth,
    private readonly tokens: GoogleTokens,
  ) {
    this.policy = new RetryPolicy({
      maxAttempts: config.PROVIDER_MAX_ATTEMPTS,
      baseDelayMs: config.PROVIDER_BACKOFF_MS,
      maxDelayMs: Math.max(config.PROVIDER_BACKOFF_MS, 2_000),
      budgetMs: config.PROVIDER_BUDGET_MS,
      attemptTimeoutMs: config.PROVIDER_ATTEMPT_TIMEOUT_MS,
    });
    this.breakers = new CircuitBreakers({ failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD, openMs: config.CIRCUIT_OPEN_MS });
  }

  call<T>(operation: string, target: CallTarget, work: GoogleWork<T>, options: { budgetMs?: number } = {}): Promise<T> {
    const { connection } = target;
    const attributes = spanAttributes({
      tenantId: connection.tenantId,
      memberId: connection.memberId,
      calendarId: target.calendarId,
      bookingId: target.bookingId,
      provider: 'google',
    });
    return withSpan(`google ${operation}`, { kind: SpanKind.CLIENT, attributes }, () =>
      this.policy.run((signal) => this.attempt(connection, work, signal), {
        classify: classifyProviderError,
        breaker: this.breakers.for(connection.id),
        provider: 'google',
        budgetMs: options.budgetMs,
      }),
    );
  }

  /** The Calendar API as one access token sees it. */
  api(accessToken: string): calendar_v3.Calendar {
    return calendar({ version: 'v3', auth: this.oauth.bearer(accessToken), rootUrl: this.config.GOOGLE_API_ROOT_URL, retry: false });
  }

  private async attempt<T>(connection: Connection, work: GoogleWork<T>, signal: AbortSignal): Promise<T> {
    const token = await this.tokens.accessToken(connection);
    try {
      return await work(this.api(token), signal);
    } catch (error) {
      const failure = googleErrorOf(error);
      if (!isGoogleStatus(failure, 401)) throw failure;
    }
    // 401: the token was revoked or expired early. Refresh (which finds a dead grant) and try once more.
    const fresh = await this.tokens.refresh(connection);
    try {
      return await work(this.api(fresh), signal);
    } catch (error) {
      const failure = googleErrorOf(error);
      if (isAuthRejected(failure)) this.tokens.forget(connection.id);
      throw failure;
    }
  }
}
