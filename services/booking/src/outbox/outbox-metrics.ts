import { query } from '@calldesk/persistence';
import { meter, METRICS, observableGauge } from '@calldesk/telemetry';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { BatchObservableCallback, ObservableGauge } from '@opentelemetry/api';
import { DataSource } from 'typeorm';

/**
 * How many booking events wait for the relay and how long the oldest has waited, read from the
 * table when metrics are collected (a scrape), not on every write. One count over the partial
 * index of unpublished rows: cheap while the relay keeps up, and the number SREs want when not.
 */
@Injectable()
export class OutboxMetrics implements OnApplicationShutdown {
  private readonly backlog: ObservableGauge;
  private readonly oldestAge: ObservableGauge;
  private readonly observe: BatchObservableCallback;

  constructor(private readonly db: DataSource) {
    this.backlog = observableGauge(METRICS.outboxBacklog);
    this.oldestAge = observableGauge(METRICS.outboxOldestAge);
    this.observe = async (result) => {
      const [row] = await query<{ backlog: number; oldest: number }>(
        this.db,
        `SELECT count(*)::int AS backlog, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest
           FROM outbox WHERE published_at IS NULL`,
      );
      result.observe(this.backlog, row.backlog);
      result.observe(this.oldestAge, row.oldest);
    };
    meter().addBatchObservableCallback(this.observe, [this.backlog, this.oldestAge]);
  }

  onApplicationShutdown(): void {
    meter().removeBatchObservableCallback(this.observe, [this.backlog, this.oldestAge]);
  }
}
