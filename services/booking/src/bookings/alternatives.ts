import {
  ConflictReason,
  Rpcs,
  type AvailabilityCheckResponse,
  type Candidate,
  type CreateBookingRequest,
  type Slot,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { BookingConfig } from '../config';
import { BookingRepository } from './booking.repository';
import { SharedCalls } from './shared-calls';

const DAY_MS = 86_400_000;

export type Refusal = { candidate: Candidate; reason: ConflictReason; check?: AvailabilityCheckResponse };
type Alternative = Pick<Slot, 'start' | 'end' | 'memberId'>;

/**
 * The next available slots nearest a refused start. Availability answers from its caches; this
 * service's own table is the truth about bookings made a moment ago, and the refused attempts'
 * fresh reads are the truth about the provider calendar around the start, so offers that overlap
 * a live booking's held span or that busy time are dropped before answering.
 */
@Injectable()
export class Alternatives {
  private readonly asked = new SharedCalls<Alternative[]>();

  constructor(
    private readonly bus: Bus,
    private readonly bookings: BookingRepository,
    @Inject(SERVICE_CONFIG) private readonly config: BookingConfig,
  ) {}

  /**
   * Callers who lost the same slot at the same moment ask the same question: they share one
   * answer.
   */
  near(
    request: Pick<CreateBookingRequest, 'tenantId' | 'serviceId' | 'memberId'>,
    start: number,
    refusals: Refusal[],
  ): Promise<Alternative[]> {
    return this.asked.run([request.tenantId, request.serviceId, request.memberId ?? '', start].join('\u0000'), () =>
      this.compute(request, start, refusals),
    );
  }

  private async compute(
    request: Pick<CreateBookingRequest, 'tenantId' | 'serviceId' | 'memberId'>,
    start: number,
    refusals: Refusal[],
  ): Promise<Alternative[]> {
    const wanted = this.config.BOOKING_ALTERNATIVES;
    if (!wanted) return [];
    let offered: Slot[];
    try {
      offered = await this.offers(request, start, wanted * 4);
    } catch {
      // A conflict is still the answer; it just comes without suggestions.
      return [];
    }
    // Each member's held span around a start, as availability measured it for the refused one.
    const spans = new Map(
      refusals
        .filter((r) => r.check?.held)
        .map((r) => [
          r.candidate.memberId,
          { before: start - Date.parse(r.check!.held!.start), after: Date.parse(r.check!.held!.end) - start },
        ]),
    );
    const held = offered.map((slot) => {
      const s = Date.parse(slot.start);
      const span = spans.get(slot.memberId);
      return { slot, start: span ? s - span.before : s, end: span ? s + span.after : Date.parse(slot.end) };
    });
    if (!held.length) return [];
    const freshBusy = refusals.flatMap((r) =>
      (r.check?.freshBusy ?? []).map((b) => ({
        memberId: r.candidate.memberId,
        start: Date.parse(b.start),
        end: Date.parse(b.end),
      })),
    );
    const liveHeld = await this.bookings.liveHeld(
      request.tenantId,
      [...new Set(offered.map((slot) => slot.memberId))],
      new Date(Math.min(...held.map((h) => h.start))),
      new Date(Math.max(...held.map((h) => h.end))),
    );
    const taken = [...liveHeld, ...freshBusy];
    return held
      .filter((h) => !taken.some((t) => t.memberId === h.slot.memberId && t.start < h.end && h.start < t.end))
      .slice(0, wanted)
      .map(({ slot }) => ({ start: slot.start, end: slot.end, memberId: slot.memberId }));
  }

  /** Availability's offers near a start, from its caches. */
  private async offers(
    request: Pick<CreateBookingRequest, 'tenantId' | 'serviceId' | 'memberId'>,
    start: number,
    limit: number,
  ): Promise<Slot[]> {
    const from = Math.max(Date.now(), start - 7 * DAY_MS);
    const answer = await this.bus.request(Rpcs.slotsFind, {
      tenantId: request.tenantId,
      serviceId: request.serviceId,
      memberId: request.memberId,
      from: new Date(from).toISOString(),
      to: new Date(Math.max(start, from) + 14 * DAY_MS).toISOString(),
      near: new Date(start).toISOString(),
      limit,
    });
    return answer.slots;
  }
}
