import { create, toJson, type JsonObject, type MessageInitShape } from '@bufbuild/protobuf';
import { ConflictReason, HoldOutcome_Outcome, HoldOutcomeSchema, type CreateHoldRequest } from '@calldesk/contracts';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Claim } from '../idempotency/idempotency.store';
import { Alternatives } from '../bookings/alternatives';
import { BookingRepository, type BookingRow } from '../bookings/booking.repository';
import type { Deadline } from '../bookings/deadline';
import { SlotAttempts, type Attempt, type CheckedSlot, type Routed } from '../bookings/slot-attempts';
import { HoldRepository, toHold } from './hold.repository';

export const DEFAULT_HOLD_SECONDS = 180;

/**
 * A hold, checked as a booking is (SlotAttempts: the candidates in routing's order, each under
 * its calendar lock with a fresh check) and stored under the same exclusion constraint; nothing is
 * written to the provider. If no candidate can take it, a conflict with alternatives.
 */
@Injectable()
export class CreateHold {
  constructor(
    private readonly attempts: SlotAttempts,
    private readonly holds: HoldRepository,
    private readonly bookings: BookingRepository,
    private readonly alternatives: Alternatives,
  ) {}

  route(request: CreateHoldRequest): Routed {
    return this.attempts.route(request);
  }

  async create(request: CreateHoldRequest, claim: Claim, routed: Routed, deadline: Deadline): Promise<JsonObject> {
    if (claim.bookingId) {
      // A run before this one died after writing the hold: it stands, and is the answer.
      const earlier = await this.bookings.get(request.tenantId, claim.bookingId);
      if (earlier) return holdOutcome({ outcome: HoldOutcome_Outcome.held, hold: toHold(earlier) });
    }
    const routing = await routed.candidates;
    const outcome = await this.attempts.first(
      request,
      routing,
      routing.candidates,
      deadline,
      (slot) => this.hold(request, claim, slot),
      { headStart: routed.headStart },
    );
    if (outcome.kind === 'taken')
      return holdOutcome({ outcome: HoldOutcome_Outcome.held, hold: toHold(outcome.value) });
    if (!outcome.refusals.length && outcome.failure) throw outcome.failure;
    const reason = outcome.refusals[0]?.reason ?? ConflictReason.slot_taken;
    const alternatives = await this.alternatives.near(request, Date.parse(request.start), outcome.refusals);
    return holdOutcome({ outcome: HoldOutcome_Outcome.conflict, reason, alternatives });
  }

  private async hold(request: CreateHoldRequest, claim: Claim, slot: CheckedSlot): Promise<Attempt<BookingRow>> {
    const { candidate, start, end, check, fence } = slot;
    const held = await this.holds.insert(
      {
        id: randomUUID(),
        tenantId: request.tenantId,
        serviceId: request.serviceId,
        memberId: candidate.memberId,
        calendarId: check.bookingCalendarId,
        provider: check.provider,
        start: new Date(start),
        end: new Date(end),
        heldStart: new Date(check.held.start),
        heldEnd: new Date(check.held.end),
        ttlSeconds: request.ttlSeconds ?? DEFAULT_HOLD_SECONDS,
      },
      fence,
      claim,
    );
    return held ? { kind: 'taken', value: held } : { kind: 'refused', reason: ConflictReason.slot_taken, check };
  }
}

/** Replies are kept as their wire JSON, so a replay is byte-for-byte the first answer. */
function holdOutcome(outcome: MessageInitShape<typeof HoldOutcomeSchema>): JsonObject {
  return toJson(HoldOutcomeSchema, create(HoldOutcomeSchema, outcome), { alwaysEmitImplicit: true }) as JsonObject;
}
