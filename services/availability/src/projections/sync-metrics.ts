import { histogram, METRICS } from '@calldesk/telemetry';
import type { Histogram } from '@opentelemetry/api';

/**
 * How long a change in a provider calendar took to reach this instance's cache: from the moment
 * its connector saw it (push or poll; the event's `changedAt`) to the cache entry being dropped.
 * Clocks of different hosts are compared, so it is as good as their time sync.
 */
export class SyncMetrics {
  private readonly lag: Histogram;

  constructor() {
    this.lag = histogram(METRICS.syncLag);
  }

  invalidated(provider: string, changedAt: string): void {
    const seenAt = Date.parse(changedAt);
    if (Number.isNaN(seenAt)) return;
    this.lag.record(Math.max(0, Date.now() - seenAt), { provider });
  }
}
