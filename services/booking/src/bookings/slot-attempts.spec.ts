import { create } from '@bufbuild/protobuf';
import {
  AvailabilityCheckResponseSchema,
  CandidatesResponseSchema,
  InternalRpcs,
  type AvailabilityCheckRequest,
  type CandidatesResponse,
} from '@calldesk/contracts';
import type { Bus } from '@calldesk/messaging';
import type { CalendarLock } from '../locks/calendar-lock';
import type { BookingRepository } from './booking.repository';
import type { Deadline } from './deadline';
import { SlotAttempts, type Attempt, type CheckedSlot, type SlotRequest } from './slot-attempts';

const ZONE = 'America/New_York';
const request: SlotRequest = {
  tenantId: 't1',
  serviceId: 's1',
  memberId: 'm1',
  start: '2030-01-07T15:00:00.000Z',
};
const deadline = { leavesRoomForAttempt: () => true } as Deadline;
const take = async (slot: CheckedSlot): Promise<Attempt<CheckedSlot>> => ({ kind: 'taken', value: slot });

/**
 * SlotAttempts with routing's answers in the test's hands and everything else answering at once:
 * a free calendar, a free slot in our table, and availability finding it bookable.
 */
function attempts() {
  const routingAnswers: ((answer: CandidatesResponse) => void)[] = [];
  const checks: AvailabilityCheckRequest[] = [];
  const bus = {
    request: (rpc: { subject: string }, body: unknown) => {
      if (rpc.subject === InternalRpcs.routingCandidates.subject)
        return new Promise<CandidatesResponse>((resolve) => routingAnswers.push(resolve));
      const check = body as AvailabilityCheckRequest;
      checks.push(check);
      const end = Date.parse(check.start) + check.durationMinutes * 60_000;
      return Promise.resolve(
        create(AvailabilityCheckResponseSchema, {
          bookable: true,
          bookingCalendarId: 'cal-1',
          provider: 'test',
          held: { start: check.start, end: new Date(end).toISOString() },
        }),
      );
    },
  };
  const calendar = { free: true };
  const lock = {
    isFree: () => calendar.free,
    run: <T>(key: string, work: (fence: { key: string; token: number }, contended: boolean) => Promise<T>) =>
      work({ key, token: 1 }, false),
  };
  const bookings = { overlapsLive: async () => false, recent: async () => [] };
  const slotAttempts = new SlotAttempts(
    bus as unknown as Bus,
    lock as unknown as CalendarLock,
    bookings as unknown as BookingRepository,
  );
  const routing = {
    /** Answers the oldest routing request still waiting. */
    answer: (durationMinutes: number, members = ['m1']) =>
      routingAnswers.shift()!(
        create(CandidatesResponseSchema, {
          candidates: members.map((memberId) => ({ memberId, timeZone: ZONE })),
          durationMinutes,
          serviceName: 'Consultation',
          tenantTimeZone: ZONE,
        }),
      ),
  };
  return { slotAttempts, routing, checks, calendar };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

async function book(
  slotAttempts: SlotAttempts,
  slot: SlotRequest,
  answerRouting: () => void,
  beforeRouting: () => void = () => undefined,
) {
  const routed = slotAttempts.route(slot);
  await settle();
  beforeRouting();
  answerRouting();
  const routing = await routed.candidates;
  return slotAttempts.first(slot, routing, routing.candidates, deadline, take, { headStart: routed.headStart });
}

describe('SlotAttempts', () => {
  it('begins a named member’s check before routing answers, once routing has answered for them before', async () => {
    const { slotAttempts, routing, checks } = attempts();
    await book(slotAttempts, request, () => routing.answer(30));
    expect(checks).toHaveLength(1);

    const next = { ...request, start: '2030-01-07T16:00:00.000Z' };
    let asked = -1;
    const outcome = await book(
      slotAttempts,
      next,
      () => routing.answer(30),
      () => (asked = checks.length),
    );
    // The second booking's check went out while routing had not yet answered, and was the only one.
    expect(asked).toBe(2);
    expect(checks).toHaveLength(2);
    expect(checks[1]).toMatchObject({ memberId: 'm1', start: next.start, durationMinutes: 30, timeZone: ZONE });
    expect(outcome).toMatchObject({ kind: 'taken', value: { start: Date.parse(next.start) } });
  });

  it('checks again on routing’s answer when it differs from the last one: the slot is the new length', async () => {
    const { slotAttempts, routing, checks } = attempts();
    await book(slotAttempts, request, () => routing.answer(30));
    const next = { ...request, start: '2030-01-07T16:00:00.000Z' };
    const outcome = await book(slotAttempts, next, () => routing.answer(60));
    expect(checks.map((c) => c.durationMinutes)).toEqual([30, 30, 60]);
    expect(outcome).toMatchObject({
      kind: 'taken',
      value: { start: Date.parse(next.start), end: Date.parse(next.start) + 60 * 60_000 },
    });
  });

  it('reads again under the lock when another attempt here got the calendar after the head start read', async () => {
    const { slotAttempts, routing, checks, calendar } = attempts();
    await book(slotAttempts, request, () => routing.answer(30));
    const next = { ...request, start: '2030-01-07T16:00:00.000Z' };
    const outcome = await book(
      slotAttempts,
      next,
      () => routing.answer(30),
      // The head start has read; now another attempt of this member's holds the calendar here.
      () => (calendar.free = false),
    );
    expect(checks.map((c) => c.start)).toEqual([request.start, next.start, next.start]);
    expect(outcome).toMatchObject({ kind: 'taken' });
  });

  it('waits for routing where no member is named: its order decides whom to check', async () => {
    const { slotAttempts, routing, checks } = attempts();
    const roundRobin = { ...request, memberId: undefined };
    await book(slotAttempts, roundRobin, () => routing.answer(30, ['m1', 'm2']));
    let asked = -1;
    await book(
      slotAttempts,
      { ...roundRobin, start: '2030-01-07T16:00:00.000Z' },
      () => routing.answer(30, ['m2', 'm1']),
      () => (asked = checks.length),
    );
    expect(asked).toBe(1);
    expect(checks.map((c) => c.memberId)).toEqual(['m1', 'm2']);
  });
});
