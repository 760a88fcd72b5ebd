import type { ProviderEvent } from '@calldesk/connector-kit';
import type { EventWrite } from '@calldesk/contracts';
import type { calendar_v3 } from '@googleapis/calendar';
import { eventIdOf } from './event-id';

/** The private extended property holding our booking id (key ≤ 44 characters). */
export const BOOKING_PROPERTY = 'calldeskBookingId';
/** What we read back of an event we wrote: ids and times, never its text. */
const FIELDS = 'id,etag,status,start,end,extendedProperties/private';

/** An event we wrote, read back: with the booking id it carries, if any. */
export interface WrittenEvent extends ProviderEvent {
  bookingId?: string;
}

/**
 * Inserts the booking's event with the id derived from the booking id, sending no mail to
 * attendees. A retry of an insert that reached Google answers 409 duplicate: the caller then
 * reads the event that exists.
 */
export async function insertEvent(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarId: string,
  write: EventWrite,
): Promise<WrittenEvent> {
  const { data } = await api.events.insert(
    {
      calendarId,
      sendUpdates: 'none',
      fields: FIELDS,
      requestBody: { id: eventIdOf(write.bookingId), ...body(write) },
    },
    { signal },
  );
  return written(data);
}

/** Moves (and retitles) the booking's event; with an etag, only if nobody changed it since. */
export async function patchEvent(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarId: string,
  write: EventWrite,
  etag?: string,
): Promise<WrittenEvent> {
  const { data } = await api.events.patch(
    { calendarId, eventId: eventIdOf(write.bookingId), sendUpdates: 'none', fields: FIELDS, requestBody: body(write) },
    { signal, ...(etag ? { headers: { 'If-Match': etag } } : {}) },
  );
  return written(data);
}

export async function getEvent(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarId: string,
  bookingId: string,
): Promise<WrittenEvent> {
  const { data } = await api.events.get({ calendarId, eventId: eventIdOf(bookingId), fields: FIELDS }, { signal });
  return written(data);
}

export async function deleteEvent(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarId: string,
  bookingId: string,
): Promise<void> {
  await api.events.delete({ calendarId, eventId: eventIdOf(bookingId), sendUpdates: 'none' }, { signal });
}

function body(write: EventWrite): calendar_v3.Schema$Event {
  return {
    summary: write.title || 'Booking',
    ...(write.description ? { description: write.description } : {}),
    start: { dateTime: write.start },
    end: { dateTime: write.end },
    transparency: 'opaque',
    status: 'confirmed',
    extendedProperties: { private: { [BOOKING_PROPERTY]: write.bookingId } },
  };
}

function written(data: calendar_v3.Schema$Event): WrittenEvent {
  return {
    eventId: data.id ?? '',
    etag: data.etag ?? undefined,
    cancelled: data.status === 'cancelled',
    start: data.start?.dateTime ?? data.start?.date ?? '',
    end: data.end?.dateTime ?? data.end?.date ?? '',
    bookingId: data.extendedProperties?.private?.[BOOKING_PROPERTY],
  };
}
