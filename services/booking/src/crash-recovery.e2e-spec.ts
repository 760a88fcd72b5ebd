import { BookingOutcome_Outcome, Rpcs } from '@calldesk/contracts';
import {
  at,
  customer,
  key,
  startService,
  startStack,
  team,
  testNatsUrl,
  waitFor,
  type ServiceProcess,
  type Stack,
} from '@calldesk/testing';
import { Client } from 'pg';

/** The booking service as a real process, killed with SIGKILL at the worst moments. */
describe('a booking process killed mid-booking', () => {
  let stack: Stack;
  let db: Client;
  let booking: ServiceProcess | undefined;

  const startBooking = async () => {
    booking = await startService('booking', {
      NATS_URL: await testNatsUrl(),
      DATABASE_URL: stack.database.url,
      LOG_LEVEL: 'warn',
      BOOKING_PENDING_GRACE_MS: '1000',
      BOOKING_RECONCILE_INTERVAL_MS: '250',
      BOOKING_LOCK_LEASE_MS: '1000',
    });
    await waitFor(
      async () =>
        (await stack.client.request({ ...Rpcs.bookingsGet }, { tenantId: 'probe', bookingId: 'probe' }).catch((e) => e))
          .code === 'not_found',
      {
        timeoutMs: 30_000,
      },
    );
  };
  const rows = async (tenantId: string) =>
    (await db.query(`SELECT id, status FROM booking.bookings WHERE tenant_id = $1`, [tenantId])).rows as {
      id: string;
      status: string;
    }[];

  beforeAll(async () => {
    stack = await startStack(0);
    db = new Client({ connectionString: stack.database.url });
    await db.connect();
    await startBooking();
  }, 60_000);
  afterAll(async () => {
    await booking?.stop();
    await db?.end();
    await stack?.stop();
  }, 30_000);

  it.each([
    ['after the provider event is written, before it is confirmed', 'after', 'confirmed', 1],
    ['before the provider event is written', 'before', 'failed', 0],
  ] as const)(
    'killed %s: after a restart the booking and its event both exist or neither',
    async (_moment, hook, settled, events) => {
      const { tenantId, serviceId, members } = await team(stack, { size: 1 });
      const victim = booking!;
      const kill = async () => {
        victim.kill();
        await victim.stop();
      };
      if (hook === 'after') stack.connector.afterCreate = kill;
      else
        stack.connector.beforeCreate = async () => {
          await kill();
          throw new Error('the caller is gone');
        };
      const request = { idempotencyKey: key(), tenantId, serviceId, start: at(hook === 'after' ? 10 : 11), customer };
      await expect(stack.client.request(Rpcs.bookingsCreate, request, { timeoutMs: 3_000 })).rejects.toBeDefined();
      stack.connector.afterCreate = undefined;
      stack.connector.beforeCreate = undefined;
      expect((await rows(tenantId)).map((r) => r.status)).toEqual(['pending']);

      await startBooking();
      await waitFor(async () => (await rows(tenantId))[0].status !== 'pending', { timeoutMs: 10_000 });
      const [row] = await rows(tenantId);
      expect(row.status).toBe(settled);
      expect(stack.connector.eventsOf(members[0].bookingCalendarId).filter((e) => e.bookingId === row.id)).toHaveLength(
        events,
      );

      // The caller's retry with the same key gets the settled booking, or books afresh: never a second event.
      const retry = await stack.client.request(Rpcs.bookingsCreate, request, { timeoutMs: 10_000 });
      expect(retry.outcome).toBe(BookingOutcome_Outcome.confirmed);
      if (settled === 'confirmed') expect(retry.booking!.id).toBe(row.id);
      expect(stack.connector.eventsOf(members[0].bookingCalendarId)).toHaveLength(1);
    },
    60_000,
  );
});
