import { connectorRpcs, Events, InternalRpcs } from '@calldesk/contracts';
import { Bus, forEachPage, type StreamMark } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AvailabilityConfig } from '../config';
import { ENDED_BOOKINGS_MATTER_MS } from '../member-store';
import { applyBooking, applyConnection, applyHold } from './projections';

/**
 * Keeps this service's tables in step with the stream, shared by all instances: each event is
 * applied once by one of them, even if it was published while none was running. The stream keeps
 * events only so long: when events the tables never took have aged out of it, the tables are
 * first taken again from their owners (booking, and each connector).
 */
@Injectable()
export class ProjectionConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly bus: Bus,
    private readonly db: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: AvailabilityConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([
      this.bus.events.consume(
        Events.bookingAny,
        { durable: 'availability-bookings', rebuild: () => this.rebuildBookings() },
        async (booking) => {
          await applyBooking(this.db, booking);
        },
      ),
      // Holds end within minutes: one older than the stream's events has long expired, so there is nothing to rebuild.
      this.bus.events.consume(Events.holdAny, { durable: 'availability-holds' }, async (hold) => {
        await applyHold(this.db, hold);
      }),
      this.bus.events.consume(
        Events.connectionStatus,
        { durable: 'availability-connections', rebuild: (mark) => this.rebuildConnections(mark) },
        (event, delivery) => applyConnection(this.db, event, delivery.storedAtMicros),
      ),
    ]);
  }

  /** Each booking as it stands, versioned by its updatedAt as its events are. */
  private async rebuildBookings(): Promise<void> {
    const endsAfter = new Date(Date.now() - ENDED_BOOKINGS_MATTER_MS).toISOString();
    await forEachPage(this.bus, InternalRpcs.currentBookings, { endsAfter }, async ({ bookings }) => {
      await Promise.all(bookings.map((booking) => applyBooking(this.db, booking)));
    });
  }

  /** Each connection as its connector holds it now, as of the stream's last event before asking. */
  private async rebuildConnections(mark: StreamMark): Promise<void> {
    for (const provider of this.config.CONNECTOR_PROVIDERS) {
      await forEachPage(this.bus, connectorRpcs(provider).connections, {}, async ({ connections }) => {
        await Promise.all(connections.map((connection) => applyConnection(this.db, connection, mark.storedAtMicros)));
      });
    }
  }
}
