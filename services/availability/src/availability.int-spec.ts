import { randomUUID } from 'node:crypto';
import {
  Booking_Status,
  Broadcasts,
  ConflictReason,
  Events,
  Hold_Status,
  InternalRpcs,
  Rpcs,
  Service_Strategy,
  type FindSlotsResponse,
} from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import {
  createTestDatabase,
  startInProcessService,
  testNatsUrl,
  TestConnector,
  waitFor,
  type InProcessService,
  type TestDatabase,
} from '@calldesk/testing';
import { connect, type NatsConnection } from 'nats';
import { DateTime } from 'luxon';

const ZONE = 'America/New_York';
const everyDay = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
// Two days ahead, so notice rules and the clock never interfere; local wall-clock times in ZONE.
const day = DateTime.now().setZone(ZONE).plus({ days: 2 }).startOf('day');
const at = (hour: number, minute = 0) => day.set({ hour, minute }).toISO({ suppressMilliseconds: true })!;

describe('availability service (real NATS, Postgres, test connector)', () => {
  let database: TestDatabase;
  let routing: InProcessService;
  let availability: InProcessService;
  let connector: TestConnector;
  let client: Bus;
  let raw: NatsConnection;

  beforeAll(async () => {
    database = await createTestDatabase();
    routing = await startInProcessService({ service: 'routing', databaseUrl: database.url });
    availability = await startInProcessService({
      service: 'availability',
      databaseUrl: database.url,
      env: { CONNECTOR_TIMEOUT_MS: '400' },
    });
    connector = await TestConnector.start('test');
    client = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 5_000 });
    raw = await connect({ servers: await testNatsUrl() });
  }, 60_000);

  afterAll(async () => {
    await raw?.close();
    await client?.drain();
    await connector?.close();
    await availability?.close();
    await routing?.close();
    await database?.drop();
  });

  /** A tenant with members open 9 to 5 every day, connected to the test connector. */
  async function team(size: number, strategy = Service_Strategy.round_robin) {
    const { tenant } = await client.request(Rpcs.tenantsCreate, {
      name: `t-${randomUUID()}`,
      timeZone: 'Europe/London',
    });
    const members = [];
    for (let i = 0; i < size; i++) {
      const { member } = await client.request(Rpcs.membersCreate, {
        tenantId: tenant!.id,
        name: `m${i}`,
        timeZone: ZONE,
      });
      const calendars = await connector.connect(tenant!.id, member!.id, 1);
      await client.request(Rpcs.availabilitySet, { tenantId: tenant!.id, memberId: member!.id, weeklyHours: everyDay });
      members.push({ id: member!.id, ...calendars });
    }
    const { service } = await client.request(Rpcs.servicesCreate, {
      tenantId: tenant!.id,
      name: 'Consultation',
      durationMinutes: 60,
      memberIds: members.map((m) => m.id),
      strategy,
    });
    // Connection events reach availability through the stream: wait until each member is offered.
    const tenantId = tenant!.id;
    for (const member of members) {
      await waitFor(
        async () => (await find({ tenantId, serviceId: service!.id, memberId: member.id })).slots.length > 0,
        { timeoutMs: 5_000 },
      );
    }
    return { tenantId, serviceId: service!.id, members };
  }

  const find = (request: {
    tenantId: string;
    serviceId: string;
    memberId?: string;
    timeZone?: string;
    limit?: number;
    near?: string;
  }) => client.request(Rpcs.slotsFind, { from: at(0), to: at(23, 59), limit: 50, ...request });
  const starts = (response: FindSlotsResponse) => response.slots.map((s) => s.start);

  it('offers every hour from 9 to 5 in the member zone, formatted in the asked zone', async () => {
    const { tenantId, serviceId, members } = await team(1);
    const response = await find({ tenantId, serviceId, timeZone: ZONE });
    expect(starts(response)).toEqual([9, 10, 11, 12, 13, 14, 15, 16].map((h) => at(h)));
    expect(response.slots.every((s) => s.memberId === members[0].id)).toBe(true);
    expect(response.timeZone).toBe(ZONE);
    expect(response.skipped).toEqual([]);
    // Default zone: the tenant's (London), same instants.
    const london = await find({ tenantId, serviceId });
    expect(london.timeZone).toBe('Europe/London');
    expect(london.slots.map((s) => Date.parse(s.start))).toEqual(response.slots.map((s) => Date.parse(s.start)));
    // A caller in a third zone: the member's hours, written with the caller's offset.
    const kolkata = await find({ tenantId, serviceId, timeZone: 'Asia/Kolkata' });
    expect(kolkata.slots[0].start).toBe(
      day.set({ hour: 9 }).setZone('Asia/Kolkata').toISO({ suppressMilliseconds: true }),
    );
    expect(kolkata.slots.every((s) => s.start.endsWith('+05:30'))).toBe(true);
  });

  it('reflects a calendar.changed event in the next answer, from any calendar of the member', async () => {
    const { tenantId, serviceId, members } = await team(1);
    expect(starts(await find({ tenantId, serviceId, timeZone: ZONE }))).toContain(at(10));
    const before = connector.busyRequests.length;
    expect(starts(await find({ tenantId, serviceId, timeZone: ZONE }))).toContain(at(10));
    expect(connector.busyRequests.length).toBe(before); // warm cache: the connector was not asked
    await connector.addEvent(members[0].blockingCalendarIds[0], { start: at(10, 15), end: at(10, 45) });
    await waitFor(async () => !starts(await find({ tenantId, serviceId, timeZone: ZONE })).includes(at(10)), {
      timeoutMs: 2_000,
    });
    expect(starts(await find({ tenantId, serviceId, timeZone: ZONE }))).toContain(at(11));
  });

  it('ignores transparent events and counts our own booking once, by its held span', async () => {
    const { tenantId, serviceId, members } = await team(1);
    const member = members[0];
    await connector.addEvent(member.bookingCalendarId, { start: at(9), end: at(17), transparent: true });
    const bookingId = randomUUID();
    // Our booking's event at 12:00 and the booking itself: one obstacle, 12:00–13:00.
    await connector.addEvent(member.bookingCalendarId, { start: at(12), end: at(13), bookingId });
    const now = new Date().toISOString();
    await client.events.publish(
      Events.bookingConfirmed,
      {
        id: bookingId,
        tenantId,
        serviceId,
        memberId: member.id,
        calendarId: member.bookingCalendarId,
        start: at(12),
        end: at(13),
        status: Booking_Status.confirmed,
        createdAt: now,
        updatedAt: now,
      },
      `booking:${bookingId}:1`,
    );
    await waitFor(async () => !starts(await find({ tenantId, serviceId, timeZone: ZONE })).includes(at(12)), {
      timeoutMs: 2_000,
    });
    expect(starts(await find({ tenantId, serviceId, timeZone: ZONE }))).toEqual(
      [9, 10, 11, 13, 14, 15, 16].map((h) => at(h)),
    );
  });

  it('keeps the newest change of a hold, though the stream brings its creation after the release was told', async () => {
    const { tenantId, serviceId, members } = await team(1);
    const holdId = randomUUID();
    const heldAt = new Date(Date.now() - 1_000).toISOString();
    const hold = (status: Hold_Status, updatedAt: string) => ({
      id: holdId,
      tenantId,
      serviceId,
      memberId: members[0].id,
      start: at(12),
      end: at(13),
      expiresAt: at(23),
      status,
      createdAt: heldAt,
      updatedAt,
    });
    const offered = async () => starts(await find({ tenantId, serviceId, timeZone: ZONE })).includes(at(12));
    // Booking tells every instance at once: held, then let go.
    client.broadcast(Broadcasts.holdChanged, hold(Hold_Status.held, heldAt));
    await waitFor(async () => !(await offered()), { timeoutMs: 2_000 });
    client.broadcast(Broadcasts.holdChanged, hold(Hold_Status.released, new Date().toISOString()));
    await waitFor(offered, { timeoutMs: 2_000 });
    // The outbox then publishes the hold's creation: taken in, and older than the release.
    await client.events.publish(Events.holdCreated, hold(Hold_Status.held, heldAt), `hold:${holdId}:created`);
    await waitFor(
      async () =>
        (await database.query(`SELECT 1 FROM availability.booked_spans WHERE booking_id = $1`, [holdId])).length > 0,
      { timeoutMs: 5_000 },
    );
    expect(await offered()).toBe(true);
  });

  it('leaves out a member whose connector times out, says why, and still offers the others', async () => {
    const { tenantId, serviceId, members } = await team(2);
    await connector.setBehaviour(tenantId, members[0].id, 'timeout');
    // The cached answer may stand until the member's cache entry goes: drop it with a change.
    await connector.addEvent(members[0].bookingCalendarId, { start: at(1), end: at(2) });
    await waitFor(async () => (await find({ tenantId, serviceId })).skipped.length === 1, { timeoutMs: 3_000 });
    const response = await find({ tenantId, serviceId });
    expect(response.skipped).toEqual([
      expect.objectContaining({ memberId: members[0].id, reason: 'calendar_unavailable' }),
    ]);
    expect(response.slots.length).toBeGreaterThan(0);
    expect(response.slots.every((s) => s.memberId === members[1].id)).toBe(true);
  });

  it('leaves out a member whose connection needs reauthorization', async () => {
    const { tenantId, serviceId, members } = await team(1);
    await connector.setBehaviour(tenantId, members[0].id, 'needs_reauth');
    await waitFor(async () => (await find({ tenantId, serviceId })).skipped[0]?.reason === 'needs_reauth', {
      timeoutMs: 3_000,
    });
    expect((await find({ tenantId, serviceId })).slots).toEqual([]);
  });

  it('gives each start of a round-robin team to the first free member in balancing order', async () => {
    const { tenantId, serviceId, members } = await team(2);
    await connector.addEvent(members[0].bookingCalendarId, { start: at(9), end: at(12) });
    await waitFor(
      async () => (await find({ tenantId, serviceId, timeZone: ZONE })).slots[0]?.memberId === members[1].id,
      { timeoutMs: 2_000 },
    );
    const response = await find({ tenantId, serviceId, timeZone: ZONE });
    expect(starts(response)).toEqual([9, 10, 11, 12, 13, 14, 15, 16].map((h) => at(h)));
    const byStart = new Map(response.slots.map((s) => [s.start, s.memberId]));
    expect([at(9), at(10), at(11)].map((s) => byStart.get(s))).toEqual([members[1].id, members[1].id, members[1].id]);
  });

  it('ranks by closeness to near and honours limit', async () => {
    const { tenantId, serviceId } = await team(1);
    const response = await find({ tenantId, serviceId, timeZone: ZONE, near: at(13, 20), limit: 3 });
    expect(starts(response)).toEqual([at(13), at(14), at(12)]);
  });

  it('explains why a time is not offered, and checks fresh for the booking service', async () => {
    const { tenantId, serviceId, members } = await team(1);
    const member = members[0];
    const explain = (start: string) =>
      client.request(Rpcs.slotsExplain, { tenantId, serviceId, memberId: member.id, start });
    expect(await explain(at(10))).toMatchObject({ bookable: true });
    expect(await explain(at(18))).toMatchObject({ bookable: false, reason: ConflictReason.outside_hours });
    await connector.addEvent(member.bookingCalendarId, { start: at(14), end: at(15) });
    const check = await client.request(InternalRpcs.availabilityCheck, {
      tenantId,
      memberId: member.id,
      start: at(14),
      durationMinutes: 60,
      fresh: true,
      timeZone: ZONE,
    });
    expect(check).toMatchObject({
      bookable: false,
      reason: ConflictReason.slot_taken,
      bookingCalendarId: member.bookingCalendarId,
      provider: 'test',
    });
    expect(check.interval).toMatchObject({ start: at(14), end: at(15) });
    expect(connector.busyRequests.at(-1)).toEqual({ memberId: member.id, fresh: true });
  });

  it('refuses malformed requests with invalid_argument and stores nothing', async () => {
    const { tenantId, members } = await team(1);
    const memberId = members[0].id;
    const before = await client.request(Rpcs.availabilityGet, { tenantId, memberId });
    const ask = async (subject: string, body: object) =>
      JSON.parse(
        new TextDecoder().decode(
          (await raw.request(subject, new TextEncoder().encode(JSON.stringify(body)), { timeout: 5_000 })).data,
        ),
      );
    const bad = [
      [{ tenantId, memberId, weeklyHours: [{ weekday: 1, start: '17:00', end: '17:00' }] }, 'weeklyHours[0].end'],
      [{ tenantId, memberId, weeklyHours: [{ weekday: 8, start: '09:00', end: '17:00' }] }, 'weeklyHours[0].weekday'],
      [
        {
          tenantId,
          memberId,
          weeklyHours: [
            { weekday: 1, start: '09:00', end: '13:00' },
            { weekday: 1, start: '12:00', end: '17:00' },
          ],
        },
        'weeklyHours[1]',
      ],
      [{ tenantId, memberId, rules: { bufferBeforeMinutes: -5 } }, 'rules.bufferBeforeMinutes'],
      [{ tenantId, memberId, rules: { slotStepMinutes: 100000 } }, 'rules.slotStepMinutes'],
      [{ tenantId, memberId, blocked: [{ rrule: 'FREQ=SOMETIMES', from: '12:00', to: '13:00' }] }, 'blocked[0].rrule'],
      [{ tenantId, memberId, blocked: [{ start: at(13), end: at(12) }] }, 'blocked[0]'],
      [{ tenantId, memberId, weeklyHours: [{ weekday: 1, start: '9am', end: '17:00' }] }, 'weeklyHours[0].start'],
    ] as const;
    for (const [body, field] of bad) {
      const reply = await ask('calendar.v1.admin.availability.set', body);
      expect(reply.error).toMatchObject({ code: 'invalid_argument' });
      expect(reply.error.details.field).toContain(field);
    }
    expect(await client.request(Rpcs.availabilityGet, { tenantId, memberId })).toEqual(before);
    const slotsBad = await ask('calendar.v1.slots.find', { tenantId, serviceId: 'x', from: at(12), to: at(11) });
    expect(slotsBad.error).toMatchObject({ code: 'invalid_argument', details: { field: 'to' } });
    const zoneBad = await ask('calendar.v1.slots.find', {
      tenantId,
      serviceId: 'x',
      from: at(11),
      to: at(12),
      timeZone: 'Nowhere/City',
    });
    expect(zoneBad.error).toMatchObject({ code: 'invalid_argument', details: { field: 'timeZone' } });
  });
});
