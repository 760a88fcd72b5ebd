import { Events, type Booking, type ConnectionStatusChanged, type Hold } from '@calldesk/contracts';
import { HandleEvent } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { applyBooking, applyConnection, applyHold } from './projections';

/**
 * Keeps this service's tables in step with the stream, shared by all instances: each event is
 * applied once by one of them, even if it was published while none was running.
 */
@Injectable()
export class ProjectionConsumer {
  constructor(private readonly db: DataSource) {}

  @HandleEvent(Events.bookingAny, { durable: 'availability-bookings' })
  async onBooking(booking: Booking): Promise<void> {
    await applyBooking(this.db, booking);
  }

  @HandleEvent(Events.holdAny, { durable: 'availability-holds' })
  async onHold(hold: Hold): Promise<void> {
    await applyHold(this.db, hold);
  }

  @HandleEvent(Events.connectionStatus, { durable: 'availability-connections' })
  onConnection(event: ConnectionStatusChanged): Promise<void> {
    return applyConnection(this.db, event);
  }
}
