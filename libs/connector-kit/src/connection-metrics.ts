import { query } from '@calldesk/persistence';
import { counter, meter, METRICS, observableGauge } from '@calldesk/telemetry';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { BatchObservableCallback, Counter, ObservableGauge } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { ConnectorEvents, type ConnectionStatus } from './connector-events';
import { isAuthRejected, isUnavailable } from './provider-error';

const STATUSES: ConnectionStatus[] = ['connected', 'needs_reauth', 'disconnected'];

/**
 * The connector's connections per status, read from its table when metrics are collected (a
 * scrape): every instance reports the same numbers, so dashboards take the maximum over them. A
 * status with no connection reports 0, so that the first needs_reauth shows as a rise.
 */
@Injectable()
export class ConnectionMetrics implements OnApplicationShutdown {
  private readonly connections: ObservableGauge;
  private readonly observe: BatchObservableCallback;

  constructor(db: DataSource, events: ConnectorEvents) {
    this.connections = observableGauge(METRICS.connections);
    this.observe = async (result) => {
      const rows = await query<{ status: ConnectionStatus; count: number }>(
        db,
        `SELECT status, count(*)::int AS count FROM connections GROUP BY status`,
      );
      for (const status of STATUSES) {
        result.observe(this.connections, rows.find((row) => row.status === status)?.count ?? 0, {
          provider: events.provider,
          status,
        });
      }
    };
    meter().addBatchObservableCallback(this.observe, [this.connections]);
  }

  onApplicationShutdown(): void {
    meter().removeBatchObservableCallback(this.observe, [this.connections]);
  }
}

/** Access-token refreshes that failed, per provider and why: `auth_rejected` (the grant is dead), `unavailable`, or `error`. */
export class TokenMetrics {
  private readonly failures: Counter;

  constructor(private readonly provider: string) {
    this.failures = counter(METRICS.tokenRefreshFailures);
  }

  refreshFailed(error: unknown): void {
    const reason = isAuthRejected(error) ? 'auth_rejected' : isUnavailable(error) ? 'unavailable' : 'error';
    this.failures.add(1, { provider: this.provider, reason });
  }
}
