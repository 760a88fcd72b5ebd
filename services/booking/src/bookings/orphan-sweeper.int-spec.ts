import { BookingOutcome_Outcome, Rpcs, type RpcError } from '@calldesk/contracts';
import { at, customer, key, startStack, team, waitFor, type Stack } from '@calldesk/testing';

describe('orphan event sweep (real NATS, Postgres, test connector)', () => {
  let stack: Stack;
  let land: (() => void) | undefined;

  beforeAll(async () => {
    // Writes given up after 1 s; undone bookings swept 2 s after they were undone.
    stack = await startStack(1, {
      PROVIDER_WRITE_TIMEOUT_MS: '1000',
      BOOKING_EVENT_SWEEP_GRACE_MS: '2000',
      BOOKING_RECONCILE_INTERVAL_MS: '250',
    });
  }, 60_000);
  afterAll(async () => {
    land?.();
    await stack?.stop();
  });

  it('deletes the event of a booking whose write landed after the booking was undone, and leaves confirmed ones alone', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const calendarId = members[0].bookingCalendarId;
    const create = (start: string) =>
      stack.client.request(Rpcs.bookingsCreate, { idempotencyKey: key(), tenantId, serviceId, start, customer });
    const kept = await create(at(9));
    expect(kept.outcome).toBe(BookingOutcome_Outcome.confirmed);

    // The provider stalls the next write past booking's give-up, and carries it out afterwards.
    const landed = new Promise<void>((resolve) => (land = resolve));
    stack.connector.beforeCreate = () => landed;
    const undone = await create(at(11)).catch((error: RpcError) => error);
    // The answer of a write that got none: try again.
    expect(['unavailable', 'deadline_exceeded']).toContain((undone as RpcError).code);
    const [failed] = await stack.database.query(
      `SELECT id FROM booking.bookings WHERE tenant_id = $1 AND status = 'failed'`,
      [tenantId],
    );
    stack.connector.beforeCreate = undefined;
    land?.();
    await waitFor(async () => stack.connector.eventsOf(calendarId).some((e) => e.bookingId === failed.id), {
      timeoutMs: 5_000,
    });

    await waitFor(async () => !stack.connector.eventsOf(calendarId).some((e) => e.bookingId === failed.id), {
      timeoutMs: 15_000,
    });
    expect(stack.connector.eventsOf(calendarId).map((e) => e.bookingId)).toEqual([kept.booking!.id]);
    const [{ event_swept_at }] = await stack.database.query(
      `SELECT event_swept_at FROM booking.bookings WHERE id = $1`,
      [failed.id],
    );
    expect(event_swept_at).toBeInstanceOf(Date);
  }, 60_000);
});
