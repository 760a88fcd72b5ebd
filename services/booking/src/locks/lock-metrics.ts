import { histogram, METRICS } from '@calldesk/telemetry';
import type { Histogram } from '@opentelemetry/api';

/**
 * How long a booking attempt waited for its calendar: in this process's queue and then for the
 * lease, and whether another instance held the lease meanwhile. Attempts answered while waiting
 * (the slot went to the attempt ahead) never take the lock and are not counted.
 */
export class LockMetrics {
  private readonly wait: Histogram;

  constructor() {
    this.wait = histogram(METRICS.bookingLockWait);
  }

  acquired(startedAt: number, contended: boolean): void {
    this.wait.record(performance.now() - startedAt, { contended });
  }
}
