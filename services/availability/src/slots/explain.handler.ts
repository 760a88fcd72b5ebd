import {
  ConflictReason,
  InternalRpcs,
  Rpcs,
  RpcError,
  type AvailabilityCheckRequest,
  type ExplainSlotRequest,
} from '@calldesk/contracts';
import { explainStart, formatInstant, type Explanation } from '@calldesk/scheduling';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { RoutingCandidates } from '../routing-candidates';
import { MemberAvailabilityReader, type MemberAnswer } from '../member-availability';

/**
 * Why a start is or is not bookable: calendar.v1.slots.explain for owners (cached busy data),
 * and calendar.internal.availability.check for the booking service (fresh from the provider).
 */
@Injectable()
export class ExplainHandler {
  constructor(
    private readonly candidates: RoutingCandidates,
    private readonly reader: MemberAvailabilityReader,
  ) {}

  @HandleRpc(Rpcs.slotsExplain)
  async explain(request: ExplainSlotRequest) {
    const routing = await this.candidates.get(request.tenantId, request.serviceId, request.memberId);
    const member = routing.candidates[0];
    const start = Date.parse(request.start);
    const answer = await this.answer({
      tenantId: request.tenantId,
      memberId: member.memberId,
      timeZone: member.timeZone,
      durationMinutes: routing.durationMinutes,
      start,
      fresh: false,
    });
    return present(explanationOf(verified(answer), start), member.timeZone);
  }

  @HandleRpc(InternalRpcs.availabilityCheck)
  async check(request: AvailabilityCheckRequest) {
    if (request.durationMinutes < 1 || request.durationMinutes > 1440) {
      throw RpcError.invalidArgument('durationMinutes', 'durationMinutes must be from 1 to 1440');
    }
    const start = Date.parse(request.start);
    const answer = verified(await this.answer({ ...request, start }));
    const rules = answer.availability?.schedule.rules;
    const end = start + request.durationMinutes * 60_000;
    const held = rules ? { start: start - rules.bufferBeforeMs, end: end + rules.bufferAfterMs } : { start, end };
    return {
      ...present(explanationOf(answer, start), request.timeZone),
      bookingCalendarId: answer.bookingCalendarId ?? '',
      provider: answer.provider ?? '',
      held: { start: formatInstant(held.start, 'UTC'), end: formatInstant(held.end, 'UTC') },
      freshBusy: request.fresh ? foreignBusy(answer) : [],
    };
  }

  private async answer(question: {
    tenantId: string;
    memberId: string;
    timeZone: string;
    durationMinutes: number;
    start: number;
    fresh: boolean;
    ignoreBookingId?: string;
  }): Promise<MemberAnswer> {
    const answers = await this.reader.read([
      { ...question, range: { start: question.start, end: question.start + 1 }, now: Date.now() },
    ]);
    return answers.get(question.memberId)!;
  }
}

type VerifiedAnswer = Extract<MemberAnswer, { verified: true }>;

/** A calendar that cannot be read is never taken as free: the question has no answer. */
function verified(answer: MemberAnswer): VerifiedAnswer {
  if (answer.verified) return answer;
  const code = answer.reason === 'calendar_unavailable' ? 'unavailable' : 'failed_precondition';
  throw new RpcError(code, `the member's calendars cannot be verified (${answer.reason})`, { reason: answer.reason });
}

/** The busy time read, but our bookings' events: the booking service knows those itself. */
function foreignBusy(answer: VerifiedAnswer) {
  return (answer.availability?.busy ?? [])
    .filter((b) => b.bookingId === undefined)
    .map((b) => ({ start: formatInstant(b.start, 'UTC'), end: formatInstant(b.end, 'UTC') }));
}

function explanationOf(answer: VerifiedAnswer, start: number): Explanation {
  return answer.availability ? explainStart(answer.availability, start) : { bookable: false, reason: 'outside_hours' };
}

function present(explanation: Explanation, timeZone: string) {
  if (explanation.bookable) return { bookable: true };
  return {
    bookable: false,
    reason: ConflictReason[explanation.reason],
    interval: explanation.interval && {
      start: formatInstant(explanation.interval.start, timeZone),
      end: formatInstant(explanation.interval.end, timeZone),
    },
  };
}
