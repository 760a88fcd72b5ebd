import { randomUUID } from 'node:crypto';
import { BookingOutcome_Outcome, Events, Rpcs, STREAM } from '@calldesk/contracts';
import { Bus, type StreamMark } from '@calldesk/messaging';
import {
  at,
  customer,
  key,
  startInProcessService,
  startStack,
  team,
  testNatsUrl,
  waitFor,
  type Stack,
} from '@calldesk/testing';
import { nanos } from 'nats';

describe('projections rebuilt from their owners when their events aged out of the stream (real NATS, Postgres, test connector)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(1);
  }, 60_000);
  afterAll(() => stack?.stop());

  const one = async (sql: string, params: unknown[]) => (await stack.database.query(sql, params))[0];
  const span = (bookingId: string) =>
    one(`SELECT live FROM availability.booked_spans WHERE booking_id = $1`, [bookingId]);
  const ledger = (bookingId: string) =>
    one(`SELECT status FROM routing.booking_ledger WHERE booking_id = $1`, [bookingId]);
  const connection = (memberId: string) =>
    one(`SELECT status FROM availability.member_connections WHERE member_id = $1`, [memberId]);
  /**
   * Every event on the stream ages out, as after the stream's max age (a purge would not do: it
   * moves every consumer past what it removed); then the stream keeps events as configured again.
   */
  const ageOutEveryEvent = async () => {
    const manager = await stack.client.connection.jetstreamManager();
    await manager.streams.update(STREAM.name, { max_age: nanos(1_000), duplicate_window: nanos(1_000) });
    await waitFor(async () => (await manager.streams.info(STREAM.name)).state.messages === 0, { timeoutMs: 5_000 });
    await stack.bookings[0].bus.events.ensureStreams();
  };

  it('takes what availability and routing missed from booking and the connectors, then goes on with the stream', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 2 });
    const [first, second] = members;
    const book = async (start: string) => {
      const reply = await stack.client.request(Rpcs.bookingsCreate, {
        idempotencyKey: key(),
        tenantId,
        serviceId,
        memberId: first.id,
        start,
        customer,
      });
      expect(reply.outcome).toBe(BookingOutcome_Outcome.confirmed);
      return reply.booking!;
    };
    const booked = await book(at(10));
    await waitFor(
      async () => (await span(booked.id))?.live === true && (await ledger(booked.id))?.status === 'confirmed',
    );
    expect(await connection(second.id)).toEqual({ status: 'connected' });

    // Both projections are down while the booking is cancelled and a connection breaks…
    await stack.availability.close();
    await stack.routing.close();
    await stack.client.request(Rpcs.bookingsCancel, { tenantId, bookingId: booked.id });
    await stack.connector.setBehaviour(tenantId, second.id, 'needs_reauth');
    // …and those events age out of the stream before they are back.
    await ageOutEveryEvent();

    stack.routing = await startInProcessService({
      service: 'routing',
      databaseUrl: stack.database.url,
    });
    stack.availability = await startInProcessService({
      service: 'availability',
      databaseUrl: stack.database.url,
      env: { CONNECTOR_PROVIDERS: stack.connector.provider },
    });
    await waitFor(async () => (await span(booked.id))?.live === false);
    await waitFor(async () => (await ledger(booked.id))?.status === 'cancelled');
    await waitFor(async () => (await connection(second.id))?.status === 'needs_reauth');
    const slots = await stack.client.request(Rpcs.slotsFind, {
      tenantId,
      serviceId,
      memberId: first.id,
      from: at(10),
      to: at(10, 30),
    });
    expect(slots.slots.map((slot) => Date.parse(slot.start))).toEqual([Date.parse(at(10))]);

    // The consumers go on from the stream after the rebuild.
    const next = await book(at(11));
    await waitFor(async () => (await span(next.id))?.live === true && (await ledger(next.id))?.status === 'confirmed');

    // A projection whose consumer is new, on a stream that no longer starts at its first event, is
    // rebuilt first and then reads only what came after.
    const source = { subject: `calendar.v1.events.test.${randomUUID()}`, body: Events.calendarChanged.body };
    const body = (calendarId: string) => ({
      tenantId: 't1',
      memberId: 'm1',
      calendarId,
      provider: 'test',
      changedAt: new Date().toISOString(),
    });
    const marks: StreamMark[] = [];
    const seen: string[] = [];
    const durable = `test-${randomUUID()}`;
    const manager = await stack.client.connection.jetstreamManager();
    const before = (await manager.streams.info(STREAM.name)).state.last_seq;
    const projection = await Bus.connect({
      url: await testNatsUrl(),
      service: 'test-projection',
      requestTimeoutMs: 5_000,
    });
    try {
      await projection.events.consume(
        source,
        { durable, rebuild: async (mark) => void marks.push(mark) },
        async (event) => void seen.push(event.calendarId),
      );
      await waitFor(() => marks.length === 1);
      expect(marks[0].lastSequence).toBeGreaterThanOrEqual(before);
      expect(marks[0].storedAtMicros).toBeGreaterThan((Date.now() - 60_000) * 1_000);
      await stack.client.events.publish(source, body('after'), randomUUID());
      await waitFor(() => seen.length === 1);
      expect(seen).toEqual(['after']);
      expect((await manager.consumers.info(STREAM.name, durable)).config.opt_start_seq).toBe(marks[0].lastSequence + 1);
    } finally {
      await projection.drain();
      await manager.consumers.delete(STREAM.name, durable).catch(() => undefined);
    }
  }, 60_000);
});
