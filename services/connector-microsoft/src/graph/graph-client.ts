import { classifyProviderError, isAuthRejected } from '@calldesk/connector-kit';
import { CircuitBreakers, RetryPolicy } from '@calldesk/resilience';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Client, HTTPMessageHandler, type Context, type Middleware } from '@microsoft/microsoft-graph-client';
import { Inject, Injectable } from '@nestjs/common';
import { SpanKind } from '@opentelemetry/api';
import type { MicrosoftConfig } from '../config';
import type { Connection } from '../store/connection.store';
import { graphErrorOf, isGraphStatus } from './graph-errors';
import { MicrosoftTokens } from './microsoft-tokens';

export interface CallTarget {
  connection: Connection;
  calendarId?: string;
  bookingId?: string;
}

export type GraphWork<T> = (api: Client, signal: AbortSignal) => Promise<T>;

/**
 * Every Graph call goes through here: a child span carrying ids only, the one retry policy with
 * the connection's circuit breaker (429 Retry-After honoured, fractions included), an access token
 * refreshed before it expires and once more on a 401, Graph's errors in our terms. The client is
 * built with our own middleware chain (bearer, then HTTP): no RetryHandler, no RedirectHandler,
 * and the token reaches the configured host whatever its scheme.
 */
@Injectable()
export class GraphClient {
  readonly policy: RetryPolicy;
  readonly breakers: CircuitBreakers;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    private readonly tokens: MicrosoftTokens,
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

  call<T>(operation: string, target: CallTarget, work: GraphWork<T>, options: { budgetMs?: number } = {}): Promise<T> {
    const { connection } = target;
    const attributes = spanAttributes({
      tenantId: connection.tenantId,
      memberId: connection.memberId,
      calendarId: target.calendarId,
      bookingId: target.bookingId,
      provider: 'microsoft',
    });
    return withSpan(`microsoft ${operation}`, { kind: SpanKind.CLIENT, attributes }, () =>
      this.policy.run((signal) => this.attempt(connection, work, signal), {
        classify: classifyProviderError,
        breaker: this.breakers.for(connection.id),
        provider: 'microsoft',
        budgetMs: options.budgetMs,
      }),
    );
  }

  /** Graph as one access token sees it. */
  api(accessToken: string): Client {
    let next: Middleware | undefined;
    const bearer: Middleware = {
      execute: async (context: Context) => {
        const headers = (context.options?.headers ?? {}) as Record<string, string>;
        context.options = { ...context.options, headers: { ...headers, Authorization: `Bearer ${accessToken}` } };
        await next!.execute(context);
      },
      setNext: (middleware) => {
        next = middleware;
      },
    };
    bearer.setNext!(new HTTPMessageHandler());
    return Client.initWithMiddleware({ baseUrl: this.config.MICROSOFT_GRAPH_URL, defaultVersion: 'v1.0', middleware: bearer });
  }

  private async attempt<T>(connection: Connection, work: GraphWork<T>, signal: AbortSignal): Promise<T> {
    const token = await this.tokens.accessToken(connection);
    try {
      return await work(this.api(token), signal);
    } catch (error) {
      const failure = graphErrorOf(error);
      if (!isGraphStatus(failure, 401)) throw failure;
    }
    const fresh = await this.tokens.refresh(connection, token);
    try {
      return await work(this.api(fresh), signal);
    } catch (error) {
      const failure = graphErrorOf(error);
      if (isAuthRejected(failure)) this.tokens.forget(connection.id);
      throw failure;
    }
  }
}

/** A Graph link (@odata.nextLink, @odata.deltaLink) as the client takes it: path and query below the version. */
export function relativeLink(link: string): string {
  const url = new URL(link);
  return `${url.pathname.replace(/^\/(v1\.0|beta)/, '')}${url.search}`;
}
