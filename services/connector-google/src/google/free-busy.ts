import { mergeSpans, type Span } from '@calldesk/connector-kit';
import type { calendar_v3 } from '@googleapis/calendar';

/** One calendar's answer: its busy spans, or Google's reason it could not be read. */
export type CalendarFreeBusy = { busy: Span[] } | { error: string };

const DAY_MS = 86_400_000;
/** Google's calendarExpansionMax. */
export const MAX_CALENDARS_PER_QUERY = 50;

/** Cuts [from, to) into consecutive windows of at most `maxDays` (Google refuses long ones). */
export function splitWindow(from: number, to: number, maxDays: number): Span[] {
  const windows: Span[] = [];
  for (let start = from; start < to; start += maxDays * DAY_MS)
    windows.push({ start, end: Math.min(to, start + maxDays * DAY_MS) });
  return windows;
}

/**
 * Joins the answers of several windows (or calendar batches) per calendar: busy spans merged
 * across window edges; an error in any window makes the calendar unreadable, not partly free.
 */
export function combine(answers: readonly Map<string, CalendarFreeBusy>[]): Map<string, CalendarFreeBusy> {
  const combined = new Map<string, CalendarFreeBusy>();
  for (const answer of answers) {
    for (const [id, result] of answer) {
      const before = combined.get(id);
      if (before && 'error' in before) continue;
      if ('error' in result) combined.set(id, result);
      else combined.set(id, { busy: mergeSpans([...(before && 'busy' in before ? before.busy : []), ...result.busy]) });
    }
  }
  for (const [id, result] of combined) if ('busy' in result) combined.set(id, { busy: mergeSpans(result.busy) });
  return combined;
}

/** One freeBusy.query: up to 50 calendars over one window; per-calendar errors kept per calendar. */
export async function queryFreeBusy(
  api: calendar_v3.Calendar,
  signal: AbortSignal,
  calendarIds: readonly string[],
  window: Span,
): Promise<Map<string, CalendarFreeBusy>> {
  const { data } = await api.freebusy.query(
    {
      requestBody: {
        timeMin: new Date(window.start).toISOString(),
        timeMax: new Date(window.end).toISOString(),
        timeZone: 'UTC',
        items: calendarIds.map((id) => ({ id })),
      },
    },
    { signal },
  );
  const answer = new Map<string, CalendarFreeBusy>();
  for (const id of calendarIds) {
    const calendar = data.calendars?.[id];
    if (!calendar) answer.set(id, { error: 'missing' });
    else if (calendar.errors?.length) answer.set(id, { error: calendar.errors[0].reason ?? 'unknown' });
    else {
      answer.set(id, {
        busy: (calendar.busy ?? [])
          .map((b: calendar_v3.Schema$TimePeriod) => ({
            start: Date.parse(b.start ?? ''),
            end: Date.parse(b.end ?? ''),
          }))
          .filter((b) => b.start < b.end),
      });
    }
  }
  return answer;
}
