import type { Logger } from '@calldesk/telemetry';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { BookingRepository } from './booking.repository';
import { Settlement } from './settlement';

/** Finds pending bookings a crash left behind and settles each against the provider. */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly bookings: BookingRepository,
    private readonly settlement: Settlement,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.round(), this.config.BOOKING_RECONCILE_INTERVAL_MS);
    void this.round();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; overlapping passes are skipped. */
  round(): Promise<void> {
    this.running ??= this.settleAbandoned().finally(() => (this.running = undefined));
    return this.running;
  }

  private async settleAbandoned(): Promise<void> {
    try {
      for (const row of await this.bookings.abandoned(this.config.BOOKING_PENDING_GRACE_MS, 100)) {
        const settled = await this.settlement.settle(row.tenantId, row.id);
        this.logger.info('reconciled pending booking', { bookingId: row.id, status: settled?.status });
      }
    } catch (error) {
      this.logger.warn('reconciliation round failed', { error: (error as Error).message });
    }
  }
}
