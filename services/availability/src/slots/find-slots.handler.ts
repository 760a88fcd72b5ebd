import { Rpcs, RpcError, type FindSlotsRequest } from '@calldesk/contracts';
import { bookableStarts, formatInstant, rankSlots, roundRobinSlots, type MemberStarts } from '@calldesk/scheduling';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { RoutingCandidates } from '../routing-candidates';
import { MemberAvailabilityReader } from '../member-availability';

const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 200;
const MAX_WINDOW_MS = 93 * 86_400_000;

/** calendar.v1.slots.find: the bookable slots of a service, for one member or its team. */
@Injectable()
export class FindSlotsHandler {
  constructor(
    private readonly candidates: RoutingCandidates,
    private readonly reader: MemberAvailabilityReader,
  ) {}

  @HandleRpc(Rpcs.slotsFind)
  async find(request: FindSlotsRequest) {
    const range = { start: Date.parse(request.from), end: Date.parse(request.to) };
    checkRequest(request, range);
    const routing = await this.candidates.get(request.tenantId, request.serviceId, request.memberId);
    const now = Date.now();
    const answers = await this.reader.read(
      routing.candidates.map((candidate) => ({
        tenantId: request.tenantId,
        memberId: candidate.memberId,
        timeZone: candidate.timeZone,
        durationMinutes: routing.durationMinutes,
        range,
        now,
        fresh: false,
      })),
    );

    const members: MemberStarts[] = [];
    const skipped: { memberId: string; reason: string }[] = [];
    let asOf = now;
    for (const candidate of routing.candidates) {
      const answer = answers.get(candidate.memberId)!;
      if (!answer.verified) {
        skipped.push({ memberId: candidate.memberId, reason: answer.reason });
        continue;
      }
      asOf = Math.min(asOf, answer.asOf);
      if (answer.availability)
        members.push({ memberId: candidate.memberId, starts: bookableStarts(answer.availability, range) });
    }

    const timeZone = request.timeZone ?? routing.tenantTimeZone;
    const slots = rankSlots(
      roundRobinSlots(
        members,
        routing.candidates.map((c) => c.memberId),
        routing.durationMinutes,
      ),
      {
        near: request.near === undefined ? undefined : Date.parse(request.near),
        limit: request.limit ?? DEFAULT_LIMIT,
        spread: request.maxPerDay ? { zone: timeZone, perDay: request.maxPerDay } : undefined,
      },
    );
    return {
      slots: slots.map((slot) => ({
        start: formatInstant(slot.start, timeZone),
        end: formatInstant(slot.end, timeZone),
        memberId: slot.memberId,
      })),
      timeZone,
      asOf: formatInstant(asOf, 'UTC'),
      skipped,
    };
  }
}

function checkRequest(request: FindSlotsRequest, range: { start: number; end: number }): void {
  if (range.end <= range.start) throw RpcError.invalidArgument('to', 'to must be after from');
  if (range.end - range.start > MAX_WINDOW_MS)
    throw RpcError.invalidArgument('to', 'from and to may be at most 93 days apart');
  if (request.limit !== undefined && (request.limit < 1 || request.limit > MAX_LIMIT)) {
    throw RpcError.invalidArgument('limit', `limit must be from 1 to ${MAX_LIMIT}`);
  }
  if (request.maxPerDay !== undefined && (request.maxPerDay < 1 || request.maxPerDay > MAX_LIMIT)) {
    throw RpcError.invalidArgument('maxPerDay', `maxPerDay must be from 1 to ${MAX_LIMIT}`);
  }
}
