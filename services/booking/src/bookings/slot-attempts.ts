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
// Routing's last answers kept, one per tenant, service and named member.
const MAX_ANSWERS_KEPT = 10_000;

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

/** Routing's answer to come, and the attempt begun before it for a named member (`SlotAttempts.route`). */
export interface Routed {
  candidates: Promise<CandidatesResponse>;
  headStart?: HeadStart;
}

/** A named member's attempt begun on routing's last answer, taken over by the attempt it turns out to be. */
export interface HeadStart {
  /** The member, slot, zone and own hold it was begun for. */
  attempt: string;
  begun: Promise<Begun>;
}

/** A head start's arrival check, and its provider read where it began one. */
interface Begun {
  taken: boolean;
  early?: Promise<AvailabilityCheckResponse>;
}

interface SlotChecks {
  attempt: string;
  tenantId: string;
  memberId: string;
  start: number;
  end: number;
  lockKey: string;
  taken: () => Promise<boolean>;
  takenOnArrival: () => Promise<boolean>;
  takenAfterHolder: () => Promise<boolean>;
  fresh: () => Promise<AvailabilityCheckResponse>;
}

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
  private readonly headStartReads = new SharedCalls<AvailabilityCheckResponse>();
  /** Routing's last answer for each named member of a service, by tenant, service and member as asked. */
  private readonly answered = new Map<string, { memberId: string; timeZone: string; durationMinutes: number }>();

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
   *
   * For a request naming a member routing has answered about before, that member's attempt begins
   * at once on the earlier answer (a `HeadStart`), so the provider read does not wait for
   * routing's hop: an attempt takes it over only where routing answers the same again. `own` is
   * the caller's hold on the slot, as `first` will be given it.
   */
  route(request: SlotRequest, own?: string): Routed {
    const slot = [request.tenantId, request.serviceId, request.memberId ?? '', Date.parse(request.start)].join(
      '\u0000',
    );
    const candidates = this.routings.run(slot, async () =>
      this.bus.request(InternalRpcs.routingCandidates, {
        tenantId: request.tenantId,
        serviceId: request.serviceId,
        memberId: request.memberId,
        recent: request.memberId ? [] : await this.bookings.recent(request.tenantId, RECENT_MS),
      }),
    );
    if (!request.memberId) return { candidates };
    const named = [request.tenantId, request.serviceId, request.memberId].join('\u0000');
    candidates.then(
      (answer) => this.remember(named, answer),
      () => undefined,
    );
    const known = this.answered.get(named);
    if (!known) return { candidates };
    const checks = this.checks(request, known.memberId, known.durationMinutes, known.timeZone, own);
    const begun = this.begin(checks);
    begun.catch(() => undefined);
    return { candidates, headStart: { attempt: checks.attempt, begun } };
  }

  /**
   * Tries the candidates in order while the deadline leaves room for an attempt. `own` is a hold
   * of the caller's own on the slot: it neither blocks the check nor counts as taken.
   * `headStart` is the attempt `route` began.
   */
  async first<T>(
    request: SlotRequest,
    routing: CandidatesResponse,
    candidates: Candidate[],
    deadline: Deadline,
    take: (slot: CheckedSlot) => Promise<Attempt<T>>,
    { own, headStart }: { own?: string; headStart?: HeadStart } = {},
  ): Promise<Outcome<T>> {
    const refusals: Refusal[] = [];
    let failure: RpcError | undefined;
    for (const candidate of candidates) {
      // The caller waits only so long: rather than keep them past it, answer with what there is.
      if (!deadline.leavesRoomForAttempt()) {
        failure ??= outOfTime();
        break;
      }
      const checks = this.checks(request, candidate.memberId, routing.durationMinutes, candidate.timeZone, own);
      const begun = headStart?.attempt === checks.attempt ? headStart.begun : undefined;
      const attempt = await this.attempt(candidate, checks, deadline, take, begun);
      if (attempt.kind === 'taken') return attempt;
      if (attempt.kind === 'refused') refusals.push({ candidate, reason: attempt.reason, check: attempt.check });
      else failure ??= attempt.error;
    }
    return { kind: 'none', refusals, failure };
  }

  private remember(named: string, answer: CandidatesResponse): void {
    const [member] = answer.candidates;
    if (!member) return;
    this.answered.delete(named);
    this.answered.set(named, {
      memberId: member.memberId,
      timeZone: member.timeZone,
      durationMinutes: answer.durationMinutes,
    });
    if (this.answered.size > MAX_ANSWERS_KEPT) this.answered.delete(this.answered.keys().next().value!);
  }

  /** What an attempt on a member asks before its lock, and what it asks again under it. */
  private checks(
    request: SlotRequest,
    memberId: string,
    durationMinutes: number,
    timeZone: string,
    own: string | undefined,
  ): SlotChecks {
    const start = Date.parse(request.start);
    const end = start + durationMinutes * 60_000;
    const span = [request.tenantId, memberId, start, end, own ?? ''].join('\u0000');
    const taken = () => this.bookings.overlapsLive(request.tenantId, memberId, new Date(start), new Date(end), own);
    return {
      attempt: [span, timeZone].join('\u0000'),
      tenantId: request.tenantId,
      memberId,
      start,
      end,
      lockKey: memberLockKey(request.tenantId, memberId),
      taken,
      // A check is shared only among callers of the same moment (arriving together, or let through
      // together after a holder), so that no answer after a holder was read before its commit.
      takenOnArrival: () => this.arrivalChecks.run(span, taken),
      takenAfterHolder: () => this.afterHolderChecks.run(span, taken),
      fresh: () =>
        this.bus.request(InternalRpcs.availabilityCheck, {
          tenantId: request.tenantId,
          memberId,
          start: request.start,
          durationMinutes,
          fresh: true,
          timeZone,
          ignoreBookingId: own,
        }),
    };
  }

  /**
   * A head start: the arrival check, then the provider read if the calendar is free here. A crowd
   * naming one member for one slot shares both.
   */
  private async begin(checks: SlotChecks): Promise<Begun> {
    if (await checks.takenOnArrival()) return { taken: true };
    if (!this.lock.isFree(checks.lockKey)) return { taken: false };
    const early = this.headStartReads.run(checks.attempt, checks.fresh);
    early.catch(() => undefined);
    return { taken: false, early };
  }

  private attempt<T>(
    candidate: Candidate,
    checks: SlotChecks,
    deadline: Deadline,
    take: (slot: CheckedSlot) => Promise<Attempt<T>>,
    headStart?: Promise<Begun>,
  ): Promise<Attempt<T>> {
    const { start, end, lockKey } = checks;
    const ids = { tenantId: checks.tenantId, memberId: checks.memberId };
    const refusal: Attempt<T> = { kind: 'refused', reason: ConflictReason.slot_taken };
    return withSpan('booking.attempt', { attributes: spanAttributes(ids) }, async () => {
      const begun = await headStart;
      // Our own table may already know the slot is gone: say so without the lock, the lease or a
      // provider round trip (the many losers of a contested slot come this way).
      if (begun ? begun.taken : await checks.takenOnArrival()) return refusal;
      // With nobody ahead for this calendar, the provider round trip runs while the lock is
      // taken (or began with the head start): what it reads is as fresh as one read after, unless
      // another instance held the calendar meanwhile (then it is read again). Our own bookings
      // are the exclusion constraint's to refuse either way. Whoever waits behind another here
      // reads after them, under the lock.
      const early = this.lock.isFree(lockKey) ? (begun?.early ?? checks.fresh()) : undefined;
      early?.catch(() => undefined);
      const refusedIfTaken = async (): Promise<Attempt<T> | undefined> =>
        (await checks.takenAfterHolder()) ? refusal : undefined;
      return this.lock.run(
        lockKey,
        async (fence, contended): Promise<Attempt<T>> => {
          // Another instance may have held the calendar and just taken the slot.
          if (contended && (await checks.taken())) return refusal;
          let check: AvailabilityCheckResponse;
          try {
            check = await answered(early && !contended ? early : checks.fresh(), checks.fresh, deadline);
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
