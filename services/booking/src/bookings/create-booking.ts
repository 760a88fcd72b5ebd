import type { JsonObject } from '@bufbuild/protobuf';
import {
  BookingOutcome_Outcome,
  ConflictReason,
  connectorRpcs,
  InternalRpcs,
  RpcError,
  type AvailabilityCheckResponse,
  type Candidate,
  type CandidatesResponse,
  type CreateBookingRequest,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { BookingConfig } from '../config';
import type { Claim } from '../idempotency/idempotency.store';
import { CalendarLock, memberLockKey } from '../locks/calendar-lock';
import { Alternatives, type Refusal } from './alternatives';
import { BookingRepository, type BookingRow } from './booking.repository';
import { outOfTime, type Deadline } from './deadline';
import { asRpcError, confirmed, outcomeJson } from './outcomes';
import { eventText } from './provider-event';
import { Settlement } from './settlement';
import { SharedCalls } from './shared-calls';

// Longer than a booking event takes to reach routing's ledger, however loaded the system.
const RECENT_MS = 30_000;

type Attempt =
  | { kind: 'confirmed'; row: BookingRow }
  | { kind: 'refused'; reason: ConflictReason; check?: AvailabilityCheckResponse }
  | { kind: 'failed'; error: RpcError };

/**
 * DESIGN §4 for a new booking: for each candidate in routing's order, under that member's
 * calendar lock: a fresh check, a pending row under the exclusion constraint, the provider event
 * with an id derived from the booking id, then confirmed with its outbox row. The first
 * candidate that takes it wins; if none does, the answer is a conflict with alternatives.
 */
@Injectable()
export class CreateBooking {
  private readonly routings = new SharedCalls<CandidatesResponse>();
  private readonly arrivalChecks = new SharedCalls<boolean>();
  private readonly afterHolderChecks = new SharedCalls<boolean>();

  constructor(
    private readonly bus: Bus,
    private readonly lock: CalendarLock,
    private readonly bookings: BookingRepository,
    private readonly alternatives: Alternatives,
    private readonly settlement: Settlement,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {}

  /**
   * Routing's order of candidates for the request. Asked while the idempotency key is being
   * claimed, as it changes nothing. Callers after the same slot at the same moment share one
   * order: only one of them can get each member at that time anyway. Other times never share, so
   * round robin stays balanced.
   */
  route(request: CreateBookingRequest): Promise<CandidatesResponse> {
    const slot = [request.tenantId, request.serviceId, request.memberId ?? '', Date.parse(request.start)].join('\u0000');
    return this.routings.run(slot, async () =>
      this.bus.request(InternalRpcs.routingCandidates, {
        tenantId: request.tenantId,
        serviceId: request.serviceId,
        memberId: request.memberId,
        recent: request.memberId ? [] : await this.bookings.recent(request.tenantId, RECENT_MS),
      }),
    );
  }

  async create(request: CreateBookingRequest, claim: Claim, candidates: Promise<CandidatesResponse>, deadline: Deadline): Promise<JsonObject> {
    const start = Date.parse(request.start);
    if (claim.bookingId) {
      // A run before this one died after holding a booking: finish that one first.
      const earlier = await this.settlement.settle(request.tenantId, claim.bookingId);
      if (earlier?.status === 'confirmed') return confirmed(earlier);
      // Unsettled (the provider cannot be asked now): a second booking for this request could
      // end up beside the first. The caller retries later.
      if (earlier?.status === 'pending') {
        throw new RpcError('unavailable', 'an earlier attempt of this request is still being settled; try again', { retryable: true });
      }
    }
    const routing = await candidates;
    const refusals: Refusal[] = [];
    let failure: RpcError | undefined;
    for (const candidate of routing.candidates) {
      // The caller waits only so long: rather than keep them past it, answer with what there is.
      if (!deadline.leavesRoomForAttempt()) {
        failure ??= outOfTime();
        break;
      }
      const attempt = await this.attempt(request, claim, routing, candidate, start);
      if (attempt.kind === 'confirmed') return confirmed(attempt.row);
      if (attempt.kind === 'refused') refusals.push({ candidate, reason: attempt.reason, check: attempt.check });
      else failure ??= attempt.error;
    }
    // Only when no candidate could even be checked is the answer an error rather than a conflict.
    if (!refusals.length && failure) throw failure;
    const reason = refusals[0]?.reason ?? ConflictReason.slot_taken;
    const alternatives = await this.alternatives.near(request, start, refusals);
    return outcomeJson({ outcome: BookingOutcome_Outcome.conflict, reason, alternatives });
  }

  private attempt(
    request: CreateBookingRequest,
    claim: Claim,
    routing: CandidatesResponse,
    candidate: Candidate,
    start: number,
  ): Promise<Attempt> {
    const end = start + routing.durationMinutes * 60_000;
    const ids = { tenantId: request.tenantId, memberId: candidate.memberId };
    const span = [request.tenantId, candidate.memberId, start, end].join('\u0000');
    const taken = () => this.bookings.overlapsLive(request.tenantId, candidate.memberId, new Date(start), new Date(end));
    // A check is shared only among callers of the same moment (arriving together, or let through
    // together after a holder), so that no answer after a holder was read before its commit.
    const takenOnArrival = () => this.arrivalChecks.run(span, taken);
    const takenAfterHolder = () => this.afterHolderChecks.run(span, taken);
    return withSpan('booking.attempt', { attributes: spanAttributes(ids) }, async () => {
      // Our own table may already know the slot is gone: say so without the lock, the lease or a
      // provider round trip (the many losers of a contested slot come this way).
      if (await takenOnArrival()) return { kind: 'refused', reason: ConflictReason.slot_taken };
      const refusedIfTaken = async (): Promise<Attempt | undefined> =>
        (await takenAfterHolder()) ? { kind: 'refused', reason: ConflictReason.slot_taken } : undefined;
      return this.lock.run(memberLockKey(request.tenantId, candidate.memberId), async (lease, contended): Promise<Attempt> => {
        // Another instance may have held the calendar and just taken the slot.
        if (contended && (await taken())) return { kind: 'refused', reason: ConflictReason.slot_taken };
        let check: AvailabilityCheckResponse;
        try {
          check = await this.bus.request(InternalRpcs.availabilityCheck, {
            ...ids,
            start: request.start,
            durationMinutes: routing.durationMinutes,
            fresh: true,
            timeZone: candidate.timeZone,
          });
        } catch (error) {
          return { kind: 'failed', error: asRpcError(error) };
        }
        if (!check.bookable) return { kind: 'refused', reason: check.reason ?? ConflictReason.slot_taken, check };
        if (!check.bookingCalendarId || !check.held) {
          return { kind: 'failed', error: new RpcError('failed_precondition', 'the member has no booking calendar', { memberId: candidate.memberId }) };
        }

        const id = randomUUID();
        const pending = await this.bookings.insertPending(
          {
            id,
            ...ids,
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
          },
          lease,
          claim,
        );
        if (!pending) return { kind: 'refused', reason: ConflictReason.slot_taken, check };

        const text = eventText({
          id,
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
            { tenantId: request.tenantId, calendarId: check.bookingCalendarId, bookingId: id, start: new Date(start).toISOString(), end: new Date(end).toISOString(), ...text },
            { timeoutMs: this.config.PROVIDER_WRITE_TIMEOUT_MS },
          );
          eventId = written.event?.eventId ?? '';
        } catch (error) {
          // The write may have landed even though its answer did not: settle finds out and undoes it.
          await this.settlement.settle(request.tenantId, id, { eventExpected: false });
          return { kind: 'failed', error: asRpcError(error) };
        }
        return {
          kind: 'confirmed',
          row: await this.bookings.transition(pending, { status: 'confirmed', eventId }, 'confirmed', lease, { claim, reply: confirmed }),
        };
      }, refusedIfTaken);
    });
  }
}
