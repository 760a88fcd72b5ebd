import { execute } from '@calldesk/persistence';
import { LOGGER, PeriodicTask, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BookingConfig } from '../config';

/** Rows per statement: no purge holds many row locks or writes much WAL at once. */
const BATCH = 500;

/**
 * Deletes what booking keeps only for a while, in small batches: idempotency records older than
 * IDEMPOTENCY_RETENTION_HOURS (a repeat of the key after that runs as a new request), never one
 * whose request is still running; and outbox rows published longer ago than
 * OUTBOX_RETENTION_HOURS, never one still to be published. Instances share the work: each batch
 * skips rows another instance is deleting.
 */
@Injectable()
export class RetentionPurge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.task = new PeriodicTask('retention purge', config.RETENTION_PURGE_INTERVAL_MS, () => this.purge(), logger);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass: batch after batch until neither table holds anything past its retention. */
  async purge(): Promise<void> {
    while ((await this.purgeIdempotency()) === BATCH);
    while ((await this.purgeOutbox()) === BATCH);
  }

  private async purgeIdempotency(): Promise<number> {
    const count = await execute(
      this.db,
      `DELETE FROM idempotency WHERE (tenant_id, key) IN (
         SELECT tenant_id, key FROM idempotency
          WHERE created_at < now() - $1 * interval '1 hour' AND lease_until < clock_timestamp()
          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [this.config.IDEMPOTENCY_RETENTION_HOURS, BATCH],
    );
    return count;
  }

  private async purgeOutbox(): Promise<number> {
    // Rows are published about in id order, so the oldest published ones come first along the key.
    const count = await execute(
      this.db,
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox WHERE published_at < now() - $1 * interval '1 hour'
          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [this.config.OUTBOX_RETENTION_HOURS, BATCH],
    );
    return count;
  }
}
