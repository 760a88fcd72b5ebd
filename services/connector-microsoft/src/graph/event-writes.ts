import type { ProviderEvent } from '@calldesk/connector-kit';
import type { EventWrite } from '@calldesk/contracts';
import type { Client } from '@microsoft/microsoft-graph-client';
import { utcInstant } from './calendar-view';

/**
 * Our booking id on the event: a single-value extended property in our own property set (the
 * GUID is ours, fixed). Graph returns it only when asked with $expand.
 */
export const BOOKING_PROPERTY = 'String {5b1c0d0e-6f3a-4c39-9c0f-7d2b7a3e9c41} Name calldeskBookingId';
const SELECT = ['id', 'start', 'end', 'isCancelled'];

/**
 * Creates the booking's event with transactionId = booking id, so a retried POST does not make
 * a second event (Graph answers the first; other content under the same id is refused, and the
 * caller then finds the event by its property).
 */
export async function createEvent(
  api: Client,
  signal: AbortSignal,
  calendarId: string,
  write: EventWrite,
): Promise<ProviderEvent> {
  const created = await api
    .api(`/me/calendars/${encodeURIComponent(calendarId)}/events`)
    .option('signal', signal)
    .post({
      ...body(write),
      transactionId: write.bookingId,
      singleValueExtendedProperties: [{ id: BOOKING_PROPERTY, value: write.bookingId }],
    });
  return written(created);
}

export async function patchEvent(
  api: Client,
  signal: AbortSignal,
  eventId: string,
  write: EventWrite,
  etag?: string,
): Promise<ProviderEvent> {
  let request = api.api(`/me/events/${encodeURIComponent(eventId)}`).option('signal', signal);
  if (etag) request = request.header('If-Match', etag);
  return written(await request.patch(body(write)));
}

export async function getEvent(api: Client, signal: AbortSignal, eventId: string): Promise<ProviderEvent> {
  return written(
    await api
      .api(`/me/events/${encodeURIComponent(eventId)}`)
      .select(SELECT)
      .header('Prefer', 'outlook.timezone="UTC"')
      .option('signal', signal)
      .get(),
  );
}

export async function deleteEvent(api: Client, signal: AbortSignal, eventId: string): Promise<void> {
  await api
    .api(`/me/events/${encodeURIComponent(eventId)}`)
    .option('signal', signal)
    .delete();
}

/** The booking's event, by our extended property; undefined when there is none. */
export async function findEvent(
  api: Client,
  signal: AbortSignal,
  calendarId: string,
  bookingId: string,
): Promise<ProviderEvent | undefined> {
  const { value } = await api
    .api(`/me/calendars/${encodeURIComponent(calendarId)}/events`)
    .filter(
      `singleValueExtendedProperties/Any(ep: ep/id eq '${BOOKING_PROPERTY}' and ep/value eq '${bookingId.replace(/'/g, "''")}')`,
    )
    .expand(`singleValueExtendedProperties($filter=id eq '${BOOKING_PROPERTY}')`)
    .select(SELECT)
    .header('Prefer', 'outlook.timezone="UTC"')
    .option('signal', signal)
    .get();
  const event = (value ?? [])[0];
  return event ? written(event) : undefined;
}

function body(write: EventWrite) {
  return {
    subject: write.title || 'Booking',
    ...(write.description ? { body: { contentType: 'text', content: write.description } } : {}),
    start: { dateTime: utc(write.start), timeZone: 'UTC' },
    end: { dateTime: utc(write.end), timeZone: 'UTC' },
    showAs: 'busy',
    isReminderOn: false,
  };
}

function utc(rfc3339: string): string {
  return new Date(rfc3339).toISOString().replace(/\.\d{3}Z$/, '');
}

interface GraphEvent {
  id?: string;
  '@odata.etag'?: string;
  start?: { dateTime?: string; timeZone?: string };
  end?: { dateTime?: string; timeZone?: string };
  isCancelled?: boolean;
}

function written(event: GraphEvent): ProviderEvent {
  const iso = (time: typeof event.start) => {
    const ms = utcInstant(time);
    return ms === undefined ? '' : new Date(ms).toISOString();
  };
  return {
    eventId: event.id ?? '',
    etag: event['@odata.etag'],
    start: iso(event.start),
    end: iso(event.end),
    cancelled: event.isCancelled === true,
  };
}
