import { randomUUID } from 'node:crypto';
import { create as message } from '@bufbuild/protobuf';
import {
  BookingOutcome_Outcome,
  Booking_Status,
  ConflictReason,
  CreateBookingRequestSchema,
  Events,
  healthRpc,
  InternalRpcs,
  Rpcs,
  RpcError,
  Service_Strategy,
} from '@calldesk/contracts';
import { at, customer, key, newBooking, startStack, team, testNatsUrl, waitFor, type Stack } from '@calldesk/testing';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';
import { BookingRepository } from './bookings/booking.repository';
import { BookingsHandler } from './bookings/bookings.handler';
import { CalendarLock, memberLockKey } from './locks/calendar-lock';
import { LockFences } from './locks/lock-fences';

describe('booking service (real NATS, Postgres, test connector; two instances)', () => {
  let stack: Stack;
  let db: DataSource;
  let raw: NatsConnection;

  beforeAll(async () => {
    stack = await startStack(2);
    db = stack.bookings[0].app.get(DataSource);
    raw = await connect({ servers: await testNatsUrl() });
  }, 60_000);
  afterAll(async () => {
    await raw?.close();
    await stack?.stop();
  });

  const create = (body: Record<string, unknown>) => stack.client.request(Rpcs.bookingsCreate, body as never);
  const bookingsOf = (tenantId: string) =>
    db.query(
      `SELECT id, status, member_id, calendar_id, starts_at, ends_at, lower(held) hs, upper(held) he FROM booking.bookings WHERE tenant_id = $1`,
      [tenantId],
    );

  /** Holds the next event write at the provider until `release`; `held` resolves once it waits there. */
  const holdNextEventWrite = () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const held = new Promise<void>((resolve) => {
      stack.connector.beforeCreate = async () => {
        stack.connector.beforeCreate = undefined;
        resolve();
        await released;
      };
    });
    return { held, release };
  };

  it('confirms a booking: a provider event with the details, the booking id in it, the event on the stream', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const reply = await create({
      idempotencyKey: key(),
      tenantId,
      serviceId,
      start: at(10),
      customer,
      notes: 'Back door',
      transcriptUrl: 'https://calls.example/t/1',
    });
    expect(reply.outcome).toBe(BookingOutcome_Outcome.confirmed);
    const booking = reply.booking!;
    expect(booking).toMatchObject({
      tenantId,
      serviceId,
      memberId: members[0].id,
      calendarId: members[0].bookingCalendarId,
      status: Booking_Status.confirmed,
    });
    expect(Date.parse(booking.end) - Date.parse(booking.start)).toBe(30 * 60_000);
    const [event] = stack.connector.eventsOf(members[0].bookingCalendarId);
    expect(event).toMatchObject({ bookingId: booking.id, title: 'Consultation — Ana Souza' });
    for (const part of ['+14155550123', 'Consultation', 'Back door', 'https://calls.example/t/1', booking.id])
      expect(event.description).toContain(part);
    expect(await stack.client.request(Rpcs.bookingsGet, { tenantId, bookingId: booking.id })).toMatchObject({
      booking: { id: booking.id },
    });
  });

  it("lets the member's calendar go in the confirmation's own statement, and only when the confirmation was written", async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const [member] = members;
    const { app } = stack.bookings[0];
    const bookings = app.get(BookingRepository);
    const heldUntil = async (fenceKey: string) =>
      (await db.query(`SELECT held_until::text AS h FROM booking.lock_fences WHERE lock_key = $1`, [fenceKey]))[0].h;
    await app.get(CalendarLock).run(memberLockKey(tenantId, member.id), async (fence) => {
      const row = (await bookings.insertPending(newBooking({ tenantId, serviceId }, member, 9), fence, {
        tenantId,
        key: key(),
      }))!;
      const confirm = (version: typeof row) =>
        bookings.transition(
          version,
          { status: 'confirmed', eventId: 'e9', releasesCalendar: true },
          'confirmed',
          fence,
        );
      // A confirmation that finds the row changed since (another settler got there) writes nothing, and keeps the hold.
      await confirm({ ...row, updatedAt: new Date(0) });
      expect(fence.released).toBeUndefined();
      expect(await heldUntil(fence.key)).not.toBe('-infinity');

      await confirm(row);
      expect(fence.released).toBe(true);
      expect(await heldUntil(fence.key)).toBe('-infinity');
      // Another instance may take the calendar at once: the holder writes nothing more.
      expect((await new LockFences(db).grant(fence.key, 15_000))?.token).toBe(fence.token + 1);
    });
  });

  it('never double-books: 200 concurrent creates over overlapping times, across two instances', async () => {
    const { tenantId, serviceId, members } = await team(stack, {
      size: 1,
      durationMinutes: 30,
      rules: { slotStepMinutes: 15 },
    });
    const starts = Array.from({ length: 31 }, (_, i) => at(9 + Math.floor(i / 4), (i % 4) * 15)).filter(
      (s) => s < at(16, 31),
    );
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const instance = stack.bookings[i % 2].bus;
        const start = starts[i % starts.length];
        return instance
          .request(
            Rpcs.bookingsCreate,
            { idempotencyKey: key(), tenantId, serviceId, start, customer },
            { timeoutMs: 60_000 },
          )
          .then((reply) => ({ start, reply, at: Date.now() }));
      }),
    );
    const rows = await bookingsOf(tenantId);
    const live = rows.filter((r: { status: string }) => r.status === 'confirmed');
    const won = results.filter((r) => r.reply.outcome === BookingOutcome_Outcome.confirmed);
    expect(won.length).toBe(live.length);
    expect(won.length).toBeGreaterThan(5);
    // No overlapping held spans in Postgres…
    const [{ overlaps }] = await db.query(
      `SELECT count(*)::int AS overlaps FROM booking.bookings a JOIN booking.bookings b
         ON a.id < b.id AND a.calendar_id = b.calendar_id AND a.held && b.held
       WHERE a.tenant_id = $1 AND a.status IN ('pending', 'confirmed') AND b.status IN ('pending', 'confirmed')`,
      [tenantId],
    );
    expect(overlaps).toBe(0);
    // …none in the calendar, and events and bookings match one to one.
    const events = stack.connector
      .eventsOf(members[0].bookingCalendarId)
      .sort((a, b) => a.start.localeCompare(b.start));
    for (let i = 1; i < events.length; i++)
      expect(Date.parse(events[i].start)).toBeGreaterThanOrEqual(Date.parse(events[i - 1].end));
    expect(events.map((e) => e.bookingId).sort()).toEqual(live.map((r: { id: string }) => r.id).sort());
    // Every loser heard why, with alternatives free of every booking confirmed before its answer.
    for (const loser of results.filter((r) => r.reply.outcome === BookingOutcome_Outcome.conflict)) {
      expect(loser.reply.alternatives.length).toBeGreaterThan(0);
      for (const alternative of loser.reply.alternatives) {
        const a = { start: Date.parse(alternative.start), end: Date.parse(alternative.end) };
        const clash = won.find(
          (w) =>
            w.at < loser.at - 50 &&
            Date.parse(w.reply.booking!.start) < a.end &&
            a.start < Date.parse(w.reply.booking!.end),
        );
        expect(clash).toBeUndefined();
      }
    }
  }, 120_000);

  it('answers one idempotencyKey sent 50 times at once with one booking and 50 equal replies', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const body = { idempotencyKey: key(), tenantId, serviceId, start: at(11), customer };
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => stack.bookings[i % 2].bus.request(Rpcs.bookingsCreate, body)),
    );
    expect(new Set(replies.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(replies[0].outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect(await bookingsOf(tenantId)).toHaveLength(1);
    expect(stack.connector.eventsOf(members[0].bookingCalendarId)).toHaveLength(1);
    await expect(create({ ...body, start: at(12) })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'idempotencyKey' },
    });
    expect(JSON.stringify(await create(body))).toBe(JSON.stringify(replies[0]));
  });

  it('answers conflict with alternatives when an event lands between slots.find and bookings.create', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const offered = await stack.client.request(Rpcs.slotsFind, { tenantId, serviceId, from: at(13), to: at(14) });
    expect(offered.slots[0].start).toBe(at(13));
    await stack.connector.addEvent(members[0].bookingCalendarId, { start: at(13), end: at(13, 45) });
    const reply = await create({ idempotencyKey: key(), tenantId, serviceId, start: at(13), customer });
    expect(reply.outcome).toBe(BookingOutcome_Outcome.conflict);
    // The nearest free starts on the 30-minute grid: 12:30, then 12:00 and 14:00 (13:30 is taken).
    expect(reply.alternatives.map((a) => Date.parse(a.start))).toEqual([at(12, 30), at(12), at(14)].map(Date.parse));
    expect(await bookingsOf(tenantId)).toHaveLength(0);
  });

  it('reads the calendar again after waiting for another instance: an owner edit made meanwhile is seen', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const [member] = members;
    const request = (start: string) =>
      message(CreateBookingRequestSchema, { idempotencyKey: key(), tenantId, serviceId, start, customer });
    // Each instance's handler directly: the first holds the calendar while its event write waits.
    const handler = (i: number) => stack.bookings[i].app.get(BookingsHandler);
    const write = holdNextEventWrite();
    const first = handler(0).create(request(at(9)));
    await write.held;
    const reads = stack.connector.busyRequests.length;
    const second = handler(1).create(request(at(11)));
    // The second instance reads the provider while it waits for the calendar...
    await waitFor(() => stack.connector.busyRequests.length > reads, { timeoutMs: 5_000 });
    // ...and the owner takes its time before it gets it.
    await stack.connector.addEvent(member.bookingCalendarId, { start: at(11), end: at(11, 30) });
    write.release();
    expect((await first).outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect(await second).toMatchObject({ outcome: BookingOutcome_Outcome.conflict, reason: ConflictReason.slot_taken });
    expect(stack.connector.eventsOf(member.bookingCalendarId).filter((e) => e.bookingId)).toHaveLength(1);
  });

  it('reads the provider once for a crowd after one slot in one instance: the first in line books on that read', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const handler = stack.bookings[0].app.get(BookingsHandler);
    const freshReads = () => stack.connector.busyRequests.filter((r) => r.memberId === members[0].id && r.fresh).length;
    // The provider answers no busy read until the whole crowd is in.
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    stack.connector.providerCalls = {
      call: async (_memberId, operation, work) => {
        if (operation === 'busy') await opened;
        return work();
      },
      announce: (publish) => publish(),
    };
    try {
      const replies = Promise.all(
        Array.from({ length: 30 }, () =>
          handler.create(
            message(CreateBookingRequestSchema, {
              idempotencyKey: key(),
              tenantId,
              serviceId,
              start: at(10),
              customer,
            }),
          ),
        ),
      );
      await waitFor(
        async () =>
          (await db.query(`SELECT count(*)::int AS n FROM booking.idempotency WHERE tenant_id = $1`, [tenantId]))[0]
            .n === 30,
        { timeoutMs: 5_000 },
      );
      // Claimed: each is a moment from asking for the calendar.
      await new Promise((resolve) => setTimeout(resolve, 200));
      open();
      expect((await replies).filter((r) => r.outcome === BookingOutcome_Outcome.confirmed)).toHaveLength(1);
    } finally {
      stack.connector.providerCalls = undefined;
    }
    expect(freshReads()).toBe(1);
  });

  it('books a named member on one provider read each time, and at the new length once the service changes', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const member = members[0];
    const freshReads = () => stack.connector.busyRequests.filter((r) => r.memberId === member.id && r.fresh).length;
    // One instance: what it remembers of routing's answers is its own.
    const ask = (start: string) =>
      stack.bookings[0].bus.request(Rpcs.bookingsCreate, {
        idempotencyKey: key(),
        tenantId,
        serviceId,
        memberId: member.id,
        start,
        customer,
      });
    const book = async (start: string) => {
      const reply = await ask(start);
      expect(reply.outcome).toBe(BookingOutcome_Outcome.confirmed);
      return reply.booking!;
    };
    // The second is read while routing is asked, on its first answer.
    await book(at(9));
    await book(at(10));
    expect(freshReads()).toBe(2);

    // Routing now answers an hour: a check of the half hour routing answered before would find
    // 11:00 free, but the hour runs into the owner's event at 11:30.
    await stack.client.request(Rpcs.servicesUpdate, { tenantId, id: serviceId, durationMinutes: 60 });
    stack.connector.seed(member.bookingCalendarId, [{ start: at(11, 30), end: at(11, 45) }]);
    expect(await ask(at(11))).toMatchObject({
      outcome: BookingOutcome_Outcome.conflict,
      reason: ConflictReason.slot_taken,
    });
    const longer = await book(at(13));
    expect(Date.parse(longer.end) - Date.parse(longer.start)).toBe(60 * 60_000);
  });

  it('asks availability again when its check got no answer (the instance it went to froze): the booking is confirmed', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    // A second member of availability's queue group that takes one check and never answers it.
    const frozen = raw.subscribe(InternalRpcs.availabilityCheck.subject, { queue: 'availability', max: 1 });
    const replies = [];
    // The queue group hands each check to either member: book until the frozen one has had one.
    for (let i = 0; i < 12 && frozen.getReceived() === 0; i++) {
      replies.push(
        await create({
          idempotencyKey: key(),
          tenantId,
          serviceId,
          start: at(9 + Math.floor(i / 2), (i % 2) * 30),
          customer,
        }),
      );
    }
    expect(frozen.getReceived()).toBe(1);
    expect(replies.map((reply) => reply.outcome)).toEqual(replies.map(() => BookingOutcome_Outcome.confirmed));
  }, 30_000);

  it('reschedules by moving the provider event, and cancels idempotently', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const { booking } = await create({ idempotencyKey: key(), tenantId, serviceId, start: at(9), customer });
    const moved = await stack.client.request(Rpcs.bookingsReschedule, {
      idempotencyKey: key(),
      tenantId,
      bookingId: booking!.id,
      start: at(9, 30),
    });
    expect(moved.outcome).toBe(BookingOutcome_Outcome.confirmed);
    expect(moved.booking!.start).toBe(new Date(at(9, 30)).toISOString());
    const events = stack.connector.eventsOf(members[0].bookingCalendarId);
    expect(events).toHaveLength(1);
    expect(events[0].start).toBe(new Date(at(9, 30)).toISOString());
    const first = await stack.client.request(Rpcs.bookingsCancel, { tenantId, bookingId: booking!.id });
    const second = await stack.client.request(Rpcs.bookingsCancel, { tenantId, bookingId: booking!.id });
    expect(first.booking!.status).toBe(Booking_Status.cancelled);
    expect(second).toEqual(first);
    expect(stack.connector.eventsOf(members[0].bookingCalendarId)).toHaveLength(0);
    // The freed time can be booked again.
    expect((await create({ idempotencyKey: key(), tenantId, serviceId, start: at(9, 30), customer })).outcome).toBe(
      BookingOutcome_Outcome.confirmed,
    );
  });

  it('round robin: a busy member is skipped for the next, and a specific service books only its members', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 2 });
    await stack.connector.addEvent(members[0].bookingCalendarId, { start: at(15), end: at(16) });
    await stack.connector.addEvent(members[1].bookingCalendarId, { start: at(14), end: at(15) });
    const at15 = await create({ idempotencyKey: key(), tenantId, serviceId, start: at(15), customer });
    const at14 = await create({ idempotencyKey: key(), tenantId, serviceId, start: at(14), customer });
    expect(at15.booking!.memberId).toBe(members[1].id);
    expect(at14.booking!.memberId).toBe(members[0].id);

    const other = await team(stack, { size: 1 });
    const { service } = await stack.client.request(Rpcs.servicesCreate, {
      tenantId,
      name: 'AC repair',
      durationMinutes: 30,
      memberIds: [members[0].id],
      strategy: Service_Strategy.specific,
    });
    for (let i = 0; i < 4; i++) {
      const reply = await create({
        idempotencyKey: key(),
        tenantId,
        serviceId: service!.id,
        start: at(10, 30 * i),
        customer,
      });
      expect(reply.booking!.memberId).toBe(members[0].id);
    }
    await expect(
      create({
        idempotencyKey: key(),
        tenantId,
        serviceId: service!.id,
        memberId: other.members[0].id,
        start: at(12),
        customer,
      }),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
    });
  });

  it('refuses every invalid field of a create by name, storing nothing and sending nothing to the provider', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    const valid = { idempotencyKey: key(), tenantId, serviceId, start: at(16), customer };
    const writesBefore = stack.connector.writes.length;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, idempotencyKey: '' }, 'idempotencyKey'],
      [{ ...valid, idempotencyKey: 'x'.repeat(201) }, 'idempotencyKey'],
      [{ ...valid, tenantId: undefined }, 'tenantId'],
      [{ ...valid, tenantId: 42 }, 'tenantId'],
      [{ ...valid, serviceId: '' }, 'serviceId'],
      [{ ...valid, serviceId: randomUUID() }, ''],
      [{ ...valid, memberId: 7 }, 'memberId'],
      [{ ...valid, start: 'tomorrow at ten' }, 'start'],
      [{ ...valid, start: '2026-12-01T10:00:00' }, 'start'],
      [{ ...valid, customer: undefined }, 'customer'],
      [{ ...valid, customer: { name: 'Ana' } }, 'customer.phone'],
      [{ ...valid, customer: { name: 'Ana', phone: '555-0123' } }, 'customer.phone'],
      [{ ...valid, customer: { name: '', phone: '+14155550123' } }, 'customer.name'],
      [{ ...valid, customer: { name: '   ', phone: '+14155550123' } }, 'customer.name'],
      [{ ...valid, notes: 12 }, 'notes'],
      [{ ...valid, notes: 'n'.repeat(4_001) }, 'notes'],
      [{ ...valid, transcriptUrl: 'not a url' }, 'transcriptUrl'],
      [{ ...valid, extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const answer = JSON.parse(
        new TextDecoder().decode(
          (
            await raw.request('calendar.v1.bookings.create', new TextEncoder().encode(JSON.stringify(body)), {
              timeout: 10_000,
            })
          ).data,
        ),
      );
      expect(answer.error?.code).toBe(field === '' ? 'not_found' : 'invalid_argument');
      if (field) expect(answer.error.details.field).toBe(field);
    }
    expect(await bookingsOf(tenantId)).toHaveLength(0);
    expect(stack.connector.writes.length).toBe(writesBefore);
  });

  it('lists a tenant’s bookings by page', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    for (const hour of [9, 10, 11])
      await create({ idempotencyKey: key(), tenantId, serviceId, start: at(hour), customer });
    const first = await stack.client.request(Rpcs.bookingsList, { tenantId, from: at(0), to: at(23), pageSize: 2 });
    expect(first.bookings).toHaveLength(2);
    const second = await stack.client.request(Rpcs.bookingsList, {
      tenantId,
      from: at(0),
      to: at(23),
      pageSize: 2,
      pageToken: first.nextPageToken,
    });
    expect(second.bookings).toHaveLength(1);
    expect(second.nextPageToken).toBeUndefined();
    await expect(
      stack.client.request(Rpcs.bookingsGet, { tenantId: 'other', bookingId: first.bookings[0].id }),
    ).rejects.toBeInstanceOf(RpcError);
  });

  it('follows the owner: an event deleted in the calendar cancels, a move moves or flags', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const member = members[0];
    const book = async (hour: number) =>
      (await create({ idempotencyKey: key(), tenantId, serviceId, start: at(hour), customer })).booking!;
    const changed = (bookingId: string, change: string, times?: { start: string; end: string }) =>
      stack.client.events.publish(
        Events.bookingEventChanged,
        { tenantId, memberId: member.id, calendarId: member.bookingCalendarId, bookingId, change, ...times },
        randomUUID(),
      );
    const status = async (bookingId: string) =>
      (await stack.client.request(Rpcs.bookingsGet, { tenantId, bookingId })).booking!;

    const eventOf = (bookingId: string) =>
      stack.connector.eventsOf(member.bookingCalendarId).find((e) => e.bookingId === bookingId)!;
    const deleted = await book(9);
    // A stale report (the event is still there) changes nothing.
    await changed(deleted.id, 'deleted');
    await stack.connector.removeEvent(eventOf(deleted.id).eventId);
    await changed(deleted.id, 'deleted');
    await waitFor(async () => (await status(deleted.id)).status === Booking_Status.cancelled);
    expect((await status(deleted.id)).cancelReason).toBe('deleted_in_calendar');

    const moved = await book(10);
    await stack.connector.moveEvent(eventOf(moved.id).eventId, at(11), at(11, 30));
    await changed(moved.id, 'moved', { start: at(11), end: at(11, 30) });
    await waitFor(async () => Date.parse((await status(moved.id)).start) === Date.parse(at(11)));

    const other = await book(12);
    await stack.connector.moveEvent(eventOf(moved.id).eventId, at(12), at(12, 30));
    await changed(moved.id, 'moved', { start: at(12), end: at(12, 30) });
    await waitFor(async () => (await status(moved.id)).attention === 'moved_in_calendar_over_another_booking');
    expect(Date.parse((await status(moved.id)).start)).toBe(Date.parse(at(11)));
    expect((await status(other.id)).status).toBe(Booking_Status.confirmed);
  });

  it('publishes confirmed bookings to the stream through the outbox, and reports a stuck outbox', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    await create({ idempotencyKey: key(), tenantId, serviceId, start: at(12), customer });
    await waitFor(async () => {
      const [{ unpublished }] = await db.query(
        `SELECT count(*)::int AS unpublished FROM booking.outbox WHERE published_at IS NULL`,
      );
      return unpublished === 0;
    });
    const health = () => stack.client.request(healthRpc('booking'), {});
    expect((await health()).dependencies).toContainEqual(expect.objectContaining({ name: 'outbox', ok: true }));
    // A row the relay could not publish for over a minute (held here under a row lock).
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query(
        `INSERT INTO booking.outbox (subject, msg_id, body, created_at) VALUES ('calendar.v1.events.booking.confirmed', $1, '{}', now() - interval '2 minutes')`,
        [randomUUID()],
      );
      await runner.commitTransaction();
      await runner.startTransaction();
      await runner.query(`SELECT 1 FROM booking.outbox WHERE published_at IS NULL FOR UPDATE`);
      const stuck = await health();
      expect(stuck.ok).toBe(false);
      expect(stuck.dependencies.find((d) => d.name === 'outbox')).toMatchObject({ ok: false });
    } finally {
      await runner.query(`UPDATE booking.outbox SET published_at = now() WHERE body = '{}'::jsonb`);
      await runner.commitTransaction();
      await runner.release();
    }
  });
});
