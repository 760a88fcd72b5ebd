import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  type BookingEvent,
  BookingEventStore,
  calendarReadError,
  ConnectorEvents,
  memberOf,
  OAuthCalendarAccess,
  toRpcError,
} from '@calldesk/connector-kit';
import {
  connectorRpcs,
  RpcError,
  type BusyRequest,
  type BusyResponseSchema,
  type EventRef,
  type EventReplySchema,
  type EventWrite,
  type MemberCalendarsRequest,
  type MemberCalendarsResponseSchema,
} from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { busyEvents, type BusyEvent } from '../graph/calendar-view';
import { createEvent, deleteEvent, findEvent, getEvent, patchEvent, type WrittenEvent } from '../graph/event-writes';
import { GraphClient } from '../graph/graph-client';
import { GraphFailure, isGraphStatus } from '../graph/graph-errors';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ConnectionStore, type Connection } from '../store/connection.store';

const rpcs = connectorRpcs('microsoft');
type EventReply = MessageInitShape<typeof EventReplySchema>;

/**
 * The connector contract (calendar.internal.connector.microsoft.*): busy times from calendarView
 * (times and showAs only), the member's calendars, and the events of bookings, made once per
 * booking with transactionId and found again by our extended property.
 */
@Injectable()
export class ConnectorHandler {
  private readonly access: OAuthCalendarAccess<Calendar>;

  constructor(
    private readonly client: GraphClient,
    private readonly calendars: CalendarStore,
    connections: ConnectionStore,
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
  ) {
    this.access = new OAuthCalendarAccess('microsoft', calendars, connections);
  }

  /** Busy times per booking and blocking calendar; a calendar that cannot be read says so, alone. */
  @HandleRpc(rpcs.busy)
  async busy(request: BusyRequest): Promise<MessageInitShape<typeof BusyResponseSchema>> {
    const asOf = new Date().toISOString();
    const calendars = (await this.calendars.ofMember(request.tenantId, request.memberId)).filter((c) => c.role !== 'ignored');
    if (!calendars.length) return { calendars: [], asOf };
    const connection = await this.access.liveConnection(calendars[0].connectionId);
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (!(from < to)) throw RpcError.invalidArgument('to', 'to must be after from');
    const ours = new Map((await this.bookingEvents.liveIn(calendars.map((c) => c.id), new Date(from), new Date(to))).map((e) => [e.eventId, e]));
    return {
      asOf,
      calendars: await Promise.all(
        calendars.map(async (calendar) => {
          const base = { calendarId: calendar.id, role: calendar.role };
          try {
            const busy = await this.client.call('calendarView', { connection, calendarId: calendar.id }, (api, signal) =>
              busyEvents(api, signal, calendar.providerCalendarId, from, to),
            );
            return { ...base, busy: busy.map((event) => interval(event, ours.get(event.eventId))) };
          } catch (error) {
            return { ...base, busy: [], error: calendarReadError(error, 'microsoft') };
          }
        }),
      ),
    };
  }

  @HandleRpc(rpcs.calendars)
  memberCalendars(request: MemberCalendarsRequest): Promise<MessageInitShape<typeof MemberCalendarsResponseSchema>> {
    return this.access.memberCalendars(request.tenantId, request.memberId);
  }

  /**
   * Creates the booking's event once: transactionId is the booking id, so Graph answers a retried
   * POST with the first event; if it refuses the transaction id instead, the event is found by our
   * extended property. Never two events for one booking.
   */
  @HandleRpc(rpcs.createEvent)
  async createEvent(write: EventWrite): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(write.tenantId, write.calendarId);
    const target = { connection, calendarId: calendar.id, bookingId: write.bookingId };
    const known = await this.bookingEvents.get(write.bookingId);
    const pendingId = known?.eventId ?? `pending:${write.bookingId}`;
    if (!known) await this.bookingEvents.save({ bookingId: write.bookingId, calendarId: calendar.id, eventId: pendingId, start: new Date(write.start), end: new Date(write.end), state: 'pending' });
    let event: WrittenEvent;
    try {
      event = await this.client.call('events.create', target, (api, signal) => createEvent(api, signal, calendar.providerCalendarId, write));
    } catch (error) {
      const duplicate = error instanceof GraphFailure && (error.code === 'ErrorDuplicateTransactionId' || error.status === 409);
      if (!duplicate) throw toRpcError(error, 'microsoft');
      const found = await this.access.call(() => this.client.call('events.find', target, (api, signal) => findEvent(api, signal, calendar.providerCalendarId, write.bookingId)));
      if (!found) throw new RpcError('internal', 'Graph refused the transaction id but has no event for the booking', { bookingId: write.bookingId });
      event = found;
    }
    await this.bookingEvents.save({ bookingId: write.bookingId, calendarId: calendar.id, eventId: event.eventId, start: new Date(event.start), end: new Date(event.end), etag: event.etag, state: 'live' });
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${write.bookingId}:${event.etag ?? ''}`);
    return reply(calendar, write.bookingId, event);
  }

  /** Moves the booking's event; a 412 (someone touched it) is retried once with the current etag. */
  @HandleRpc(rpcs.updateEvent)
  async updateEvent(write: EventWrite): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(write.tenantId, write.calendarId);
    const target = { connection, calendarId: calendar.id, bookingId: write.bookingId };
    const before = await this.located(calendar, connection, write.bookingId);
    if (!before) throw new RpcError('not_found', `no event for booking ${write.bookingId}`, { bookingId: write.bookingId });
    // Recorded first, so the notification this change causes is not taken for the owner's move.
    await this.bookingEvents.save({ ...before, start: new Date(write.start), end: new Date(write.end), state: 'live' });
    const patch = (etag?: string) => this.client.call('events.patch', target, (api, signal) => patchEvent(api, signal, before.eventId, write, etag));
    let event: WrittenEvent;
    try {
      try {
        event = await patch(before.etag ?? undefined);
      } catch (error) {
        if (!isGraphStatus(error, 412)) throw error;
        const current = await this.client.call('events.get', target, (api, signal) => getEvent(api, signal, before.eventId));
        event = await patch(current.etag);
      }
    } catch (error) {
      await this.bookingEvents.save(before);
      if (isGraphStatus(error, 404)) throw new RpcError('not_found', `no event for booking ${write.bookingId}`, { bookingId: write.bookingId });
      throw toRpcError(error, 'microsoft');
    }
    await this.bookingEvents.save({ ...before, start: new Date(event.start), end: new Date(event.end), etag: event.etag, state: 'live' });
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${write.bookingId}:${event.etag ?? ''}`);
    return reply(calendar, write.bookingId, event);
  }

  @HandleRpc(rpcs.deleteEvent)
  async deleteEvent(ref: EventRef): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(ref.tenantId, ref.calendarId);
    const before = await this.located(calendar, connection, ref.bookingId);
    if (!before || before.state === 'deleted') return { found: false };
    await this.bookingEvents.setState(ref.bookingId, 'deleted');
    try {
      await this.client.call('events.delete', { connection, calendarId: calendar.id, bookingId: ref.bookingId }, (api, signal) => deleteEvent(api, signal, before.eventId));
    } catch (error) {
      if (isGraphStatus(error, 404)) return { found: false };
      await this.bookingEvents.save(before);
      throw toRpcError(error, 'microsoft');
    }
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${ref.bookingId}:deleted`);
    return { found: true };
  }

  /** The booking's event, found by our extended property (for the booking service's reconciler). */
  @HandleRpc(rpcs.findEvent)
  async findEvent(ref: EventRef): Promise<EventReply> {
    const { calendar, connection } = await this.access.calendar(ref.tenantId, ref.calendarId);
    const event = await this.access.call(() =>
      this.client.call('events.find', { connection, calendarId: calendar.id, bookingId: ref.bookingId }, (api, signal) =>
        findEvent(api, signal, calendar.providerCalendarId, ref.bookingId),
      ),
    );
    if (!event || event.cancelled) return { found: false };
    const known = await this.bookingEvents.get(ref.bookingId);
    if (!known || known.state === 'pending') {
      await this.bookingEvents.save({ bookingId: ref.bookingId, calendarId: calendar.id, eventId: event.eventId, start: new Date(event.start), end: new Date(event.end), etag: event.etag, state: 'live' });
    }
    return reply(calendar, ref.bookingId, event);
  }

  /** Where our event for the booking is: the stored id, or (after a crash mid-create) found by property. */
  private async located(calendar: Calendar, connection: Connection, bookingId: string): Promise<BookingEvent | undefined> {
    const known = await this.bookingEvents.get(bookingId);
    if (known && known.state !== 'pending') return known;
    const found = await this.access.call(() =>
      this.client.call('events.find', { connection, calendarId: calendar.id, bookingId }, (api, signal) => findEvent(api, signal, calendar.providerCalendarId, bookingId)),
    );
    if (!found) return undefined;
    const located: BookingEvent = { bookingId, calendarId: calendar.id, eventId: found.eventId, start: new Date(found.start), end: new Date(found.end), etag: found.etag ?? null, state: 'live' };
    await this.bookingEvents.save(located);
    return located;
  }
}

function reply(calendar: Calendar, bookingId: string, event: WrittenEvent): EventReply {
  return { found: true, event: { eventId: event.eventId, calendarId: calendar.id, bookingId, start: event.start, end: event.end } };
}

/** A busy event; ours (where we put it) marked with its booking id, so availability counts it once. */
function interval(event: BusyEvent, ours: BookingEvent | undefined) {
  const start = new Date(event.start).toISOString();
  const end = new Date(event.end).toISOString();
  const unmoved = ours && ours.start.getTime() === event.start && ours.end.getTime() === event.end;
  return unmoved ? { start, end, bookingId: ours.bookingId } : { start, end };
}
