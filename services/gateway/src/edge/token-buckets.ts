import { LRUCache } from 'lru-cache';

interface Bucket {
  tokens: number;
  /** performance.now() when `tokens` was counted. */
  at: number;
}

/**
 * Token buckets by name (an API key, a client address): each holds up to `burst` tokens and gains
 * `perSecond` a second. Memory is bounded whoever calls: a bucket left alone until it is full
 * again is dropped (a new one says the same), and past `tracked` buckets the least recently used
 * goes first.
 */
export class TokenBuckets {
  private readonly buckets: LRUCache<string, Bucket>;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    tracked: number,
  ) {
    this.buckets = new LRUCache({ max: tracked, ttl: Math.ceil((burst / perSecond) * 1_000) });
  }

  /** Takes a token: 0 when there was one, else the whole seconds until there will be. */
  take(name: string): number {
    const now = performance.now();
    const tokens = this.tokensAt(name, now);
    if (tokens >= 1) {
      this.buckets.set(name, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.buckets.set(name, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
  }

  /** Returns a token taken for a call that turned out not to count. */
  giveBack(name: string): void {
    const now = performance.now();
    this.buckets.set(name, { tokens: Math.min(this.burst, this.tokensAt(name, now) + 1), at: now });
  }

  private tokensAt(name: string, now: number): number {
    const bucket = this.buckets.get(name);
    if (!bucket) return this.burst;
    return Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1_000) * this.perSecond);
  }
}
