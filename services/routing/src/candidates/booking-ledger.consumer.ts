import { Booking_Status, BookingSchema, type Booking } from '@calldesk/contracts';
import { HandleEvent, LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { BookingLedgerRepository, type LedgerEntry } from './booking-ledger.repository';

const BOOKING_EVENTS = { subject: 'calendar.v1.events.booking.>', body: BookingSchema };

/**
 * Feeds the booking ledger from `booking.confirmed`, `.rescheduled` and `.cancelled`; each carries
 * the whole booking, so the event's body, not its subject, says what the booking now is.
 */
@Injectable()
export class BookingLedgerConsumer {
  constructor(
    private readonly ledger: BookingLedgerRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  // Only a database failure throws here: retry through a few minutes of outage before dead-lettering.
  @HandleEvent(BOOKING_EVENTS, { durable: 'routing-bookings', maxAttempts: 10 })
  async record(booking: Booking): Promise<void> {
    const entry = toLedgerEntry(booking);
    // A booking that names no member or has no readable times cannot weigh on anyone's share;
    // retrying it would never help.
    if (!entry) {
      this.logger.warn('booking event ignored: no member or no valid times', { bookingId: booking.id });
      return;
    }
    await this.ledger.record(entry);
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
