import { systemClock, type Clock } from './clock';

export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses calls before one probe is let through. */
  openMs: number;
}

export type Permit = { allowed: true } | { allowed: false; until: number };

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * One per connection: after `failureThreshold` consecutive provider failures (5xx, 429,
 * timeouts) it opens and refuses calls for `openMs`, then lets one probe through; the probe's
 * success closes it, its failure opens it again. A Retry-After holds the circuit closed but
 * paused until then, so no call on that connection spends quota the provider asked us not to.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private pausedUntil = 0;
  private probing = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  get state(): CircuitState {
    if (this.failures < this.options.failureThreshold) return 'closed';
    return this.clock.now() < this.openUntil ? 'open' : 'half_open';
  }

  permit(): Permit {
    const now = this.clock.now();
    const state = this.state;
    if (state === 'open') return { allowed: false, until: this.openUntil };
    if (state === 'half_open') {
      if (this.probing) return { allowed: false, until: now + Math.min(this.options.openMs, 1_000) };
      this.probing = true;
      return { allowed: true };
    }
    if (now < this.pausedUntil) return { allowed: false, until: this.pausedUntil };
    return { allowed: true };
  }

  /** A permitted call was not made after all (no time was left for it): a half-open breaker may let another probe. */
  unused(): void {
    this.probing = false;
  }

  /** The provider answered (any answer that is not a provider failure). */
  success(): void {
    this.failures = 0;
    this.probing = false;
  }

  /** The provider failed; `retryAfterMs` is what it asked us to wait. */
  failure(retryAfterMs?: number): void {
    const now = this.clock.now();
    this.probing = false;
    this.failures += 1;
    if (retryAfterMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    if (this.failures >= this.options.failureThreshold) {
      this.openUntil = Math.max(now + this.options.openMs, this.pausedUntil);
    }
  }
}

/** The breakers of one service, one per key (a connection id), created on first use. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock = systemClock,
    private readonly maxEntries = 10_000,
  ) {}

  for(key: string): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (!breaker) {
      if (this.breakers.size >= this.maxEntries) this.evictClosed();
      breaker = new CircuitBreaker(this.options, this.clock);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  forget(key: string): void {
    this.breakers.delete(key);
  }

  private evictClosed(): void {
    for (const [key, breaker] of this.breakers) {
      if (breaker.state === 'closed') this.breakers.delete(key);
      if (this.breakers.size < this.maxEntries / 2) return;
    }
  }
}
