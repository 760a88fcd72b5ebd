import { BookingOutcome_Outcome, Rpcs } from '@calldesk/contracts';
import { customer, day, key, startStack, team, type Stack } from '@calldesk/testing';

describe('round robin over real services', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(1);
  }, 60_000);
  afterAll(() => stack?.stop());

  it('spreads 300 bookings over a 3-member team with equal hours to within one of each other', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 3, durationMinutes: 60 });
    const counts = new Map(members.map((m) => [m.id, 0]));
    for (let i = 0; i < 300; i++) {
      // Eight starts a day (9:00 to 16:00), each asked for once: every member is free at each.
      const start = day.plus({ days: Math.floor(i / 8), hours: 9 + (i % 8) }).toISO({ suppressMilliseconds: true })!;
      const reply = await stack.client.request(Rpcs.bookingsCreate, {
        idempotencyKey: key(),
        tenantId,
        serviceId,
        start,
        customer,
      });
      expect(reply.outcome).toBe(BookingOutcome_Outcome.confirmed);
      counts.set(reply.booking!.memberId, counts.get(reply.booking!.memberId)! + 1);
    }
    const values = [...counts.values()];
    expect(values.reduce((a, b) => a + b)).toBe(300);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  }, 120_000);
});
