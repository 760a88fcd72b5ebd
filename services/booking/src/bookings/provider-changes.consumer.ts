import { connectorRpcs, Events, RpcError, type BookingEventChanged } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import type { Logger } from '@calldesk/telemetry';
import { HandleEvent, LOGGER } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { CalendarLock, memberLockKey } from '../locks/calendar-lock';
import { BookingRepository } from './booking.repository';

/**
 * The owner deleted or moved one of our events in their calendar app. The calendar is the
 * owner's word, read again at the provider before acting: a deleted event cancels its booking; a
 * moved one moves the booking with it,
 * unless the new time overlaps another booking, when the booking is flagged instead. Either way
 * a booking event tells notifications, which tell the owner (and the customer).
 */
@Injectable()
export class ProviderChangesConsumer {
  constructor(
    private readonly bus: Bus,
    private readonly bookings: BookingRepository,
    private readonly lock: CalendarLock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @HandleEvent(Events.bookingEventChanged, { durable: 'booking-provider-changes' })
  async onChange(change: BookingEventChanged): Promise<void> {
    const booking = await this.bookings.get(change.tenantId, change.bookingId);
    if (!booking || booking.status !== 'confirmed') return;
    await this.lock.run(memberLockKey(booking.tenantId, booking.memberId), async (lease) => {
      const current = await this.bookings.get(booking.tenantId, booking.id);
      if (!current || current.status !== 'confirmed') return;
      // A report may be stale (a sync that raced with our own write): the provider's event as it
      // is now decides.
      const { found, event } = await this.bus.request(connectorRpcs(current.provider).findEvent, {
        tenantId: current.tenantId,
        calendarId: current.calendarId,
        bookingId: current.id,
      });
      if (found !== (change.change !== 'deleted')) return;
      if (
        event &&
        Date.parse(event.start) === current.start.getTime() &&
        Date.parse(event.end) === current.end.getTime()
      )
        return;
      if (change.change === 'deleted') {
        await this.bookings.transition(
          current,
          { status: 'cancelled', cancelReason: 'deleted_in_calendar' },
          'cancelled',
          lease,
        );
        return;
      }
      if (change.change !== 'moved') {
        this.logger.warn('unknown provider change ignored', { bookingId: booking.id, change: change.change });
        return;
      }
      const start = new Date(event!.start);
      const end = new Date(event!.end);
      // Buffers travel with the appointment.
      const times = {
        start,
        end,
        heldStart: new Date(start.getTime() - (current.start.getTime() - current.heldStart.getTime())),
        heldEnd: new Date(end.getTime() + (current.heldEnd.getTime() - current.end.getTime())),
      };
      try {
        await this.bookings.transition(
          current,
          { status: 'confirmed', times, attention: undefined },
          'rescheduled',
          lease,
        );
      } catch (error) {
        if (!(error instanceof RpcError && error.details.reason === 'slot_taken')) throw error;
        await this.bookings.transition(
          current,
          { status: 'confirmed', attention: 'moved_in_calendar_over_another_booking' },
          'flagged',
          lease,
        );
      }
    });
  }
}
