import { Bus } from '@calldesk/messaging';
import { Injectable, type BeforeApplicationShutdown, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * On shutdown the bus drains first (no new work, in-flight requests answered, consumers stopped)
 * and only then does the database close, since the work being finished still needs it.
 */
@Injectable()
export class ConnectionsLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly bus: Bus,
    private readonly dataSource: DataSource,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
