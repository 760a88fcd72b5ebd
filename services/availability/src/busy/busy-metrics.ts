import { counter, histogram, METRICS } from '@calldesk/telemetry';
import type { Counter, Histogram } from '@opentelemetry/api';

/**
 * How often slot questions are answered from the busy cache (hits over hits plus misses is its
 * hit ratio), and how long the live read behind a booking's availability check takes, per
 * provider and whether it could be verified.
 */
export class BusyMetrics {
  private readonly hits: Counter;
  private readonly misses: Counter;
  private readonly liveCheck: Histogram;

  constructor() {
    this.hits = counter(METRICS.busyCacheHits);
    this.misses = counter(METRICS.busyCacheMisses);
    this.liveCheck = histogram(METRICS.liveCheckDuration);
  }

  cacheLookup(provider: string, hit: boolean): void {
    (hit ? this.hits : this.misses).add(1, { provider });
  }

  liveRead(provider: string, startedAt: number, outcome: 'verified' | string): void {
    this.liveCheck.record(performance.now() - startedAt, { provider, outcome });
  }
}
