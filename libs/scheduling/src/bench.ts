import type { BusyInterval, MemberAvailability } from './availability';
import { compileProfile } from './compile-profile';
import type { Interval } from './interval';
import type { MemberSchedule } from './profile';
import { rankSlots } from './rank';
import { parseInstant } from './rfc3339';
import { bookableStarts } from './slots';
import { roundRobinSlots } from './team';
import { DAY_MS, MINUTE_MS } from './time-units';

export interface BenchResult {
  name: string;
  opsPerSec: number;
}

/**
 * Times the slot core on fixed synthetic data: one member over 30 days with 1,000 busy intervals,
 * and round robin over 10 and 50 such members (each member's slots, then the assignment and a
 * ten-slot spoken answer). Pure: no I/O, same data every run.
 */
export function benchSlotCore(): BenchResult[] {
  const schedule = benchSchedule();
  const range: Interval = { start: NOW, end: NOW + 30 * DAY_MS };
  const team = (size: number) => Array.from({ length: size }, (_, i) => benchMember(schedule, `member-${i}`, i + 1));
  const [one, ten, fifty] = [team(1), team(10), team(50)];
  return [
    measure('slots: 1 member, 30 days, 1000 busy', () => bookableStarts(one[0].availability, range)),
    measure('round robin: 10 members, 30 days, 1000 busy each', () => roundRobin(ten, range)),
    measure('round robin: 50 members, 30 days, 1000 busy each', () => roundRobin(fifty, range)),
  ];
}

const NOW = parseInstant('2026-03-02T08:00:00-05:00') as number;
const MEASURE_MS = 500;

interface BenchMember {
  memberId: string;
  availability: MemberAvailability;
}

function roundRobin(members: readonly BenchMember[], range: Interval): unknown {
  const starts = members.map(({ memberId, availability }) => ({
    memberId,
    starts: bookableStarts(availability, range),
  }));
  const slots = roundRobinSlots(
    starts,
    members.map(({ memberId }) => memberId),
    30,
  );
  return rankSlots(slots, { limit: 10, spread: { zone: 'America/New_York', perDay: 2 } });
}

function measure(name: string, operation: () => unknown): BenchResult {
  // A few runs leave the operation half-optimized and the figure up to 40% low: warm up for as
  // long as the measure lasts.
  const during = (ms: number) => {
    let runs = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      operation();
      runs++;
      elapsed = performance.now() - started;
    }
    return (runs * 1000) / elapsed;
  };
  during(MEASURE_MS);
  return { name, opsPerSec: Math.round(during(MEASURE_MS)) };
}

/** Weekdays 9 to 5 in New York with a lunch break; the 30 days cross the March clock change. */
function benchSchedule(): MemberSchedule {
  return compileProfile({
    timeZone: 'America/New_York',
    weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
    overrides: [],
    rules: {
      minimumNoticeMinutes: 60,
      maximumAdvanceDays: 60,
      bufferBeforeMinutes: 10,
      bufferAfterMinutes: 10,
      slotStepMinutes: 15,
    },
    blocked: [{ rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', from: '12:00', to: '13:00' }],
  });
}

function benchMember(schedule: MemberSchedule, memberId: string, seed: number): BenchMember {
  const random = seededRandom(seed);
  const busy: BusyInterval[] = Array.from({ length: 1000 }, () => {
    const start = NOW + Math.floor(random() * 30 * 24 * 4) * 15 * MINUTE_MS;
    return { start, end: start + (15 + Math.floor(random() * 6) * 15) * MINUTE_MS };
  });
  return { memberId, availability: { schedule, durationMinutes: 30, now: NOW, busy, bookings: [] } };
}

/** A small deterministic generator (mulberry32), so every run times the same data. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
