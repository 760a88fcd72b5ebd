import type { MessageInitShape } from '@bufbuild/protobuf';
import { RpcError, type EventRef, type EventReplySchema, type EventWrite } from '@calldesk/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { ConnectorEvents, memberOf } from '../connector-events';
import { ProviderError, toRpcError } from '../provider-error';
import { BookingEventStore, type BookingEvent } from './booking-event.store';
import { OAuthCalendarAccess } from './calendar-access';
import { CalendarProvider, type CalendarTarget, type OurEventRef, type ProviderEvent } from './calendar-provider';
import type { OAuthCalendar } from './calendar.store';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';

type EventReply = MessageInitShape<typeof EventReplySchema>;

/**
 * The events of bookings, written through the provider and recorded before each change, so that
 * a sync can tell the owner's changes to them from ours. Never two events for one booking: the
 * provider's create answers the event a retry finds. A move that loses to someone else's change
 * (412) is tried once more with the event's current etag.
 */
@Injectable()
export class OAuthBookingEvents {
  constructor(
    @Inject(OAUTH_CONNECTOR) private readonly options: OAuthConnectorOptions,
    private readonly provider: CalendarProvider,
    private readonly access: OAuthCalendarAccess,
    private readonly bookingEvents: BookingEventStore,
    private readonly events: ConnectorEvents,
  ) {}

  async create(write: EventWrite): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(write.tenantId, write.calendarId);
    const target = { calendar, connection, bookingId: write.bookingId };
    const derived = this.provider.derivedEventId(write.bookingId);
    // Where the provider names the event when it is made, a known row keeps the name it found.
    if (derived || !(await this.bookingEvents.get(write.bookingId))) {
      const eventId = derived ?? `pending:${write.bookingId}`;
      await this.bookingEvents.save({
        bookingId: write.bookingId,
        calendarId: calendar.id,
        eventId,
        start: new Date(write.start),
        end: new Date(write.end),
        state: 'pending',
      });
    }
    const event = await this.access.call(() => this.provider.createEvent(target, write));
    await this.bookingEvents.save(live(calendar, write.bookingId, event));
    await this.changed(calendar, write.bookingId, event.etag ?? '');
    return reply(calendar, write.bookingId, event);
  }

  async update(write: EventWrite): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(write.tenantId, write.calendarId);
    const target = { calendar, connection, bookingId: write.bookingId };
    const before = await this.located(target, write.bookingId);
    const eventId = before?.eventId ?? this.provider.derivedEventId(write.bookingId);
    if (!eventId) throw noEventFor(write.bookingId);
    const ref = { bookingId: write.bookingId, eventId };
    const row = before ?? { ...ref, calendarId: calendar.id, etag: null };
    // Recorded first, and pending until the provider has it: neither the push this change causes
    // nor a listing read before it lands is taken for the owner's move.
    await this.bookingEvents.save({ ...row, start: new Date(write.start), end: new Date(write.end), state: 'pending' });
    let event: ProviderEvent;
    try {
      event = await this.updateEvent(target, ref, write, before?.etag ?? undefined);
    } catch (error) {
      if (before) await this.bookingEvents.save(before);
      if (isNotFound(error)) throw noEventFor(write.bookingId);
      throw toRpcError(error, this.options.provider);
    }
    await this.bookingEvents.save({
      ...row,
      start: new Date(event.start),
      end: new Date(event.end),
      etag: event.etag ?? null,
      state: 'live',
    });
    await this.changed(calendar, write.bookingId, event.etag ?? '');
    return reply(calendar, write.bookingId, event);
  }

  /** Deletes the booking's event; one already gone answers found=false. */
  async delete(ref: EventRef): Promise<EventReply> {
    const { calendar, connection } = await this.access.writable(ref.tenantId, ref.calendarId);
    const target = { calendar, connection, bookingId: ref.bookingId };
    const before = await this.located(target, ref.bookingId);
    const eventId = before?.eventId ?? this.provider.derivedEventId(ref.bookingId);
    if (!eventId) return { found: false };
    if (before) await this.bookingEvents.setState(ref.bookingId, 'deleted');
    try {
      await this.provider.deleteEvent(target, { bookingId: ref.bookingId, eventId });
    } catch (error) {
      if (isNotFound(error)) return { found: false };
      if (before) await this.bookingEvents.save(before);
      throw toRpcError(error, this.options.provider);
    }
    await this.changed(calendar, ref.bookingId, 'deleted');
    return { found: true };
  }

  /** The booking's event, found by what we marked it with (for the booking service's reconciler). */
  async find(ref: EventRef): Promise<EventReply> {
    const { calendar, connection } = await this.access.calendar(ref.tenantId, ref.calendarId);
    const event = await this.access.call(() =>
      this.provider.findEvent({ calendar, connection, bookingId: ref.bookingId }, ref.bookingId),
    );
    if (!event || event.cancelled) return { found: false };
    const known = await this.bookingEvents.get(ref.bookingId);
    if (!known || known.state === 'pending') await this.bookingEvents.save(live(calendar, ref.bookingId, event));
    return reply(calendar, ref.bookingId, event);
  }

  /** The update, again with the current etag if someone changed the event since our last write. */
  private async updateEvent(
    target: CalendarTarget,
    ref: OurEventRef,
    write: EventWrite,
    etag: string | undefined,
  ): Promise<ProviderEvent> {
    try {
      return await this.provider.updateEvent(target, ref, write, etag);
    } catch (error) {
      if (!(error instanceof ProviderError && error.kind === 'precondition_failed')) throw error;
    }
    const current = await this.provider.getEvent(target, ref);
    return this.provider.updateEvent(target, ref, write, current.etag);
  }

  /**
   * Our record of the booking's event. Where the provider names events when they are made, one
   * still pending (a create cut short) is looked for at the provider by our mark, and recorded.
   */
  private async located(target: CalendarTarget, bookingId: string): Promise<BookingEvent | undefined> {
    const known = await this.bookingEvents.get(bookingId);
    if ((known && known.state !== 'pending') || this.provider.derivedEventId(bookingId)) return known;
    const found = await this.access.call(() => this.provider.findEvent(target, bookingId));
    if (!found) return undefined;
    const located = live(target.calendar, bookingId, found);
    await this.bookingEvents.save(located);
    return located;
  }

  private changed(calendar: OAuthCalendar, bookingId: string, version: string): Promise<void> {
    return this.events.calendarChanged(memberOf(calendar), calendar.id, `event:${bookingId}:${version}`);
  }
}

function live(calendar: OAuthCalendar, bookingId: string, event: ProviderEvent): BookingEvent {
  return {
    bookingId,
    calendarId: calendar.id,
    eventId: event.eventId,
    start: new Date(event.start),
    end: new Date(event.end),
    etag: event.etag ?? null,
    state: 'live',
  };
}

function reply(calendar: OAuthCalendar, bookingId: string, event: ProviderEvent): EventReply {
  return {
    found: true,
    event: { eventId: event.eventId, calendarId: calendar.id, bookingId, start: event.start, end: event.end },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof ProviderError && error.kind === 'not_found';
}

function noEventFor(bookingId: string): RpcError {
  return new RpcError('not_found', `no event for booking ${bookingId}`, { bookingId });
}
