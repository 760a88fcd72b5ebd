import { connectorRpcs } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import type { Logger } from '@calldesk/telemetry';
import { LOGGER } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { BookingRepository, type BookingRow } from './booking.repository';
import { confirmed } from './outcomes';

/**
 * Settles a pending booking by asking the provider for the event whose id derives from the
 * booking: a crash left it (the event there → confirm; not there → failed), or its attempt gave
 * up (delete the event if it landed → failed). Either both exist or neither, never one. When the
 * provider cannot be asked, the booking stays pending for the reconciler's next round.
 */
@Injectable()
export class Settlement {
  constructor(
    private readonly bus: Bus,
    private readonly bookings: BookingRepository,
    private readonly idempotency: IdempotencyStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async settle(
    tenantId: string,
    bookingId: string,
    options: { eventExpected?: boolean } = {},
  ): Promise<BookingRow | undefined> {
    const row = await this.bookings.get(tenantId, bookingId);
    if (!row || row.status !== 'pending') return row;
    const undo = options.eventExpected === false || row.abandoned;
    const connector = connectorRpcs(row.provider);
    const ref = { tenantId, calendarId: row.calendarId, bookingId };
    let settled: BookingRow;
    try {
      if (undo) {
        await this.bus.request(connector.deleteEvent, ref);
        settled = await this.bookings.transition(row, { status: 'failed' }, undefined);
      } else {
        const found = await this.bus.request(connector.findEvent, ref);
        settled = found.found
          ? await this.bookings.transition(row, { status: 'confirmed', eventId: found.event?.eventId }, 'confirmed')
          : await this.bookings.transition(row, { status: 'failed' }, undefined);
      }
    } catch (error) {
      if (undo) await this.bookings.abandon(bookingId);
      this.logger.warn('booking left pending for the reconciler', { bookingId, error: (error as Error).message });
      return row;
    }
    await this.idempotency.settleFor(bookingId, settled.status === 'confirmed' ? confirmed(settled) : undefined);
    return settled;
  }
}
