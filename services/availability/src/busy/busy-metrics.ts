import { meter } from '@calldesk/telemetry';
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
    this.hits = meter().createCounter('availability.busy_cache.hits', { description: 'Busy-time reads answered from the cache, per provider' });
    this.misses = meter().createCounter('availability.busy_cache.misses', { description: 'Busy-time reads the cache could not answer, per provider' });
    this.liveCheck = meter().createHistogram('availability.live_check.duration', {
      unit: 'ms',
      description: "Time of a booking check's live read of the provider, per provider and outcome",
    });
  }

  cacheLookup(provider: string, hit: boolean): void {
    (hit ? this.hits : this.misses).add(1, { provider });
  }

  liveRead(provider: string, startedAt: number, outcome: 'verified' | string): void {
    this.liveCheck.record(performance.now() - startedAt, { provider, outcome });
  }
}
