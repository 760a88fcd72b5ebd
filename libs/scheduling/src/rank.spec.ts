import type { Slot } from './availability';
import { rankSlots } from './rank';
import { formatInstant, parseInstant } from './rfc3339';

const ZONE = 'America/New_York';

function slotsAt(...times: string[]): Slot[] {
  return times.map((time) => {
    const start = parseInstant(time) as number;
    return { start, end: start + 1_800_000, memberId: 'ana' };
  });
}

function times(slots: Slot[], zone = ZONE): string[] {
  return slots.map((slot) => formatInstant(slot.start, zone));
}

// Tuesday 09:00–16:30 and Wednesday 10:00–11:30, every half hour.
const week = slotsAt(
  ...Array.from(
    { length: 16 },
    (_, i) => `2026-03-10T${String(9 + Math.floor(i / 2)).padStart(2, '0')}:${i % 2 ? '30' : '00'}:00-04:00`,
  ),
  '2026-03-11T10:00:00-04:00',
  '2026-03-11T10:30:00-04:00',
  '2026-03-11T11:00:00-04:00',
  '2026-03-11T11:30:00-04:00',
);

describe('rankSlots', () => {
  it('is chronological without near, and applies the limit', () => {
    expect(times(rankSlots([...week].reverse(), { limit: 2 }))).toEqual([
      '2026-03-10T09:00:00-04:00',
      '2026-03-10T09:30:00-04:00',
    ]);
  });

  it('orders by closeness to near, earlier first on ties', () => {
    const near = parseInstant('2026-03-10T12:15:00-04:00');
    expect(times(rankSlots(week, { near, limit: 3 }))).toEqual([
      '2026-03-10T12:00:00-04:00',
      '2026-03-10T12:30:00-04:00',
      '2026-03-10T11:30:00-04:00',
    ]);
  });

  it('spreads a spoken answer over days: a morning and an afternoon, then the next day', () => {
    expect(times(rankSlots(week, { limit: 3, spread: { zone: ZONE, perDay: 2 } }))).toEqual([
      '2026-03-10T09:00:00-04:00',
      '2026-03-10T13:00:00-04:00',
      '2026-03-11T10:00:00-04:00',
    ]);
  });

  it('with near and spread, takes the nearest of each day, days in order of their nearest slot', () => {
    const near = parseInstant('2026-03-11T10:40:00-04:00');
    expect(times(rankSlots(week, { near, limit: 3, spread: { zone: ZONE, perDay: 2 } }))).toEqual([
      '2026-03-11T10:30:00-04:00',
      '2026-03-11T11:00:00-04:00',
      '2026-03-10T16:30:00-04:00',
    ]);
  });

  it('groups days in the zone it is given', () => {
    const evening = slotsAt('2026-03-10T19:00:00-04:00', '2026-03-10T21:00:00-04:00', '2026-03-11T09:00:00-04:00');
    // 21:00 in New York is already the next day in London.
    expect(times(rankSlots(evening, { spread: { zone: 'Europe/London', perDay: 1 } }))).toEqual([
      '2026-03-10T19:00:00-04:00',
      '2026-03-10T21:00:00-04:00',
    ]);
    expect(times(rankSlots(evening, { spread: { zone: ZONE, perDay: 1 } }))).toEqual([
      '2026-03-10T19:00:00-04:00',
      '2026-03-11T09:00:00-04:00',
    ]);
  });

  it('returns nothing for nothing', () => {
    expect(rankSlots([], { spread: { zone: ZONE, perDay: 2 } })).toEqual([]);
  });
});
