import { classifyProviderError, ProviderError, toRpcError } from '@calldesk/connector-kit';
import { CircuitBreakers, ProviderUnavailable, RetryPolicy } from '@calldesk/resilience';
import type { ProviderCalls, ProviderOperation } from '@calldesk/testing';

/** What share of provider calls fail, and how. The rest answer after the usual latency. */
export interface Weather {
  /** 429 with a Retry-After of 1 to 5 s. */
  throttled: number;
  /** 500. */
  failing: number;
  /** No answer for 30 s; the request is then carried out and answered, to nobody by then. */
  stalled: number;
}

export const CALM: Weather = { throttled: 0, failing: 0, stalled: 0 };

/** A provider-wide storm, as when Google has a bad minute. */
export const STORM: Weather = { throttled: 0.2, failing: 0.15, stalled: 0.05 };

export const STALL_MS = 30_000;
const PROVIDER = 'chaos';
// How long a provider keeps retrying a push that did not go through before it drops it.
const PUSH_RETRY_MS = 10 * 60_000;

export interface Latency {
  meanMs: number;
  /** Each call takes mean ± spread, evenly spread. */
  spreadMs: number;
}

/** A calendar provider over the internet: 150 ± 50 ms a call. */
export const REALISTIC_LATENCY: Latency = { meanMs: 150, spreadMs: 50 };

export interface ProviderTally {
  calls: number;
  throttled: number;
  failed: number;
  stalled: number;
  /** Calls the connector gave up on (unavailable to its caller). */
  gaveUp: number;
  /** Pushes (calendar.changed) that did not go through at first and were sent again. */
  pushRetries: number;
  /** The latency drawn for every call, in all: the provider's share of the time they took. */
  latencyMs: number;
}

/**
 * The provider behind the test connector, made realistic: every call takes its latency and may
 * meet the weather's faults, and the connector calls it as the real connectors do (connector-kit's
 * OAuthClient): the one retry policy with each connection's circuit breaker, with the OAuth
 * connectors' default settings, Retry-After honoured, and provider errors in our terms.
 */
export class RealisticProvider implements ProviderCalls {
  weather: Weather = CALM;
  readonly tally: ProviderTally = {
    calls: 0,
    throttled: 0,
    failed: 0,
    stalled: 0,
    gaveUp: 0,
    pushRetries: 0,
    latencyMs: 0,
  };
  private readonly policy = new RetryPolicy({
    maxAttempts: 4,
    baseDelayMs: 200,
    maxDelayMs: 2_000,
    budgetMs: 4_000,
    attemptTimeoutMs: 2_500,
  });
  private readonly breakers = new CircuitBreakers({ failureThreshold: 5, openMs: 15_000 });

  constructor(
    private readonly latency: Latency = REALISTIC_LATENCY,
    private readonly log: (message: string, fields: Record<string, unknown>) => void = () => undefined,
  ) {}

  async call<T>(memberId: string, operation: ProviderOperation, work: () => T): Promise<T> {
    try {
      // A member's connection is its account: the breaker is per member, as real ones are per connection.
      return await this.policy.run(() => this.roundTrip(work), {
        classify: classifyProviderError,
        breaker: this.breakers.for(memberId),
        provider: PROVIDER,
        operation,
      });
    } catch (error) {
      if (error instanceof ProviderUnavailable) this.tally.gaveUp++;
      throw toRpcError(error, PROVIDER);
    }
  }

  /** Pushes come apart from calls and are retried by the provider until they go through. */
  async announce(publish: () => Promise<void>): Promise<void> {
    void (async () => {
      const giveUpAt = Date.now() + PUSH_RETRY_MS;
      for (let attempt = 1; Date.now() < giveUpAt; attempt++) {
        try {
          return await publish();
        } catch (error) {
          this.tally.pushRetries++;
          this.log('push not taken; sending it again', { attempt, error: (error as Error).message });
          await sleep(Math.min(250 * 2 ** attempt, 5_000));
        }
      }
    })();
  }

  private async roundTrip<T>(work: () => T): Promise<T> {
    this.tally.calls++;
    const latencyMs = this.latency.meanMs + (Math.random() * 2 - 1) * this.latency.spreadMs;
    this.tally.latencyMs += latencyMs;
    await sleep(latencyMs);
    const { throttled, failing, stalled } = this.weather;
    const roll = Math.random();
    if (roll < throttled) {
      this.tally.throttled++;
      throw new ProviderError('unavailable', 429, 1_000 + Math.floor(Math.random() * 4) * 1_000);
    }
    if (roll < throttled + failing) {
      this.tally.failed++;
      throw new ProviderError('unavailable', 500);
    }
    if (roll < throttled + failing + stalled) {
      this.tally.stalled++;
      // The connector's attempt times out long before; the provider still does the work.
      await sleep(STALL_MS);
    }
    return work();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
