import type { BookingEvent } from './booking-event.store';
import type { BusyRead, Span } from './calendar-provider';

type OurEvent = Pick<BookingEvent, 'bookingId' | 'eventId' | 'start' | 'end'>;

/** A busy interval of the connector contract; ours carry their booking id, so availability counts them once. */
export interface BusyInterval {
  start: string;
  end: string;
  bookingId?: string;
}

/** A calendar's busy read with our live events in it marked with their booking id. */
export function busyWithOurEvents(
  read: Exclude<BusyRead, { failure: unknown }>,
  ours: readonly OurEvent[],
): BusyInterval[] {
  if ('spans' in read) return withOurEvents(read.spans, ours);
  const byEventId = new Map(ours.map((event) => [event.eventId, event]));
  return read.events.map((event) => {
    const start = new Date(event.start).toISOString();
    const end = new Date(event.end).toISOString();
    const our = byEventId.get(event.eventId);
    // Where we put it: the owner has not moved it.
    const unmoved = our && our.start.getTime() === event.start && our.end.getTime() === event.end;
    return unmoved ? { start, end, bookingId: our.bookingId } : { start, end };
  });
}

/** Busy spans with our own events cut out and given back marked with their booking id. */
export function withOurEvents(
  busy: readonly Span[],
  ours: readonly Pick<BookingEvent, 'bookingId' | 'start' | 'end'>[],
): BusyInterval[] {
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

/** Sorted, with overlapping and touching spans joined. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}
