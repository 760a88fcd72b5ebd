import { randomUUID } from 'node:crypto';
import { Bus } from '@calldesk/messaging';
import { execute, openDataSource } from '@calldesk/persistence';
import { createTestDatabase, testNatsUrl, waitFor, type TestDatabase } from '@calldesk/testing';
import { connect, type NatsConnection } from 'nats';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ConnectorEvents } from '../connector-events';
import { BookingEventStore, type BookingEvent } from './booking-event.store';
import type { CalendarProvider, CalendarTarget, ChangedEvent, ProviderEvent } from './calendar-provider';
import type { OAuthCalendar } from './calendar.store';
import { createBookingEventsTable, createCalendarsTable, createConnectionsTable } from './connector-tables';
import { OurEventChanges } from './our-event-changes';

class Tables1000000000000 implements MigrationInterface {
  async up(db: QueryRunner): Promise<void> {
    await createConnectionsTable(db);
    await createCalendarsTable(db);
    await createBookingEventsTable(db);
  }
  down = async () => undefined;
}

const hour = (h: number) => new Date(Date.UTC(2030, 0, 7, h));

describe('OurEventChanges (real Postgres and NATS)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let bus: Bus;
  let raw: NatsConnection;
  let bookingEvents: BookingEventStore;
  /** What the provider answers for an event now (its times when a listing differs from our record). */
  const now = new Map<string, ProviderEvent>();
  const told: { bookingId: string; change: string; start?: string }[] = [];
  let changes: OurEventChanges;
  let target: CalendarTarget;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({
      url: database.url,
      schema: 'connector_test',
      migrations: [Tables1000000000000],
      applicationName: 'our-event-changes-test',
    });
    bus = await Bus.connect({ url: await testNatsUrl(), service: 'test-client', requestTimeoutMs: 5_000 });
    await bus.events.ensureStreams();
    raw = await connect({ servers: await testNatsUrl() });
    raw.subscribe('calendar.v1.events.calendar.booking_event_changed', {
      callback: (_error, msg) => told.push(JSON.parse(new TextDecoder().decode(msg.data))),
    });
    bookingEvents = new BookingEventStore(db);
    const provider = {
      getEvent: async (_target: CalendarTarget, event: { eventId: string }) => now.get(event.eventId)!,
    };
    changes = new OurEventChanges(
      provider as unknown as CalendarProvider,
      bookingEvents,
      new ConnectorEvents(bus, 'test'),
    );
    const calendar = {
      id: `test:${randomUUID()}`,
      connectionId: `test:${randomUUID()}`,
      tenantId: randomUUID(),
      memberId: randomUUID(),
    } as OAuthCalendar;
    await execute(db, `INSERT INTO connections (id, tenant_id, member_id, status) VALUES ($1, $2, $3, 'connected')`, [
      calendar.connectionId,
      calendar.tenantId,
      calendar.memberId,
    ]);
    await execute(
      db,
      `INSERT INTO calendars (id, connection_id, tenant_id, member_id, provider_calendar_id, name, time_zone, writable, role) VALUES ($1, $2, $3, $4, 'primary', 'Main', 'UTC', true, 'booking')`,
      [calendar.id, calendar.connectionId, calendar.tenantId, calendar.memberId],
    );
    target = {
      calendar,
      connection: {
        id: calendar.connectionId,
        tenantId: calendar.tenantId,
        memberId: calendar.memberId,
        status: 'connected',
        scopes: [],
        updatedAt: new Date(),
      },
    };
  });
  afterAll(async () => {
    await raw?.drain();
    await bus?.drain();
    await db?.destroy();
    await database?.drop();
  });

  async function ours(state: BookingEvent['state'], start: number, end: number): Promise<BookingEvent> {
    const row = {
      bookingId: randomUUID(),
      calendarId: target.calendar.id,
      eventId: `e-${randomUUID()}`,
      start: hour(start),
      end: hour(end),
      etag: null,
      state,
    };
    await bookingEvents.save(row);
    return row;
  }
  const listed = (row: BookingEvent, start: number, end: number, cancelled = false): ChangedEvent => ({
    eventId: row.eventId,
    cancelled,
    start: hour(start).getTime(),
    end: hour(end).getTime(),
  });

  it('takes a listing read while our move is in flight for nothing, and the event as live once the provider shows it where we put it', async () => {
    // Our record says 14–15 while the provider still has the event at 10–11: the move has not landed.
    const moving = await ours('pending', 14, 15);
    now.set(moving.eventId, {
      eventId: moving.eventId,
      start: hour(10).toISOString(),
      end: hour(11).toISOString(),
      cancelled: false,
    });
    await changes.apply(target, { events: [listed(moving, 10, 11)], cursor: null });
    expect((await bookingEvents.get(moving.bookingId))!.state).toBe('pending');

    await changes.apply(target, { events: [listed(moving, 14, 15)], cursor: null });
    expect((await bookingEvents.get(moving.bookingId))!.state).toBe('live');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(told.filter((t) => t.bookingId === moving.bookingId)).toEqual([]);
  });

  it('tells the booking service once of an event the owner moved or deleted, and of one missing from a complete listing', async () => {
    const moved = await ours('live', 9, 10);
    const deleted = await ours('live', 11, 12);
    const missing = await ours('live', 13, 14);
    now.set(moved.eventId, {
      eventId: moved.eventId,
      start: hour(15).toISOString(),
      end: hour(16).toISOString(),
      cancelled: false,
    });
    await changes.apply(target, {
      events: [listed(moved, 15, 16), { eventId: deleted.eventId, cancelled: true }],
      complete: { start: hour(0).getTime(), end: hour(24).getTime() },
      cursor: null,
    });
    await waitFor(
      () => told.filter((t) => [moved, deleted, missing].some((row) => row.bookingId === t.bookingId)).length === 3,
    );
    expect(told.find((t) => t.bookingId === moved.bookingId)).toMatchObject({
      change: 'moved',
      start: hour(15).toISOString(),
    });
    expect(told.find((t) => t.bookingId === deleted.bookingId)).toMatchObject({ change: 'deleted' });
    expect(told.find((t) => t.bookingId === missing.bookingId)).toMatchObject({ change: 'deleted' });
    expect((await bookingEvents.get(moved.bookingId))!).toMatchObject({ state: 'moved', start: hour(15) });
    expect((await bookingEvents.get(deleted.bookingId))!.state).toBe('deleted');
  });
});
