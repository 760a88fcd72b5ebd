import type { Interval } from './interval';
import { dayOfWall } from './local-time';
import { zoneClock } from './zone-clock';

export interface RankOptions {
  /** Prefer starts close to this instant (ties: the earlier); without it, earliest first. */
  near?: number;
  /** At most this many slots; all when absent. */
  limit?: number;
  /**
   * For an answer read aloud: at most `perDay` slots from each local day of `zone`, taken in
   * turns across days, so that "Tuesday 9, Tuesday 2, Wednesday 10" beats ten slots on one
   * morning.
   */
  spread?: { zone: string; perDay: number };
}

/** Orders slots by preference, optionally spreads them over days, and applies the limit. */
export function rankSlots<T extends { start: number }>(slots: readonly T[], options: RankOptions = {}): T[] {
  const preference = preferenceOrder(options.near);
  const ordered = [...slots].sort(preference);
  const limit = options.limit ?? ordered.length;
  if (options.spread === undefined) return ordered.slice(0, limit);
  return takeInTurnsByDay(ordered, options.spread, options.near !== undefined, limit).sort(preference);
}

function preferenceOrder(near: number | undefined): (a: { start: number }, b: { start: number }) => number {
  if (near === undefined) return (a, b) => a.start - b.start;
  return (a, b) => Math.abs(a.start - near) - Math.abs(b.start - near) || a.start - b.start;
}

/**
 * Days take turns in the order of their best slot. Within a day the picks are its best slots
 * when ranking by nearness, else slots spaced evenly through the day, so a morning and an
 * afternoon are offered rather than two neighbours.
 */
function takeInTurnsByDay<T extends { start: number }>(
  ordered: readonly T[],
  spread: { zone: string; perDay: number },
  byNearness: boolean,
  limit: number,
): T[] {
  const picksByDay = [...groupByLocalDay(ordered, spread.zone).values()].map((day) =>
    byNearness
      ? day.slice(0, spread.perDay)
      : evenlySpaced(
          day.sort((a, b) => a.start - b.start),
          spread.perDay,
        ),
  );
  const chosen: T[] = [];
  for (let turn = 0; turn < spread.perDay; turn++) {
    for (const picks of picksByDay) {
      if (chosen.length === limit) return chosen;
      if (turn < picks.length) chosen.push(picks[turn]);
    }
  }
  return chosen;
}

/** Slots grouped by local day, days in order of first appearance, order kept within a day. */
function groupByLocalDay<T extends { start: number }>(ordered: readonly T[], zone: string): Map<number, T[]> {
  const days = new Map<number, T[]>();
  if (ordered.length === 0) return days;
  const span = ordered.reduce<Interval>(
    (covered, slot) => ({ start: Math.min(covered.start, slot.start), end: Math.max(covered.end, slot.start + 1) }),
    { start: ordered[0].start, end: ordered[0].start + 1 },
  );
  const clock = zoneClock(zone, span);
  for (const slot of ordered) {
    const day = dayOfWall(clock.wallAt(slot.start));
    const group = days.get(day);
    if (group === undefined) days.set(day, [slot]);
    else group.push(slot);
  }
  return days;
}

function evenlySpaced<T>(chronological: readonly T[], count: number): T[] {
  if (chronological.length <= count) return [...chronological];
  return Array.from({ length: count }, (_, i) => chronological[Math.floor((i * chronological.length) / count)]);
}
