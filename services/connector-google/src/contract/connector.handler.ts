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
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { GoogleClient } from '../google/google-client';
import { isGoogleStatus } from '../google/google-errors';
import { combine, MAX_CALENDARS_PER_QUERY, mergeSpans, queryFreeBusy, splitWindow, type CalendarFreeBusy, type Span } from '../google/free-busy';
import { eventIdOf } from '../google/event-id';
import { deleteEvent, getEvent, insertEvent, patchEvent, type WrittenEvent } from '../google/event-writes';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';

const rpcs = connectorRpcs('google');
type EventReply = MessageInitShape<typeof EventReplySchema>;

/**
 * The connector contract (calendar.internal.connector.google.*): busy times from freeBusy.query,
 * the member's calendars, and the events of bookings with ids derived from the booking ids.
 */
@Injectable()
export class ConnectorHandler {
  private readonly access: OAuthCalendarAccess<Calendar>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    private readonly client: GoogleClient,
    private readonly calendars: CalendarStore,
    connections: ConnectionStore,
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
  ) {
    this.access = new OAuthCalendarAccess('google', calendars, connections);
  }

  /**
   * Busy times of the member's booking and blocking calendars: long windows split and merged,
   * 50 calendars per query, an error for one calendar kept for that calendar. Our own booking
   * events are marked with their booking id, so availability counts them once.
   */
  @HandleRpc(rpcs.busy)
  async busy(request: BusyRequest): Promise<MessageInitShape<typeof BusyResponseSchema>> {
    const asOf = new Date().toISOString();
    const calendars = (await this.calendars.ofMember(request.tenantId, request.memberId)).filter((c) => c.role !== 'ignored');
    if (!calendars.length) return { calendars: [], asOf };
    const connection = await this.access.liveConnection(calendars[0].connectionId);
    const from = Date.parse(request.from);
    const to = Date.parse(request.to);
    if (!(from < to)) throw RpcError.invalidArgument('to', 'to must be after from');

    const batches: Calendar[][] = [];
    for (let i = 0; i < calendars.length; i += MAX_CALENDARS_PER_QUERY) batches.push(calendars.slice(i, i + MAX_CALENDARS_PER_QUERY));
    const queries = splitWindow(from, to, this.config.FREEBUSY_MAX_DAYS).flatMap((window) =>
      batches.map(async (batch): Promise<Map<string, CalendarFreeBusy | { failure: unknown }>> => {
        try {
          return await this.client.call('freeBusy.query', { connection }, (api, signal) =>
            queryFreeBusy(api, signal, batch.map((c) => c.providerCalendarId), window),
          );
        } catch (failure) {
          return new Map(batch.map((c) => [c.providerCalendarId, { failure }]));
        }
      }),
    );
    const answers = await Promise.all(queries);
    const failures = new Map<string, unknown>();
    const readable = answers.map((answer) => {
      const ok = new Map<string, CalendarFreeBusy>();
      for (const [id, result] of answer) {
        if ('failure' in result) failures.set(id, result.failure);
        else ok.set(id, result);
      }
      return ok;
    });
    const combined = combine(readable);
    const ours = await this.bookingEvents.liveIn(calendars.map((c) => c.id), new Date(from), new Date(to));

    return {
      asOf,
      calendars: calendars.map((calendar) => {
        const base = { calendarId: calendar.id, role: calendar.role };
        const failure = failures.get(calendar.providerCalendarId);
        if (failure) return { ...base, busy: [], error: calendarReadError(failure, 'google') };
        const result = combined.get(calendar.providerCalendarId);
        if (!result || 'error' in result) {
          const error = new RpcError('unavailable', `google could not read this calendar (${result && 'error' in result ? result.error : 'no answer'})`);
          return { ...base, busy: [], error: calendarReadError(error, 'google') };
        }
        return { ...base, busy: withOurEvents(result.busy, ours.filter((e) => e.calendarId === calendar.id)) };
      }),
    };
  }

  @HandleRpc(rpcs.calendars)
  memberCalendars(request: MemberCalendarsRequest): Promise<MessageInitShape<typeof MemberCalendarsResponseSchema>> {
    return this.access.memberCalendars(request.tenantId, request.memberId);
  }

  /**
   * Writes the booking's event once: the id derives from the booking id, so a retried create
   * meets 409 duplicate and answers the event that exists (never two events for one booking).
   */
  @HandleRpc(rpcs.createEvent)
  async createEvent(write: EventWrite): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(write.tenantId, write.calendarId);
    const target = { connection, calendarId: calendar.id, bookingId: write.bookingId };
    const row = { bookingId: write.bookingId, calendarId: calendar.id, eventId: eventIdOf(write.bookingId) };
    await this.bookingEvents.save({ ...row, start: new Date(write.start), end: new Date(write.end), state: 'pending' });
    let event: WrittenEvent;
    try {
      event = await this.client.call('events.insert', target, (api, signal) => insertEvent(api, signal, calendar.providerCalendarId, write));
    } catch (error) {
      if (!isGoogleStatus(error, 409)) throw toRpcError(error, 'google');
      // An earlier attempt created it: that one stands (restored if it was deleted since).
      event = await this.access.call(() => this.client.call('events.get', target, (api, signal) => getEvent(api, signal, calendar.providerCalendarId, write.bookingId)));
      if (event.status === 'cancelled') {
        event = await this.access.call(() => this.client.call('events.patch', target, (api, signal) => patchEvent(api, signal, calendar.providerCalendarId, write)));
      }
    }
    await this.bookingEvents.save({ ...row, start: new Date(event.start), end: new Date(event.end), etag: event.etag, state: 'live' });
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${row.eventId}:${event.etag ?? ''}`);
    return reply(calendar, write.bookingId, event);
  }

  /** Moves the booking's event; a 412 (someone touched it) is retried once with the current etag. */
  @HandleRpc(rpcs.updateEvent)
  async updateEvent(write: EventWrite): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(write.tenantId, write.calendarId);
    const target = { connection, calendarId: calendar.id, bookingId: write.bookingId };
    const before = await this.bookingEvents.get(write.bookingId);
    const row = { bookingId: write.bookingId, calendarId: calendar.id, eventId: eventIdOf(write.bookingId) };
    // Recorded first, so the push this change causes is not taken for the owner's move.
    await this.bookingEvents.save({ ...row, start: new Date(write.start), end: new Date(write.end), state: 'live' });
    const patch = (etag?: string) =>
      this.client.call('events.patch', target, (api, signal) => patchEvent(api, signal, calendar.providerCalendarId, write, etag));
    let event: WrittenEvent;
    try {
      try {
        event = await patch(before?.etag ?? undefined);
      } catch (error) {
        if (!isGoogleStatus(error, 412)) throw error;
        const current = await this.client.call('events.get', target, (api, signal) => getEvent(api, signal, calendar.providerCalendarId, write.bookingId));
        event = await patch(current.etag);
      }
    } catch (error) {
      if (before) await this.bookingEvents.save(before);
      if (isGoogleStatus(error, 404, 410)) throw new RpcError('not_found', `no event for booking ${write.bookingId}`, { bookingId: write.bookingId });
      throw toRpcError(error, 'google');
    }
    await this.bookingEvents.save({ ...row, start: new Date(event.start), end: new Date(event.end), etag: event.etag, state: 'live' });
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${row.eventId}:${event.etag ?? ''}`);
    return reply(calendar, write.bookingId, event);
  }

  /** Deletes the booking's event; one already gone answers found=false. */
  @HandleRpc(rpcs.deleteEvent)
  async deleteEvent(ref: EventRef): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(ref.tenantId, ref.calendarId);
    const before = await this.bookingEvents.get(ref.bookingId);
    if (before) await this.bookingEvents.setState(ref.bookingId, 'deleted');
    try {
      await this.client.call('events.delete', { connection, calendarId: calendar.id, bookingId: ref.bookingId }, (api, signal) =>
        deleteEvent(api, signal, calendar.providerCalendarId, ref.bookingId),
      );
    } catch (error) {
      if (isGoogleStatus(error, 404, 410)) return { found: false };
      if (before) await this.bookingEvents.save(before);
      throw toRpcError(error, 'google');
    }
    await this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${eventIdOf(ref.bookingId)}:deleted`);
    return { found: true };
  }

  /** The booking's event, by its derived id (for the booking service's reconciler). */
  @HandleRpc(rpcs.findEvent)
  async findEvent(ref: EventRef): Promise<EventReply> {
    const { calendar, connection } = await this.access.calendar(ref.tenantId, ref.calendarId);
    let event: WrittenEvent;
    try {
      event = await this.client.call('events.get', { connection, calendarId: calendar.id, bookingId: ref.bookingId }, (api, signal) =>
        getEvent(api, signal, calendar.providerCalendarId, ref.bookingId),
      );
    } catch (error) {
      if (isGoogleStatus(error, 404, 410)) return { found: false };
      throw toRpcError(error, 'google');
    }
    if (event.status === 'cancelled' || (event.bookingId && event.bookingId !== ref.bookingId)) return { found: false };
    const known = await this.bookingEvents.get(ref.bookingId);
    if (!known || known.state === 'pending') {
      await this.bookingEvents.save({ bookingId: ref.bookingId, calendarId: calendar.id, eventId: event.eventId, start: new Date(event.start), end: new Date(event.end), etag: event.etag, state: 'live' });
    }
    return reply(calendar, ref.bookingId, event);
  }
}

function reply(calendar: Calendar, bookingId: string, event: WrittenEvent): EventReply {
  return { found: true, event: { eventId: event.eventId, calendarId: calendar.id, bookingId, start: event.start, end: event.end } };
}

/** Busy spans with our own events cut out and given back marked with their booking id. */
export function withOurEvents(busy: readonly Span[], ours: readonly Pick<BookingEvent, 'bookingId' | 'start' | 'end'>[]) {
  const holes = mergeSpans(ours.map((e) => ({ start: e.start.getTime(), end: e.end.getTime() })));
  const foreign: Span[] = [];
  for (const span of busy) {
    let cursor = span.start;
    for (const hole of holes) {
      if (hole.end <= cursor || hole.start >= span.end) continue;
      if (hole.start > cursor) foreign.push({ start: cursor, end: hole.start });
      cursor = Math.max(cursor, hole.end);
    }
    if (cursor < span.end) foreign.push({ start: cursor, end: span.end });
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    ...foreign.map((s) => ({ start: iso(s.start), end: iso(s.end) })),
    ...ours.map((e) => ({ start: e.start.toISOString(), end: e.end.toISOString(), bookingId: e.bookingId })),
  ].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}
