import {
  ConflictReason,
  InternalRpcs,
  RpcError,
  type AvailabilityCheckResponse,
  type Candidate,
  type CandidatesResponse,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { spanAttributes, withSpan } from '@calldesk/telemetry';
import { Injectable } from '@nestjs/common';
import { CalendarLock, memberLockKey } from '../locks/calendar-lock';
import type { Fence } from '../locks/lock-fences';
import type { Refusal } from './alternatives';
import { BookingRepository } from './booking.repository';
import { outOfTime, type Deadline } from './deadline';
import { asRpcError } from './outcomes';
import { SharedCalls } from './shared-calls';

// Longer than a booking event takes to reach routing's ledger, however loaded the system.
const RECENT_MS = 30_000;

/** What asks for a slot: a booking or a hold, for the service's candidates or one member. */
export interface SlotRequest {
  tenantId: string;
  serviceId: string;
  memberId?: string;
  start: string;
}

/** A slot checked free under the member's calendar lock, for `take` to write. */
export interface CheckedSlot {
  candidate: Candidate;
  start: number;
  end: number;
  check: AvailabilityCheckResponse & {
    bookingCalendarId: string;
    held: NonNullable<AvailabilityCheckResponse['held']>;
  };
  fence: Fence;
}

export type Attempt<T> =
  | { kind: 'taken'; value: T }
  | { kind: 'refused'; reason: ConflictReason; check?: AvailabilityCheckResponse }
  | { kind: 'failed'; error: RpcError };

/** The first candidate that took the slot, or why none did. */
export type Outcome<T> = { kind: 'taken'; value: T } | { kind: 'none'; refusals: Refusal[]; failure?: RpcError };

/**
 * DESIGN §4 steps 2 to 4, shared by bookings and holds: routing's order of candidates, and for
 * each, under that member's calendar lock, a fresh check; `take` then writes (a pending booking
 * and its provider event, or a hold). The first candidate that takes it wins.
 */
@Injectable()
export class SlotAttempts {
  private readonly routings = new SharedCalls<CandidatesResponse>();
  private readonly arrivalChecks = new SharedCalls<boolean>();
  private readonly afterHolderChecks = new SharedCalls<boolean>();

  constructor(
    private readonly bus: Bus,
    private readonly lock: CalendarLock,
    private readonly bookings: BookingRepository,
  ) {}

  /**
   * Routing's order of candidates for the request. Asked while the idempotency key is being
   * claimed, as it changes nothing. Callers after the same slot at the same moment share one
   * order: only one of them can get each member at that time anyway. Other times never share, so
   * round robin stays balanced.
   */
  route(request: SlotRequest): Promise<CandidatesResponse> {
    const slot = [request.tenantId, request.serviceId, request.memberId ?? '', Date.parse(request.start)].join(
      '\u0000',
    );
    return this.routings.run(slot, async () =>
      this.bus.request(InternalRpcs.routingCandidates, {
        tenantId: request.tenantId,
        serviceId: request.serviceId,
        memberId: request.memberId,
        recent: request.memberId ? [] : await this.bookings.recent(request.tenantId, RECENT_MS),
      }),
    );
  }

  /**
   * Tries the candidates in order while the deadline leaves room for an attempt. `own` is a hold
   * of the caller's own on the slot: it neither blocks the check nor counts as taken.
   */
  async first<T>(
    request: SlotRequest,
    routing: CandidatesResponse,
    candidates: Candidate[],
    deadline: Deadline,
    take: (slot: CheckedSlot) => Promise<Attempt<T>>,
    own?: string,
  ): Promise<Outcome<T>> {
    const refusals: Refusal[] = [];
    let failure: RpcError | undefined;
    for (const candidate of candidates) {
      // The caller waits only so long: rather than keep them past it, answer with what there is.
      if (!deadline.leavesRoomForAttempt()) {
        failure ??= outOfTime();
        break;
      }
      const attempt = await this.attempt(request, routing, candidate, deadline, take, own);
      if (attempt.kind === 'taken') return attempt;
      if (attempt.kind === 'refused') refusals.push({ candidate, reason: attempt.reason, check: attempt.check });
      else failure ??= attempt.error;
    }
    return { kind: 'none', refusals, failure };
  }

  private attempt<T>(
    request: SlotRequest,
    routing: CandidatesResponse,
    candidate: Candidate,
    deadline: Deadline,
    take: (slot: CheckedSlot) => Promise<Attempt<T>>,
    own?: string,
  ): Promise<Attempt<T>> {
    const start = Date.parse(request.start);
    const end = start + routing.durationMinutes * 60_000;
    const ids = { tenantId: request.tenantId, memberId: candidate.memberId };
    const span = [request.tenantId, candidate.memberId, start, end, own ?? ''].join('\u0000');
    const taken = () =>
      this.bookings.overlapsLive(request.tenantId, candidate.memberId, new Date(start), new Date(end), own);
    // A check is shared only among callers of the same moment (arriving together, or let through
    // together after a holder), so that no answer after a holder was read before its commit.
    const takenOnArrival = () => this.arrivalChecks.run(span, taken);
    const takenAfterHolder = () => this.afterHolderChecks.run(span, taken);
    const fresh = () =>
      this.bus.request(InternalRpcs.availabilityCheck, {
        ...ids,
        start: request.start,
        durationMinutes: routing.durationMinutes,
        fresh: true,
        timeZone: candidate.timeZone,
        ignoreBookingId: own,
      });
    const refusal: Attempt<T> = { kind: 'refused', reason: ConflictReason.slot_taken };
    const lockKey = memberLockKey(request.tenantId, candidate.memberId);
    return withSpan('booking.attempt', { attributes: spanAttributes(ids) }, async () => {
      // Our own table may already know the slot is gone: say so without the lock, the lease or a
      // provider round trip (the many losers of a contested slot come this way).
      if (await takenOnArrival()) return refusal;
      // With nobody ahead for this calendar, the provider round trip runs while the lock is
      // taken: what it reads is as fresh as one read after, unless another instance held the
      // calendar meanwhile (then it is read again). Our own bookings are the exclusion
      // constraint's to refuse either way.
      const early = this.lock.isFree(lockKey) ? fresh() : undefined;
      early?.catch(() => undefined);
      const refusedIfTaken = async (): Promise<Attempt<T> | undefined> =>
        (await takenAfterHolder()) ? refusal : undefined;
      return this.lock.run(
        lockKey,
        async (fence, contended): Promise<Attempt<T>> => {
          // Another instance may have held the calendar and just taken the slot.
          if (contended && (await taken())) return refusal;
          let check: AvailabilityCheckResponse;
          try {
            check = await answered(early && !contended ? early : fresh(), fresh, deadline);
          } catch (error) {
            return { kind: 'failed', error: asRpcError(error) };
          }
          if (!check.bookable) return { kind: 'refused', reason: check.reason ?? ConflictReason.slot_taken, check };
          const { bookingCalendarId, held } = check;
          if (!bookingCalendarId || !held) {
            return {
              kind: 'failed',
              error: new RpcError('failed_precondition', 'the member has no booking calendar', {
                memberId: candidate.memberId,
              }),
            };
          }
          return take({ candidate, start, end, check: { ...check, bookingCalendarId, held }, fence });
        },
        refusedIfTaken,
      );
    });
  }
}

/**
 * The fresh check's answer. A check that got no answer (the availability instance it went to
 * froze or died with it) is asked again while the deadline leaves room for the attempt: it reads
 * and changes nothing, and another instance answers.
 */
async function answered<R>(first: Promise<R>, again: () => Promise<R>, deadline: Deadline): Promise<R> {
  for (let asked = first; ; asked = again()) {
    try {
      return await asked;
    } catch (error) {
      if (!(error instanceof RpcError && error.code === 'deadline_exceeded') || !deadline.leavesRoomForAttempt())
        throw error;
    }
  }
}
