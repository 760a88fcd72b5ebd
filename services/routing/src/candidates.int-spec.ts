import { randomUUID } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  Booking_Status,
  Events,
  InternalRpcs,
  Service_Strategy,
  type BookingSchema,
  type Member,
  type Tenant,
} from '@calldesk/contracts';
import { waitFor } from '@calldesk/testing';
import { RoutingModule } from './routing.module';
import { startRouting, type RoutingUnderTest } from './routing-under-test';

jest.setTimeout(60_000);

type BookingInit = MessageInitShape<typeof BookingSchema>;

const DAY_MS = 24 * 60 * 60_000;

// The JetStream stream and the `routing-bookings` durable consumer are shared with other runs:
// events of earlier runs may arrive first, so every wait is for this test's own booking.
describe('calendar.internal.routing.candidates and the booking ledger', () => {
  let routing: RoutingUnderTest;

  beforeAll(async () => {
    routing = await startRouting(RoutingModule);
  });
  afterAll(async () => {
    await routing?.stop();
  });

  const team = async (size: number, timeZone = 'Europe/London'): Promise<{ tenant: Tenant; members: Member[] }> => {
    const tenant = await routing.tenant({ timeZone });
    const members: Member[] = [];
    for (let i = 0; i < size; i++) members.push(await routing.member(tenant.id));
    return { tenant, members };
  };
  const candidates = async (tenantId: string, serviceId: string, memberId?: string) =>
    (await routing.bus.request(InternalRpcs.routingCandidates, { tenantId, serviceId, memberId })).candidates.map(
      (c) => c.memberId,
    );
  const booking = (tenantId: string, serviceId: string, memberId: string, at = new Date()): BookingInit => ({
    id: randomUUID(),
    tenantId,
    serviceId,
    memberId,
    calendarId: `cal-${memberId}`,
    start: new Date(at.getTime() + DAY_MS).toISOString(),
    end: new Date(at.getTime() + DAY_MS + 3_600_000).toISOString(),
    status: Booking_Status.confirmed,
    customer: { name: 'Test Caller', phone: '+14155550123' },
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
  });
  const ledgerStatus = async (bookingId: string): Promise<string | undefined> =>
    (await routing.db.query('SELECT status FROM booking_ledger WHERE booking_id = $1', [bookingId]))[0]?.status;
  /** Publishes booking events in order and waits until the ledger holds the last one. */
  const publish = async (...events: [typeof Events.bookingConfirmed, BookingInit][]) => {
    for (const [event, body] of events) await routing.bus.events.publish(event, body, randomUUID());
    const [, last] = events[events.length - 1];
    await waitFor(async () => (await ledgerStatus(last.id!)) === Booking_Status[last.status!], { timeoutMs: 30_000 });
  };
  const cancelled = (body: BookingInit, at = new Date()): BookingInit => ({
    ...body,
    status: Booking_Status.cancelled,
    updatedAt: at.toISOString(),
  });

  describe('a specific service', () => {
    it("answers its members in the listed order, with each one's time zone, for a raw NATS caller", async () => {
      const { tenant, members } = await team(2, 'America/Chicago');
      const tokyo = await routing.member(tenant.id, { timeZone: 'Asia/Tokyo' });
      const service = await routing.service(tenant.id, [tokyo.id, members[1].id, members[0].id], {
        name: 'AC repair',
        durationMinutes: 45,
        strategy: Service_Strategy.specific,
      });
      const reply = await routing.call('calendar.internal.routing.candidates', {
        tenantId: tenant.id,
        serviceId: service.id,
      });
      expect(reply).toEqual({
        candidates: [
          { memberId: tokyo.id, timeZone: 'Asia/Tokyo' },
          { memberId: members[1].id, timeZone: 'America/Chicago' },
          { memberId: members[0].id, timeZone: 'America/Chicago' },
        ],
        durationMinutes: 45,
        serviceName: 'AC repair',
        tenantTimeZone: 'America/Chicago',
      });
    });

    it('keeps the listed order whatever the bookings', async () => {
      const { tenant, members } = await team(2);
      const [a, b] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b], { strategy: Service_Strategy.specific });
      await publish([Events.bookingConfirmed, booking(tenant.id, service.id, a)]);
      expect(await candidates(tenant.id, service.id)).toEqual([a, b]);
    });
  });

  describe("the caller's memberId", () => {
    it('answers just that member, for either strategy', async () => {
      const { tenant, members } = await team(3);
      const [a, b, c] = members.map((member) => member.id);
      for (const strategy of [Service_Strategy.round_robin, Service_Strategy.specific]) {
        const service = await routing.service(tenant.id, [a, b, c], { strategy });
        expect(await candidates(tenant.id, service.id, b)).toEqual([b]);
      }
    });

    it('refuses a member that does not serve the service', async () => {
      const { tenant, members } = await team(2);
      const service = await routing.service(tenant.id, [members[0].id]);
      for (const memberId of [members[1].id, randomUUID(), 'someone']) {
        const reply = await routing.call('calendar.internal.routing.candidates', {
          tenantId: tenant.id,
          serviceId: service.id,
          memberId,
        });
        expect(reply.error).toMatchObject({ code: 'invalid_argument', details: { field: 'memberId' } });
      }
    });
  });

  it('answers not_found for an unknown tenant, an unknown service and a service of another tenant', async () => {
    const { tenant, members } = await team(1);
    const service = await routing.service(tenant.id, [members[0].id]);
    const other = await routing.tenant();
    for (const [request, details] of [
      [{ tenantId: randomUUID(), serviceId: service.id }, { tenantId: expect.any(String) }],
      [{ tenantId: tenant.id, serviceId: randomUUID() }, { serviceId: expect.any(String) }],
      [{ tenantId: other.id, serviceId: service.id }, { serviceId: service.id }],
    ] as const) {
      expect((await routing.call('calendar.internal.routing.candidates', request)).error).toMatchObject({
        code: 'not_found',
        details,
      });
    }
  });

  describe('a round-robin service', () => {
    it('offers the listed order while nobody has bookings', async () => {
      const { tenant, members } = await team(3);
      const ids = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [ids[2], ids[0], ids[1]]);
      expect(await candidates(tenant.id, service.id)).toEqual([ids[2], ids[0], ids[1]]);
    });

    it('offers the fewest live bookings first, then the least recently booked', async () => {
      const { tenant, members } = await team(3);
      const [a, b, c] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b, c]);
      const now = Date.now();
      await publish(
        [Events.bookingConfirmed, booking(tenant.id, service.id, a, new Date(now - 3_000))],
        [Events.bookingConfirmed, booking(tenant.id, service.id, b, new Date(now - 2_000))],
        [Events.bookingConfirmed, booking(tenant.id, service.id, a, new Date(now - 1_000))],
      );
      // c has none; b has one; a has two.
      expect(await candidates(tenant.id, service.id)).toEqual([c, b, a]);
      await publish([Events.bookingConfirmed, booking(tenant.id, service.id, c, new Date(now))]);
      // b and c have one each; b was booked longer ago.
      expect(await candidates(tenant.id, service.id)).toEqual([b, c, a]);
    });

    it("counts a member's bookings of every service of the tenant: workload is per person", async () => {
      const { tenant, members } = await team(2);
      const [a, b] = members.map((member) => member.id);
      const repairs = await routing.service(tenant.id, [a, b]);
      const installs = await routing.service(tenant.id, [a, b], { strategy: Service_Strategy.specific });
      await publish([Events.bookingConfirmed, booking(tenant.id, installs.id, a)]);
      expect(await candidates(tenant.id, repairs.id)).toEqual([b, a]);
    });

    it('counts only bookings made within the balancing window, but remembers older ones for recency', async () => {
      const { tenant, members } = await team(3);
      const [a, b, c] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b, c]);
      const now = Date.now();
      await publish(
        [Events.bookingConfirmed, booking(tenant.id, service.id, a, new Date(now - 8 * DAY_MS))],
        [Events.bookingConfirmed, booking(tenant.id, service.id, a, new Date(now - 9 * DAY_MS))],
        [Events.bookingConfirmed, booking(tenant.id, service.id, c, new Date(now - 1_000))],
      );
      // a's two bookings are outside the 7 days: a and b have none in the window, c has one;
      // b was never booked, a was.
      expect(await candidates(tenant.id, service.id)).toEqual([b, a, c]);
    });

    it('scales by weight: weight 2 takes two bookings for every one of weight 1', async () => {
      const { tenant, members } = await team(2);
      const [heavy, light] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [light, heavy], { weights: [{ memberId: heavy, weight: 2 }] });
      const now = Date.now();
      await publish([Events.bookingConfirmed, booking(tenant.id, service.id, heavy, new Date(now - 3_000))]);
      // heavy: 1/2, light: 0/1.
      expect(await candidates(tenant.id, service.id)).toEqual([light, heavy]);
      await publish([Events.bookingConfirmed, booking(tenant.id, service.id, light, new Date(now - 2_000))]);
      // heavy: 1/2 = 0.5, light: 1/1.
      expect(await candidates(tenant.id, service.id)).toEqual([heavy, light]);
      await publish([Events.bookingConfirmed, booking(tenant.id, service.id, heavy, new Date(now - 1_000))]);
      // 2/2 against 1/1: a tie, and light was booked longer ago.
      expect(await candidates(tenant.id, service.id)).toEqual([light, heavy]);
    });
  });

  describe('the ledger, fed by booking events', () => {
    it('counts a booking published twice, or republished under a new message id, once', async () => {
      const { tenant, members } = await team(2);
      const [a, b] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b]);
      const first = booking(tenant.id, service.id, a, new Date(Date.now() - 5_000));
      const msgId = randomUUID();
      expect(await routing.bus.events.publish(Events.bookingConfirmed, first, msgId)).toEqual({ duplicate: false });
      expect(await routing.bus.events.publish(Events.bookingConfirmed, first, msgId)).toEqual({ duplicate: true });
      await publish([Events.bookingConfirmed, first], [Events.bookingConfirmed, booking(tenant.id, service.id, b)]);
      const rows = await routing.db.query('SELECT booking_id FROM booking_ledger WHERE tenant_id = $1', [tenant.id]);
      expect(rows).toHaveLength(2);
      // One each: a, booked earlier, comes first.
      expect(await candidates(tenant.id, service.id)).toEqual([a, b]);
    });

    it('stops counting a cancelled booking', async () => {
      const { tenant, members } = await team(2);
      const [a, b] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b]);
      const made = booking(tenant.id, service.id, a, new Date(Date.now() - 60_000));
      await publish([Events.bookingConfirmed, made]);
      expect(await candidates(tenant.id, service.id)).toEqual([b, a]);
      await publish([Events.bookingCancelled, cancelled(made)]);
      expect(await candidates(tenant.id, service.id)).toEqual([a, b]);
    });

    it('keeps counting a rescheduled booking', async () => {
      const { tenant, members } = await team(2);
      const [a, b] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b]);
      const made = booking(tenant.id, service.id, a, new Date(Date.now() - 60_000));
      await publish(
        [Events.bookingConfirmed, made],
        [Events.bookingRescheduled, { ...made, start: new Date().toISOString(), updatedAt: new Date().toISOString() }],
      );
      expect(await candidates(tenant.id, service.id)).toEqual([b, a]);
    });

    it('ignores an event older than the one it holds', async () => {
      const { tenant, members } = await team(2);
      const [a, b] = members.map((member) => member.id);
      const service = await routing.service(tenant.id, [a, b]);
      const made = booking(tenant.id, service.id, a, new Date(Date.now() - 60_000));
      const marker = booking(tenant.id, service.id, b, new Date(Date.now() - 120_000));
      await publish(
        [Events.bookingCancelled, cancelled(made)],
        [Events.bookingConfirmed, made],
        [Events.bookingCancelled, cancelled(marker)],
      );
      expect(await ledgerStatus(made.id!)).toBe('cancelled');
      expect(await candidates(tenant.id, service.id)).toEqual([a, b]);
    });

    it('takes events for members and tenants it does not know, and skips one without a member', async () => {
      const stranger = booking(randomUUID(), randomUUID(), randomUUID());
      const memberless = { ...booking(randomUUID(), randomUUID(), ''), memberId: '' };
      const after = booking(randomUUID(), randomUUID(), 'not-even-a-uuid');
      await publish(
        [Events.bookingConfirmed, stranger],
        [Events.bookingConfirmed, memberless],
        [Events.bookingConfirmed, after],
      );
      expect(await ledgerStatus(stranger.id!)).toBe('confirmed');
      expect(await ledgerStatus(memberless.id!)).toBeUndefined();
    });
  });
});
