import { LOGGER, PeriodicTask, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { HoldRepository } from './hold.repository';

const BATCH = 100;

/**
 * Says that holds past their expiry ended (hold.expired). Their time is free from expiresAt on
 * whether or not this runs; it tells the stream and the owner's view.
 */
@Injectable()
export class HoldExpiry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(holds: HoldRepository, @Inject(SERVICE_CONFIG) config: BookingConfig, @Inject(LOGGER) logger: Logger) {
    this.task = new PeriodicTask(
      'hold expiry',
      config.HOLD_EXPIRY_INTERVAL_MS,
      async () => {
        while ((await holds.expireDue(BATCH)) === BATCH);
      },
      logger,
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }
}
