import { BookingOutcome_Outcome, Events, Hold_Status, HoldOutcome_Outcome, Rpcs } from '@calldesk/contracts';
import { at, customer, key, startStack, team, testNatsUrl, waitFor, type Stack } from '@calldesk/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';

/**
 * Holds (issue 17): a slot held while the caller gives their details, checked live and kept under
 * the same exclusion constraint as bookings, across two booking instances.
 */
describe('holds (real NATS, Postgres, test connector; two booking instances)', () => {
  let stack: Stack;
  let db: DataSource;
  let raw: NatsConnection;
  const holdEvents: string[] = [];

  beforeAll(async () => {
    stack = await startStack(2, { HOLD_EXPIRY_INTERVAL_MS: '200' });
    db = stack.bookings[0].app.get(DataSource);
    raw = await connect({ servers: await testNatsUrl() });
    raw.subscribe(Events.holdAny.subject, {
      callback: (_error, msg) => holdEvents.push(`${msg.subject.split('.').pop()} ${JSON.parse(msg.string()).id}`),
    });
  }, 60_000);
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  const hold = (body: Record<string, unknown>) =>
    stack.client.request(Rpcs.holdsCreate, { idempotencyKey: key(), ...body } as never);
  const book = (body: Record<string, unknown>) =>
    stack.client.request(Rpcs.bookingsCreate, { idempotencyKey: key(), customer, ...body } as never);
  const offered = async (tenantId: string, serviceId: string) =>
    (
      await stack.client.request(Rpcs.slotsFind, { tenantId, serviceId, from: at(0), to: at(23), limit: 100 })
    ).slots.map((s) => Date.parse(s.start));

  it('50 callers racing to hold one start: one holds, 49 conflict with alternatives; nobody else is offered it; the holder books it once', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => hold({ tenantId, serviceId, start: at(10) })));
    const held = answers.filter((a) => a.outcome === HoldOutcome_Outcome.held);
    const refused = answers.filter((a) => a.outcome === HoldOutcome_Outcome.conflict);
    expect(held).toHaveLength(1);
    expect(refused).toHaveLength(49);
    expect(
      refused.every(
        (a) => a.alternatives.length > 0 && a.alternatives.every((s) => Date.parse(s.start) !== Date.parse(at(10))),
      ),
    ).toBe(true);
    const { hold: mine } = held[0];
    expect(mine).toMatchObject({
      memberId: members[0].id,
      status: Hold_Status.held,
      start: new Date(at(10)).toISOString(),
    });
    expect(Date.parse(mine!.expiresAt) - Date.now()).toBeGreaterThan(170_000);
    // At once, to everyone else: not offered, and not bookable.
    expect(await offered(tenantId, serviceId)).not.toContain(Date.parse(at(10)));
    expect((await book({ tenantId, serviceId, start: at(10) })).outcome).toBe(BookingOutcome_Outcome.conflict);
    // Nothing was written to the provider for the hold.
    expect(stack.connector.eventsOf(members[0].bookingCalendarId)).toHaveLength(0);

    const booked = await book({ tenantId, serviceId, start: at(10), holdId: mine!.id });
    expect(booked).toMatchObject({
      outcome: BookingOutcome_Outcome.confirmed,
      booking: { id: mine!.id, memberId: members[0].id },
    });
    expect(stack.connector.eventsOf(members[0].bookingCalendarId)).toHaveLength(1);
    const rows = await db.query(`SELECT status FROM booking.bookings WHERE tenant_id = $1`, [tenantId]);
    expect(rows).toEqual([{ status: 'confirmed' }]);
    // The hold is used up: it books nothing twice, and letting it go changes nothing.
    await expect(book({ tenantId, serviceId, start: at(10), holdId: mine!.id })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await stack.client.request(Rpcs.holdsRelease, { tenantId, holdId: mine!.id })).hold).toMatchObject({
      status: Hold_Status.booked,
    });
    await waitFor(() => holdEvents.includes(`created ${mine!.id}`), { timeoutMs: 3_000 });
  });

  it('ends by time alone: an expired hold is offered again right after expiresAt, and said to have expired', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    const { hold: mine } = await hold({ tenantId, serviceId, start: at(11), ttlSeconds: 1 });
    expect(await offered(tenantId, serviceId)).not.toContain(Date.parse(at(11)));
    const expiresAt = Date.parse(mine!.expiresAt);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now()) + 20));
    expect(await offered(tenantId, serviceId)).toContain(Date.parse(at(11)));
    // Someone else can take it now; the late holder's booking of it is refused.
    expect((await book({ tenantId, serviceId, start: at(11) })).outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect((await book({ tenantId, serviceId, start: at(11), holdId: mine!.id })).outcome).toBe(
      BookingOutcome_Outcome.conflict,
    );
    await waitFor(() => holdEvents.includes(`expired ${mine!.id}`), { timeoutMs: 3_000 });
  });

  it('a released hold is free at once; an expired one still books when nobody took its time', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    const { hold: released } = await hold({ tenantId, serviceId, start: at(13) });
    expect((await stack.client.request(Rpcs.holdsRelease, { tenantId, holdId: released!.id })).hold).toMatchObject({
      status: Hold_Status.released,
    });
    expect(await offered(tenantId, serviceId)).toContain(Date.parse(at(13)));
    await waitFor(() => holdEvents.includes(`released ${released!.id}`), { timeoutMs: 3_000 });

    const { hold: lapsed } = await hold({ tenantId, serviceId, start: at(14), ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, Date.parse(lapsed!.expiresAt) - Date.now() + 20));
    expect((await book({ tenantId, serviceId, start: at(14), holdId: lapsed!.id })).outcome).toBe(
      BookingOutcome_Outcome.confirmed,
    );
  });

  it('refuses bad holds by field, and a hold booked at another start or service', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    await expect(hold({ tenantId, serviceId, start: at(15), ttlSeconds: 901 })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'ttlSeconds' },
    });
    await expect(hold({ tenantId, serviceId, start: 'soon' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'start' },
    });
    const { hold: mine } = await hold({ tenantId, serviceId, start: at(15) });
    await expect(book({ tenantId, serviceId, start: at(15, 30), holdId: mine!.id })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'start' },
    });
    await expect(
      book({ tenantId, serviceId, start: at(15), holdId: '00000000-0000-0000-0000-000000000000' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('holds and bookings never overlap, whatever the mix and however many instances', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 2, rules: { bufferAfterMinutes: 15 } });
    const starts = [9, 9.5, 10, 10.5, 11].map((h) => at(Math.floor(h), (h % 1) * 60));
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const start = starts[i % starts.length];
        return (
          i % 2 ? hold({ tenantId, serviceId, start, ttlSeconds: 60 }) : book({ tenantId, serviceId, start })
        ).catch(() => undefined);
      }),
    );
    const overlapping = await db.query(
      `SELECT a.id FROM booking.bookings a JOIN booking.bookings b ON a.id < b.id AND a.calendar_id = b.calendar_id
        WHERE a.tenant_id = $1 AND a.held && b.held AND a.alive && b.alive
          AND a.status IN ('pending', 'confirmed', 'held') AND b.status IN ('pending', 'confirmed', 'held')`,
      [tenantId],
    );
    expect(overlapping).toEqual([]);
    const taking = await db.query(
      `SELECT count(*)::int AS n FROM booking.bookings WHERE tenant_id = $1 AND status IN ('confirmed', 'held')`,
      [tenantId],
    );
    expect(taking[0].n).toBeGreaterThan(2);
  });
});
