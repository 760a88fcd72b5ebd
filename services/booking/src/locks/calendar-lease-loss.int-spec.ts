import { randomUUID } from 'node:crypto';
import { BookingOutcome_Outcome, LEASE_BUCKET, Rpcs } from '@calldesk/contracts';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { at, customer, key, newBooking, startStack, team, type Stack } from '@calldesk/testing';
import { DataSource } from 'typeorm';
import { BookingRepository } from '../bookings/booking.repository';
import { CalendarLock, memberLockKey } from './calendar-lock';
import { LockFences } from './lock-fences';

describe('calendar leases when the lease bucket is lost (real NATS, Postgres, test connector)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(1);
  }, 60_000);
  afterAll(() => stack?.stop());

  it('books members again at once after the bucket is deleted, while a holder from before keeps its calendar until it is done', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 2 });
    const [held, free] = members;
    const create = (memberId: string, start: string) =>
      stack.client.request(Rpcs.bookingsCreate, {
        idempotencyKey: key(),
        tenantId,
        serviceId,
        memberId,
        start,
        customer,
      });
    expect((await create(held.id, at(9))).outcome).toBe(BookingOutcome_Outcome.confirmed);

    // Another instance's lock holds one member's calendar, its lease taken before the loss.
    const { app, bus } = stack.bookings[0];
    const elsewhere = new CalendarLock(bus, app.get(DataSource), app.get(SERVICE_CONFIG));
    await elsewhere.onModuleInit();
    let leaseTaken!: () => void;
    const taken = new Promise<void>((resolve) => (leaseTaken = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const holderWrite = elsewhere.run(memberLockKey(tenantId, held.id), async (fence) => {
      leaseTaken();
      await resumed;
      return app
        .get(BookingRepository)
        .insertPending(newBooking({ tenantId, serviceId }, held, 13), fence, { tenantId, key: key() });
    });
    await taken;

    const manager = await bus.connection.jetstreamManager();
    await manager.streams.delete(`KV_${LEASE_BUCKET}`);

    // The bucket is made again and its revisions start over; a member nobody holds is bookable at once.
    expect((await create(free.id, at(10))).outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect((await manager.streams.info(`KV_${LEASE_BUCKET}`)).config.name).toBe(`KV_${LEASE_BUCKET}`);

    // The held member's booking waits for the holder, whose write still goes through: Postgres says it holds the calendar.
    const waiting = create(held.id, at(11));
    resume();
    expect(await holderWrite).toMatchObject({ status: 'pending' });
    expect((await waiting).outcome).toBe(BookingOutcome_Outcome.confirmed);
  }, 60_000);

  it('fences out a holder whose hold ran out and was taken by another', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const [member] = members;
    const fences = new LockFences(stack.bookings[0].app.get(DataSource));
    const lockKey = `fence-test/${randomUUID()}`;
    const stale = (await fences.grant(lockKey, 1_000))!;
    expect(await fences.grant(lockKey, 1_000)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = (await fences.grant(lockKey, 1_000))!;
    expect(later.token).toBe(stale.token + 1);
    expect(await fences.renew(stale, 1_000)).toBe(false);

    const write = stack.bookings[0].app
      .get(BookingRepository)
      .insertPending(newBooking({ tenantId, serviceId }, member, 14), stale, { tenantId, key: key() });
    await expect(write).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('lock was lost'),
    });
    const rows = await stack.database.query(`SELECT count(*)::int AS n FROM booking.bookings WHERE tenant_id = $1`, [
      tenantId,
    ]);
    expect(rows[0].n).toBe(0);
  }, 30_000);
});
