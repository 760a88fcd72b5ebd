import { randomUUID } from 'node:crypto';
import { BookingOutcome_Outcome, LEASE_BUCKET, Rpcs } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { DataSource } from 'typeorm';
import { BookingRepository } from '../bookings/booking.repository';
import { at, customer, key, startStack, team, type Stack } from '../booking-under-test';
import { CalendarLock, memberLockKey } from './calendar-lock';

describe('calendar leases when the lease bucket is lost (real NATS, Postgres, test connector)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(1);
  }, 60_000);
  afterAll(() => stack?.stop());

  it('books a member again at once after the bucket is deleted, and still fences out a holder whose lease went with it', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const member = members[0];
    const create = (start: string) => stack.client.request(Rpcs.bookingsCreate, { idempotencyKey: key(), tenantId, serviceId, start, customer });
    expect((await create(at(9))).outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect((await create(at(10))).outcome).toBe(BookingOutcome_Outcome.confirmed);

    // Another instance's lock holds the member's calendar, its lease taken before the loss.
    const { app, bus } = stack.bookings[0];
    const elsewhere = new CalendarLock(bus, app.get(DataSource), app.get(SERVICE_CONFIG));
    await elsewhere.onModuleInit();
    let leaseTaken!: () => void;
    const taken = new Promise<void>((resolve) => (leaseTaken = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const staleWrite = elsewhere.run(memberLockKey(tenantId, member.id), async (fence) => {
      leaseTaken();
      await resumed;
      const start = new Date(at(13));
      const end = new Date(at(13, 30));
      return app.get(BookingRepository).insertPending(
        {
          id: randomUUID(), tenantId, serviceId, memberId: member.id, calendarId: member.bookingCalendarId, provider: 'test',
          start, end, heldStart: start, heldEnd: end, customerName: customer.name, customerPhone: customer.phone,
        },
        fence,
        { tenantId, key: key() },
      );
    });
    await taken;

    const manager = await bus.connection.jetstreamManager();
    await manager.streams.delete(`KV_${LEASE_BUCKET}`);

    // The bucket is made again and its revisions start over; the member is bookable at once.
    const again = await create(at(11));
    expect(again.outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect((await manager.streams.info(`KV_${LEASE_BUCKET}`)).config.name).toBe(`KV_${LEASE_BUCKET}`);
    expect((await create(at(12))).outcome).toBe(BookingOutcome_Outcome.confirmed);

    // The holder from before the loss writes nothing: a later holder was granted the calendar.
    resume();
    await expect(staleWrite).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('lock was lost') });
    const live = await stack.database.query(`SELECT starts_at FROM booking.bookings WHERE tenant_id = $1 AND status = 'confirmed' ORDER BY starts_at`, [tenantId]);
    expect(live.map((row) => row.starts_at.toISOString())).toEqual([at(9), at(10), at(11), at(12)].map((t) => new Date(t).toISOString()));
  }, 60_000);
});
