import { DEADLINES, OUTCOMES, type Call } from './callers';
import type { Agreement, Disagreement } from './caches';
import type { ProviderEvent } from './connector-control';
import type { Window } from './figures';
import type { Hold } from './ledger';

export interface Verdict {
  name: string;
  pass: boolean;
  detail: string;
}

/** Besides an outcome, the answers the contract lets a caller get in a fault: safe to retry, or out of time. */
const FAULT_ANSWERS = new Set(['unavailable', 'deadline_exceeded']);

/** Booking's table holds no two live bookings over the same time on one calendar. */
export function noDoubleBooking(overlaps: { a: string; b: string }[]): Verdict {
  return {
    name: 'no overlapping held spans',
    pass: overlaps.length === 0,
    detail: overlaps.length
      ? `${overlaps.length} overlapping pairs, e.g. ${overlaps[0].a} and ${overlaps[0].b}`
      : 'none in booking.bookings',
  };
}

/**
 * After the settle period, the provider and booking's table tell the same story: every event
 * booking wrote belongs to a confirmed booking on that calendar at that time, and every
 * confirmed booking has its event.
 */
export function providerAgrees(events: ProviderEvent[], bookings: Hold[]): Verdict {
  const ours = events.filter((e) => e.bookingId);
  const byId = new Map(bookings.map((b) => [b.id, b]));
  const orphans = ours.filter((e) => {
    const booking = byId.get(e.bookingId!);
    return booking?.status !== 'confirmed' || booking.calendarId !== e.calendarId;
  });
  const written = new Set(ours.map((e) => e.bookingId));
  const missing = bookings.filter((b) => b.status === 'confirmed' && !written.has(b.id));
  const orphanStatuses = count(orphans.map((e) => byId.get(e.bookingId!)?.status ?? 'no row'));
  const doubled = overlapping(ours);
  const parts = [
    `${ours.length} events of ours, ${bookings.filter((b) => b.status === 'confirmed').length} confirmed bookings`,
    `${orphans.length} events without a confirmed booking${orphans.length ? ` (${describe(orphanStatuses)}; e.g. booking ${orphans[0].bookingId})` : ''}`,
    `${missing.length} confirmed bookings without an event${missing.length ? ` (e.g. ${missing[0].id})` : ''}`,
    ...(doubled ? [`${doubled} pairs of our events overlap on one calendar`] : []),
  ];
  return {
    name: 'provider and bookings agree',
    pass: orphans.length === 0 && missing.length === 0,
    detail: parts.join('; '),
  };
}

/**
 * How long after a fault's end a reply may still be lost to it: JetStream electing its leaders
 * again, a thawed pod working through what it was handed while frozen.
 */
export const AFTER_FAULT_MS = 10_000;

/**
 * Every call got, before its deadline, an outcome or the contract's answer for a fault. A
 * request in flight on a server or pod that dies or freezes is lost with it, and NATS
 * request/reply tells its caller nothing: its client's deadline (`deadline_exceeded`) is its
 * answer, which is the contract's during the fault and a failure at any other time (or
 * without a fault).
 */
export function everyCallerAnswered(calls: Call[], fault?: Window): Verdict {
  const duringFault = (c: Call) =>
    !!fault && c.startedAt + DEADLINES[c.op] >= fault.from && c.startedAt <= fault.to + AFTER_FAULT_MS;
  const failing = calls.filter(
    (c) => (!OUTCOMES.has(c.answer) && !FAULT_ANSWERS.has(c.answer)) || (!c.replied && !duringFault(c)),
  );
  const byKind = count(failing.map((c) => `${c.op} ${c.replied ? c.answer : 'no reply'}`));
  const lost = calls.filter((c) => !c.replied && duringFault(c)).length;
  const unreplied = lost ? `; ${lost} got no reply while the fault lasted (their clients' deadline_exceeded)` : '';
  return {
    name: 'every caller answered within its deadline',
    pass: failing.length === 0,
    detail: failing.length
      ? `${failing.length} of ${calls.length} calls did not: ${describe(byKind)}${unreplied}`
      : `all ${calls.length} calls${unreplied}`,
  };
}

/**
 * slots.find agrees with the truth within `limitMs`: for the witnesses after the fault's end
 * (their owners' edits during the fault show) and after one more edit each (changes still reach
 * every cache), and for every booked member once all has settled.
 */
export function cachesRight(
  checks: { afterFault: Agreement; afterEdit: Agreement; afterSettling: Agreement },
  limitMs: number,
): Verdict {
  const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`;
  const wrong = (d: Disagreement[]) =>
    `${d.length} calendars wrong (${d.filter((x) => x.unverified).length} unverified, ${d.reduce((s, x) => s + x.extra, 0)} slots offered that are taken, ${d.reduce((s, x) => s + x.missing, 0)} free slots not offered)`;
  const said = (what: string, check: Agreement) => {
    if (check.ms === undefined) return `${what}: never right while watched, ${wrong(check.wrong)}`;
    if (check.ms > limitMs) return `${what}: right only after ${seconds(check.ms)} (before, ${wrong(check.wrong)})`;
    return `${what}: right in ${seconds(check.ms)}`;
  };
  const parts = [
    said("witnesses after the fault's end", checks.afterFault),
    said('witnesses after an edit each', checks.afterEdit),
    said('every booked calendar after settling', checks.afterSettling),
  ];
  return {
    name: `caches right again within ${seconds(limitMs)}`,
    pass: Object.values(checks).every((c) => c.ms !== undefined && c.ms <= limitMs),
    detail: parts.join('; '),
  };
}

function overlapping(events: ProviderEvent[]): number {
  const sorted = [...events].sort(
    (a, b) => a.calendarId.localeCompare(b.calendarId) || Date.parse(a.start) - Date.parse(b.start),
  );
  let pairs = 0;
  for (let i = 1; i < sorted.length; i++) {
    if (
      sorted[i].calendarId === sorted[i - 1].calendarId &&
      Date.parse(sorted[i].start) < Date.parse(sorted[i - 1].end)
    )
      pairs++;
  }
  return pairs;
}

function count(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function describe(counts: Map<string, number>): string {
  return [...counts].map(([what, n]) => `${what} ${n}`).join(', ');
}
