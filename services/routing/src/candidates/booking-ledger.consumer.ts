import { Booking_Status, BookingSchema, InternalRpcs, type Booking } from '@calldesk/contracts';
import { Bus, forEachPage } from '@calldesk/messaging';
import { LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { RoutingConfig } from '../config';
import { BookingLedgerRepository, type LedgerEntry } from './booking-ledger.repository';

const BOOKING_EVENTS = { subject: 'calendar.v1.events.booking.>', body: BookingSchema };
const DAY_MS = 86_400_000;

/**
 * Feeds the booking ledger from `booking.confirmed`, `.rescheduled` and `.cancelled`; each carries
 * the whole booking, so the event's body, not its subject, says what the booking now is. When
 * events the ledger never took have aged out of the stream, it is first taken again from booking:
 * every booking that ends within the balancing window or later.
 */
@Injectable()
export class BookingLedgerConsumer implements OnApplicationBootstrap {
  constructor(
    private readonly bus: Bus,
    private readonly ledger: BookingLedgerRepository,
    @Inject(SERVICE_CONFIG) private readonly config: RoutingConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Only a database failure throws in `record`: retry through a few minutes of outage before dead-lettering.
    await this.bus.events.consume(
      BOOKING_EVENTS,
      { durable: 'routing-bookings', maxAttempts: 10, rebuild: () => this.rebuild() },
      (booking) => this.record(booking),
    );
  }

  private async record(booking: Booking): Promise<void> {
    const entry = toLedgerEntry(booking);
    // A booking that names no member or has no readable times cannot weigh on anyone's share;
    // retrying it would never help.
    if (!entry) {
      this.logger.warn('booking event ignored: no member or no valid times', { bookingId: booking.id });
      return;
    }
    await this.ledger.record(entry);
  }

  /** Booked within the window means ending after its start, so this holds every booking the balance counts. */
  private async rebuild(): Promise<void> {
    const endsAfter = new Date(Date.now() - this.config.ROUTING_BALANCE_WINDOW_DAYS * DAY_MS).toISOString();
    await forEachPage(this.bus, InternalRpcs.currentBookings, { endsAfter }, async ({ bookings }) => {
      await Promise.all(bookings.map((booking) => this.record(booking)));
    });
  }
}

function toLedgerEntry(booking: Booking): LedgerEntry | undefined {
  const updatedAt = Date.parse(booking.updatedAt);
  const createdAt = Date.parse(booking.createdAt);
  if (!booking.id || !booking.tenantId || !booking.memberId || Number.isNaN(updatedAt)) return undefined;
  return {
    bookingId: booking.id,
    tenantId: booking.tenantId,
    memberId: booking.memberId,
    serviceId: booking.serviceId,
    status: Booking_Status[booking.status] ?? String(booking.status),
    bookedAt: new Date(Number.isNaN(createdAt) ? updatedAt : createdAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
  };
}
