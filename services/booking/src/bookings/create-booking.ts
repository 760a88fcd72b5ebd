import type { JsonObject } from '@bufbuild/protobuf';
import {
  BookingOutcome_Outcome,
  ConflictReason,
  connectorRpcs,
  RpcError,
  type CandidatesResponse,
  type CreateBookingRequest,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { BookingConfig } from '../config';
import type { Claim } from '../idempotency/idempotency.store';
import { Alternatives } from './alternatives';
import { BookingMetrics } from './booking-metrics';
import { BookingRepository, isUuid, type BookingRow } from './booking.repository';
import type { Deadline } from './deadline';
import { asRpcError, confirmed, outcomeJson } from './outcomes';
import { eventText } from './provider-event';
import { Settlement } from './settlement';
import { SlotAttempts, type Attempt, type CheckedSlot, type Routed } from './slot-attempts';

/**
 * DESIGN §4 for a new booking: for each candidate in routing's order, under that member's
 * calendar lock (SlotAttempts): a fresh check, a pending row under the exclusion constraint, the
 * provider event with an id derived from the booking id, then confirmed with its outbox row. The
 * first candidate that takes it wins; if none does, the answer is a conflict with alternatives.
 * With a hold, only its member is tried, the hold itself blocks nothing, and the pending booking
 * takes the hold's place (or, when it has lapsed, the slot if it is still free).
 */
@Injectable()
export class CreateBooking {
  private readonly metrics = new BookingMetrics();

  constructor(
    private readonly bus: Bus,
    private readonly attempts: SlotAttempts,
    private readonly bookings: BookingRepository,
    private readonly alternatives: Alternatives,
    private readonly settlement: Settlement,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {}

  route(request: CreateBookingRequest): Routed {
    // The hold is checked once routing has answered; only a well-formed one can be the attempt's.
    const hold = request.holdId && isUuid(request.holdId) ? request.holdId.toLowerCase() : undefined;
    return this.attempts.route(request, hold);
  }

  async create(request: CreateBookingRequest, claim: Claim, routed: Routed, deadline: Deadline): Promise<JsonObject> {
    const startedAt = performance.now();
    try {
      return await this.decide(request, claim, routed, deadline, startedAt);
    } catch (error) {
      this.metrics.failed(startedAt, error);
      throw error;
    }
  }

  private async decide(
    request: CreateBookingRequest,
    claim: Claim,
    routed: Routed,
    deadline: Deadline,
    startedAt: number,
  ): Promise<JsonObject> {
    if (claim.bookingId) {
      // A run before this one died after holding a booking: finish that one first.
      const earlier = await this.settlement.settle(request.tenantId, claim.bookingId);
      if (earlier?.status === 'confirmed') {
        this.metrics.confirmed(startedAt);
        return confirmed(earlier);
      }
      // Unsettled (the provider cannot be asked now): a second booking for this request could
      // end up beside the first. The caller retries later.
      if (earlier?.status === 'pending') {
        throw new RpcError('unavailable', 'an earlier attempt of this request is still being settled; try again', {
          retryable: true,
        });
      }
    }
    const routing = await routed.candidates;
    const hold = request.holdId ? await this.heldFor(request) : undefined;
    const tried = hold ? routing.candidates.filter((c) => c.memberId === hold.memberId) : routing.candidates;
    if (hold && !tried.length)
      throw RpcError.invalidArgument('holdId', 'the hold is for a member who no longer serves this service');
    const outcome = await this.attempts.first(
      request,
      routing,
      tried,
      deadline,
      (slot) => this.book(request, claim, routing, slot, hold?.id),
      // What the head start read came before an earlier run of this request was settled.
      { own: hold?.id, headStart: claim.bookingId ? undefined : routed.headStart },
    );
    if (outcome.kind === 'taken') {
      this.metrics.confirmed(startedAt);
      return confirmed(outcome.value);
    }
    // Only when no candidate could even be checked is the answer an error rather than a conflict.
    if (!outcome.refusals.length && outcome.failure) throw outcome.failure;
    const reason = outcome.refusals[0]?.reason ?? ConflictReason.slot_taken;
    const alternatives = await this.alternatives.near(request, Date.parse(request.start), outcome.refusals);
    this.metrics.conflict(startedAt, reason);
    return outcomeJson({ outcome: BookingOutcome_Outcome.conflict, reason, alternatives });
  }

  /** The caller's hold for this request: it must be the tenant's, for this service and start. */
  private async heldFor(request: CreateBookingRequest): Promise<BookingRow> {
    const hold = await this.bookings.get(request.tenantId, request.holdId!);
    if (!hold || !['held', 'released', 'expired'].includes(hold.status))
      throw RpcError.notFound('hold', request.holdId!);
    if (hold.serviceId !== request.serviceId)
      throw RpcError.invalidArgument('holdId', 'the hold is for another service');
    if (request.memberId && hold.memberId !== request.memberId)
      throw RpcError.invalidArgument('holdId', 'the hold is for another member');
    if (hold.start.getTime() !== Date.parse(request.start))
      throw RpcError.invalidArgument('start', 'start must be the start of the hold');
    return hold;
  }

  /** The pending row (in place of the hold, when there is one still alive), the provider event, then confirmed. */
  private async book(
    request: CreateBookingRequest,
    claim: Claim,
    routing: CandidatesResponse,
    slot: CheckedSlot,
    holdId?: string,
  ): Promise<Attempt<BookingRow>> {
    const { candidate, start, end, check, fence } = slot;
    const booking = {
      tenantId: request.tenantId,
      memberId: candidate.memberId,
      serviceId: request.serviceId,
      calendarId: check.bookingCalendarId,
      provider: check.provider,
      start: new Date(start),
      end: new Date(end),
      heldStart: new Date(check.held.start),
      heldEnd: new Date(check.held.end),
      customerName: request.customer!.name,
      customerPhone: request.customer!.phone,
      notes: request.notes,
      transcriptUrl: request.transcriptUrl,
    };
    const pending =
      (holdId && (await this.bookings.pendingFromHold({ id: holdId, ...booking }, fence, claim))) ||
      (await this.bookings.insertPending({ id: randomUUID(), ...booking }, fence, claim));
    if (!pending) return { kind: 'refused', reason: ConflictReason.slot_taken, check };

    const text = eventText({
      id: pending.id,
      serviceName: routing.serviceName,
      customerName: request.customer!.name,
      customerPhone: request.customer!.phone,
      notes: request.notes,
      transcriptUrl: request.transcriptUrl,
    });
    let eventId: string;
    try {
      const written = await this.bus.request(
        connectorRpcs(check.provider).createEvent,
        {
          tenantId: request.tenantId,
          calendarId: check.bookingCalendarId,
          bookingId: pending.id,
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          ...text,
        },
        { timeoutMs: this.config.PROVIDER_WRITE_TIMEOUT_MS },
      );
      eventId = written.event?.eventId ?? '';
    } catch (error) {
      // The write may have landed even though its answer did not: settle finds out and undoes it.
      await this.settlement.settle(request.tenantId, pending.id, { eventExpected: false });
      return { kind: 'failed', error: asRpcError(error) };
    }
    return {
      kind: 'taken',
      value: await this.bookings.transition(
        pending,
        // Nothing is written under the lock after this: the calendar is let go with it.
        { status: 'confirmed', eventId, releasesCalendar: true },
        'confirmed',
        fence,
        { claim, reply: confirmed },
      ),
    };
  }
}
