import { histogram, METRICS, upDownCounter } from '@calldesk/telemetry';
import type { Histogram, UpDownCounter } from '@opentelemetry/api';

/**
 * What every attempt of a provider call took and came to, per provider, operation and status, and
 * how many connections' circuit breakers are open, per provider. A retried call is several
 * attempts: a 500 then a success shows as one `500` and one `ok`.
 */
export class ProviderMetrics {
  private readonly duration: Histogram;
  private readonly breakersOpen: UpDownCounter;

  constructor() {
    this.duration = histogram(METRICS.providerCallDuration);
    this.breakersOpen = upDownCounter(METRICS.providerBreakersOpen);
  }

  attempted(provider: string, operation: string, startedAt: number, status: string): void {
    this.duration.record(performance.now() - startedAt, { provider, operation, status });
  }

  /** A breaker opened (`open`) or closed again. */
  breakerChanged(provider: string, open: boolean): void {
    this.breakersOpen.add(open ? 1 : -1, { provider });
  }
}
