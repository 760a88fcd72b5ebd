import type { MessageInitShape } from '@bufbuild/protobuf';
import { isUnexpected, toRpcError } from '@calldesk/connector-kit';
import { connectorRpcs, RpcError, type EventRef, type EventReplySchema, type EventWrite } from '@calldesk/contracts';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { CaldavAccounts } from '../caldav/caldav-accounts';
import type { Fetch } from '../caldav/caldav-http';
import { deleteObject, getObject, putObject } from '../caldav/object-requests';
import type { CaldavConfig } from '../config';
import { ConnectionHealth } from '../connections/connection-health';
import { ConnectionStore, type ConnectedCalendar } from '../connections/connection-store';
import { bookingEventIcs, bookingObjectName, bookingUid } from '../ical/booking-event-ics';
import { timesOfSingleEvent } from '../ical/expand-busy';
import { BookingEventStore, type BookingEventRow } from './booking-event-store';

const rpcs = connectorRpcs('caldav');
type EventReply = MessageInitShape<typeof EventReplySchema>;
const SAFE_BOOKING_ID = /^[A-Za-z0-9._~-]{1,200}$/;

/**
 * The events of our bookings: `<calendar>/calldesk-<bookingId>.ics` with UID calldesk-<bookingId>.
 * Create is `PUT` with `If-None-Match: *` (412: it is there already, so answer it: a retry is
 * harmless); update and delete are conditional on the etag we last saw (412: read it again and
 * retry once). Each calendar's writes take turns with its change watch, which would otherwise
 * take our own write for someone else's move.
 */
@Injectable()
export class BookingEventsHandler {
  constructor(
    private readonly store: ConnectionStore,
    private readonly events: BookingEventStore,
    private readonly accounts: CaldavAccounts,
    private readonly health: ConnectionHealth,
    @Inject(SERVICE_CONFIG) private readonly config: CaldavConfig,
  ) {}

  @HandleRpc(rpcs.createEvent)
  create(write: EventWrite): Promise<EventReply> {
    return this.withCalendar(write, {}, (calendar, fetch) => this.put(calendar, fetch, write, undefined));
  }

  @HandleRpc(rpcs.updateEvent)
  update(write: EventWrite): Promise<EventReply> {
    return this.withCalendar(write, {}, async (calendar, fetch) => {
      const known = await this.events.get(calendar.calendarId, write.bookingId);
      const href = known?.href ?? this.hrefOf(calendar, write.bookingId);
      let etag = known?.etag ?? (await getObject(fetch, href))?.etag;
      for (let attempt = 1; ; attempt++) {
        // Gone (deleted by its owner, say): write it again where it belongs rather than fail the reschedule.
        if (!etag) return this.put(calendar, fetch, write, known);
        const sequence = (known?.sequence ?? 0) + attempt;
        const outcome = await putObject(fetch, href, this.ics(write, sequence), { ifMatch: etag });
        if (outcome.kind === 'written') return this.saved(calendar, fetch, write, href, outcome.etag, sequence);
        if (outcome.kind === 'not_found') return this.put(calendar, fetch, write, known);
        if (outcome.kind === 'uid_conflict' || attempt === 2) throw conflict(write.bookingId, outcome.kind);
        etag = (await getObject(fetch, href))?.etag;
      }
    });
  }

  /** A calendar that is gone (deleted on the server, or disconnected) holds no event: `found: false`. */
  @HandleRpc(rpcs.deleteEvent)
  delete(ref: EventRef): Promise<EventReply> {
    return this.withCalendar(ref, { whenGone: { found: false } }, async (calendar, fetch) => {
      const known = await this.events.get(calendar.calendarId, ref.bookingId);
      const href = known?.href ?? this.hrefOf(calendar, ref.bookingId);
      let etag = known?.etag;
      for (let attempt = 1; ; attempt++) {
        const outcome = await deleteObject(fetch, href, etag);
        if (outcome !== 'precondition_failed') {
          await this.events.remove(calendar.calendarId, ref.bookingId);
          return { found: outcome === 'deleted' };
        }
        if (attempt === 2) throw conflict(ref.bookingId, outcome);
        etag = (await getObject(fetch, href))?.etag;
        if (!etag) {
          await this.events.remove(calendar.calendarId, ref.bookingId);
          return { found: false };
        }
      }
    });
  }

  @HandleRpc(rpcs.findEvent)
  find(ref: EventRef): Promise<EventReply> {
    return this.withCalendar(ref, { whenGone: { found: false } }, async (calendar, fetch) => {
      const known = await this.events.get(calendar.calendarId, ref.bookingId);
      const href = known?.href ?? this.hrefOf(calendar, ref.bookingId);
      const object = await getObject(fetch, href);
      const times = object && timesOfSingleEvent(object.data, calendar.timeZone);
      if (!object || !times) return { found: false };
      // Found where its id says though we had no record (a crash between write and record): watch it from now on.
      if (!known)
        await this.events.save({
          calendarId: calendar.calendarId,
          bookingId: ref.bookingId,
          href,
          etag: object.etag,
          ...times,
          sequence: 0,
        });
      return this.reply(calendar, ref.bookingId, times);
    });
  }

  /** Creates the event, or answers the one already there (a retried create). */
  private async put(
    calendar: ConnectedCalendar,
    fetch: Fetch,
    write: EventWrite,
    known: BookingEventRow | undefined,
  ): Promise<EventReply> {
    const href = known?.href ?? this.hrefOf(calendar, write.bookingId);
    const sequence = (known?.sequence ?? -1) + 1;
    for (let attempt = 1; ; attempt++) {
      const outcome = await putObject(fetch, href, this.ics(write, sequence), { ifNoneMatch: '*' });
      if (outcome.kind === 'written') return this.saved(calendar, fetch, write, href, outcome.etag, sequence);
      if (outcome.kind === 'uid_conflict') throw conflict(write.bookingId, outcome.kind);
      if (outcome.kind === 'not_found') throw RpcError.notFound('calendar', calendar.calendarId);
      const existing = await getObject(fetch, href);
      const times = existing && timesOfSingleEvent(existing.data, calendar.timeZone);
      if (existing && times) {
        await this.events.save({
          calendarId: calendar.calendarId,
          bookingId: write.bookingId,
          href,
          etag: existing.etag,
          ...times,
          sequence,
        });
        return this.reply(calendar, write.bookingId, times);
      }
      // Deleted between our PUT and GET (or unreadable): try once more, then give up.
      if (attempt === 2) throw conflict(write.bookingId, 'precondition_failed');
    }
  }

  private async saved(
    calendar: ConnectedCalendar,
    fetch: Fetch,
    write: EventWrite,
    href: string,
    etag: string | undefined,
    sequence: number,
  ): Promise<EventReply> {
    const times = { start: Date.parse(write.start), end: Date.parse(write.end) };
    // Servers that answer a PUT without an etag: read it, or the change watch would take our write for a move.
    const knownEtag = etag ?? (await getObject(fetch, href))?.etag;
    await this.events.save({
      calendarId: calendar.calendarId,
      bookingId: write.bookingId,
      href,
      etag: knownEtag,
      ...times,
      sequence,
    });
    return this.reply(calendar, write.bookingId, times);
  }

  private async withCalendar(
    ref: { tenantId: string; calendarId: string; bookingId: string },
    options: { whenGone?: EventReply },
    work: (calendar: ConnectedCalendar, fetch: Fetch) => Promise<EventReply>,
  ): Promise<EventReply> {
    if (!SAFE_BOOKING_ID.test(ref.bookingId)) {
      throw RpcError.invalidArgument(
        'bookingId',
        'bookingId must be 1 to 200 letters, digits, dots, dashes, underscores or tildes',
      );
    }
    if ('start' in ref && Date.parse((ref as EventWrite).end) <= Date.parse((ref as EventWrite).start)) {
      throw RpcError.invalidArgument('end', 'end must be after start');
    }
    const calendar = await this.store.calendar(ref.tenantId, ref.calendarId);
    if (!calendar || calendar.connection.status === 'disconnected') {
      if (options.whenGone) return options.whenGone;
      throw RpcError.notFound('calendar', ref.calendarId);
    }
    if (calendar.connection.status === 'needs_reauth') {
      throw new RpcError('failed_precondition', 'the connection needs reauthorization', {
        reason: 'needs_reauth',
        calendarId: ref.calendarId,
      });
    }
    const fetch = this.accounts.fetchFor(calendar.connection, {
      budgetMs: this.config.CALDAV_CALL_BUDGET_MS,
      ids: { calendarId: calendar.calendarId },
    });
    try {
      const result = await this.store.forCalendar(calendar.calendarId, () => work(calendar, fetch));
      await this.health.succeeded(calendar.connection).catch(() => undefined);
      return result.ran ? result.value : { found: false };
    } catch (error) {
      // The bus logs (and answers `internal` for) what is neither the provider's answer nor ours.
      if (isUnexpected(error)) throw error;
      await this.health.failed(calendar.connection, error).catch(() => undefined);
      throw toRpcError(error, 'caldav');
    }
  }

  private hrefOf(calendar: ConnectedCalendar, bookingId: string): string {
    return new URL(bookingObjectName(bookingId), calendar.url).href;
  }

  private ics(write: EventWrite, sequence: number): string {
    return bookingEventIcs({
      bookingId: write.bookingId,
      start: Date.parse(write.start),
      end: Date.parse(write.end),
      title: write.title,
      description: write.description,
      sequence,
    });
  }

  private reply(calendar: ConnectedCalendar, bookingId: string, times: { start: number; end: number }): EventReply {
    return {
      found: true,
      event: {
        eventId: bookingUid(bookingId),
        calendarId: calendar.calendarId,
        bookingId,
        start: new Date(times.start).toISOString(),
        end: new Date(times.end).toISOString(),
      },
    };
  }
}

function conflict(bookingId: string, kind: string): RpcError {
  const message =
    kind === 'uid_conflict'
      ? `the event of booking ${bookingId} already lives in another calendar of this account`
      : `the event of booking ${bookingId} kept changing while we wrote it`;
  return new RpcError('failed_precondition', message, { bookingId, reason: kind });
}
