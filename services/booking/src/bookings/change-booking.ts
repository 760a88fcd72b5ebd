import type { JsonObject } from '@bufbuild/protobuf';
import {
  BookingOutcome_Outcome,
  ConflictReason,
  connectorRpcs,
  InternalRpcs,
  RpcError,
  type CancelBookingRequest,
  type RescheduleBookingRequest,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { CalendarLock, memberLockKey } from '../locks/calendar-lock';
import { Alternatives } from './alternatives';
import { BookingRepository, isVisibleBooking, toBooking, type BookingRow } from './booking.repository';
import { outOfTime, type Deadline } from './deadline';
import { asRpcError, confirmed, outcomeJson } from './outcomes';
import { eventText } from './provider-event';

/** Reschedule and cancel: changes to a confirmed booking, under its calendar's lock. */
@Injectable()
export class ChangeBooking {
  constructor(
    private readonly bus: Bus,
    private readonly lock: CalendarLock,
    private readonly bookings: BookingRepository,
    private readonly alternatives: Alternatives,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {}

  /**
   * The new time is checked fresh and taken in the same statement that gives up the old one (the
   * exclusion constraint judges the new span), then the provider event is moved, not recreated.
   * If the provider refuses the move, the booking goes back to its old time.
   */
  async reschedule(request: RescheduleBookingRequest, deadline: Deadline): Promise<JsonObject> {
    const booking = await this.live(request.tenantId, request.bookingId);
    const start = Date.parse(request.start);
    const routing = await this.bus.request(InternalRpcs.routingCandidates, {
      tenantId: request.tenantId,
      serviceId: booking.serviceId,
      memberId: booking.memberId,
    });
    const [member] = routing.candidates;
    const end = start + routing.durationMinutes * 60_000;
    // Only a wait for an earlier run of the same request can have used up the time.
    if (!deadline.leavesRoomForAttempt()) throw outOfTime();
    return this.lock.run(memberLockKey(request.tenantId, booking.memberId), async (lease) => {
      const check = await this.bus.request(InternalRpcs.availabilityCheck, {
        tenantId: request.tenantId,
        memberId: booking.memberId,
        start: request.start,
        durationMinutes: routing.durationMinutes,
        fresh: true,
        timeZone: member.timeZone,
        ignoreBookingId: booking.id,
      });
      const conflict = (reason: ConflictReason) =>
        this.alternatives
          .near({ tenantId: request.tenantId, serviceId: booking.serviceId, memberId: booking.memberId }, start, [
            { candidate: member, reason, check },
          ])
          .then((alternatives) => outcomeJson({ outcome: BookingOutcome_Outcome.conflict, reason, alternatives }));
      if (!check.bookable) return conflict(check.reason ?? ConflictReason.slot_taken);

      const times = {
        start: new Date(start),
        end: new Date(end),
        heldStart: new Date(check.held!.start),
        heldEnd: new Date(check.held!.end),
      };
      const old = { start: booking.start, end: booking.end, heldStart: booking.heldStart, heldEnd: booking.heldEnd };
      let moved: BookingRow;
      try {
        moved = await this.bookings.transition(booking, { status: 'confirmed', times }, undefined, lease);
      } catch (error) {
        if (error instanceof RpcError && error.details.reason === 'slot_taken')
          return conflict(ConflictReason.slot_taken);
        throw error;
      }
      try {
        await this.bus.request(
          connectorRpcs(booking.provider).updateEvent,
          {
            tenantId: request.tenantId,
            calendarId: booking.calendarId,
            bookingId: booking.id,
            start: times.start.toISOString(),
            end: times.end.toISOString(),
            ...eventText({ ...booking, serviceName: routing.serviceName }),
          },
          { timeoutMs: this.config.PROVIDER_WRITE_TIMEOUT_MS },
        );
      } catch (error) {
        await this.bookings.transition(moved, { status: 'confirmed', times: old }, undefined, lease);
        throw asRpcError(error);
      }
      return confirmed(await this.bookings.transition(moved, { status: 'confirmed' }, 'rescheduled', lease));
    });
  }

  /** Deletes the provider event, then cancels; cancelling a cancelled booking answers the same. */
  async cancel(request: CancelBookingRequest) {
    const booking = await this.bookings.get(request.tenantId, request.bookingId);
    if (!isVisibleBooking(booking)) throw RpcError.notFound('booking', request.bookingId);
    if (booking.status === 'cancelled') return { booking: toBooking(booking) };
    return this.lock.run(memberLockKey(request.tenantId, booking.memberId), async (lease) => {
      await this.bus
        .request(
          connectorRpcs(booking.provider).deleteEvent,
          { tenantId: request.tenantId, calendarId: booking.calendarId, bookingId: booking.id },
          { timeoutMs: this.config.PROVIDER_WRITE_TIMEOUT_MS },
        )
        .catch((error) => {
          throw asRpcError(error);
        });
      const row = await this.bookings.transition(
        booking,
        { status: 'cancelled', cancelReason: request.reason },
        'cancelled',
        lease,
      );
      return { booking: toBooking(row) };
    });
  }

  private async live(tenantId: string, bookingId: string): Promise<BookingRow> {
    const booking = await this.bookings.get(tenantId, bookingId);
    if (!isVisibleBooking(booking)) throw RpcError.notFound('booking', bookingId);
    if (booking.status !== 'confirmed') {
      throw new RpcError('failed_precondition', `booking ${bookingId} is ${booking.status}`, {
        bookingId,
        status: booking.status,
      });
    }
    return booking;
  }
}
