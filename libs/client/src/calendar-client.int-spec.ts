import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { at, customer, startStack, team, testNatsUrl, type Stack } from '@calldesk/testing';
import {
  BookingOutcome_Outcome,
  Booking_Status,
  CalendarError,
  calendarClient,
  Hold_Status,
  HoldOutcome_Outcome,
  type CalendarApiClient,
} from '.';

/** The orchestrator's typed client against the real services: the whole call, start to end. */
describe('calendar client (real NATS, Postgres, routing, availability, booking, test connector)', () => {
  let stack: Stack;
  let connection: NatsConnection;
  let client: CalendarApiClient;

  beforeAll(async () => {
    stack = await startStack(1);
    connection = await connect({ servers: await testNatsUrl() });
    client = calendarClient(connection, { timeoutMs: 15_000 });
  }, 60_000);
  afterAll(async () => {
    await connection?.drain();
    await stack?.stop();
  });

  it('drives find → hold → book → reschedule → cancel', async () => {
    const { tenantId, serviceId, members } = await team(stack, { size: 1 });
    const { slots } = await client.findSlots({ tenantId, serviceId, from: at(0), to: at(23), limit: 5 });
    expect(slots.length).toBe(5);

    const held = await client.createHold({
      idempotencyKey: randomUUID(),
      tenantId,
      serviceId,
      start: slots[1].start,
      ttlSeconds: 120,
    });
    expect(held).toMatchObject({
      outcome: HoldOutcome_Outcome.held,
      hold: { status: Hold_Status.held, memberId: members[0].id },
    });
    expect(
      (await client.findSlots({ tenantId, serviceId, from: at(0), to: at(23), limit: 5 })).slots.map((s) => s.start),
    ).not.toContain(slots[1].start);

    const key = randomUUID();
    const booked = await client.createBooking({
      idempotencyKey: key,
      tenantId,
      serviceId,
      start: slots[1].start,
      holdId: held.hold!.id,
      customer,
    });
    expect(booked).toMatchObject({
      outcome: BookingOutcome_Outcome.confirmed,
      booking: { id: held.hold!.id, status: Booking_Status.confirmed },
    });
    // Sent again with its key, it is answered the same, and nothing more is booked.
    expect(
      await client.createBooking({
        idempotencyKey: key,
        tenantId,
        serviceId,
        start: slots[1].start,
        holdId: held.hold!.id,
        customer,
      }),
    ).toEqual(booked);

    const moved = await client.rescheduleBooking({
      idempotencyKey: randomUUID(),
      tenantId,
      bookingId: booked.booking!.id,
      start: slots[3].start,
    });
    expect(moved).toMatchObject({
      outcome: BookingOutcome_Outcome.confirmed,
      booking: { start: new Date(slots[3].start).toISOString() },
    });
    const { booking } = await client.cancelBooking({
      tenantId,
      bookingId: booked.booking!.id,
      reason: 'caller changed their mind',
    });
    expect(booking!.status).toBe(Booking_Status.cancelled);
    expect(stack.connector.eventsOf(members[0].bookingCalendarId)).toHaveLength(0);
  });

  it('throws the contract error by code, and never sends a request without an idempotency key twice', async () => {
    const { tenantId } = await team(stack, { size: 1 });
    const refused = await client.getBooking({ tenantId, bookingId: randomUUID() }).catch((error) => error);
    expect(refused).toBeInstanceOf(CalendarError);
    expect(refused).toMatchObject({ code: 'not_found' });

    let asked = 0;
    const silent = connection.subscribe('calendar.v1.bookings.cancel', {
      queue: `nobody-${randomUUID()}`,
      callback: () => asked++,
    });
    await stack.bookings[0].close();
    const timedOut = await client
      .cancelBooking({ tenantId, bookingId: randomUUID() }, { timeoutMs: 300 })
      .catch((error) => error);
    expect(timedOut).toMatchObject({ code: 'deadline_exceeded' });
    expect(asked).toBe(1);
    silent.unsubscribe();
  });
});
