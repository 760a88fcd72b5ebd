import { roundRobinSlots, specificMemberSlots } from './team';

const HOUR = 3_600_000;

describe('roundRobinSlots', () => {
  const members = [
    { memberId: 'ana', starts: [9 * HOUR, 10 * HOUR, 11 * HOUR] },
    { memberId: 'ben', starts: [10 * HOUR, 12 * HOUR] },
    { memberId: 'cy', starts: [9 * HOUR, 13 * HOUR] },
  ];

  it('offers each start once, for the first member in balancing order who is free then', () => {
    expect(roundRobinSlots(members, ['ben', 'cy', 'ana'], 30)).toEqual([
      { start: 9 * HOUR, end: 9.5 * HOUR, memberId: 'cy' },
      { start: 10 * HOUR, end: 10.5 * HOUR, memberId: 'ben' },
      { start: 11 * HOUR, end: 11.5 * HOUR, memberId: 'ana' },
      { start: 12 * HOUR, end: 12.5 * HOUR, memberId: 'ben' },
      { start: 13 * HOUR, end: 13.5 * HOUR, memberId: 'cy' },
    ]);
  });

  it('puts members missing from the balancing order last, in input order', () => {
    const slots = roundRobinSlots(members, ['cy'], 60);
    expect(slots.find((slot) => slot.start === 10 * HOUR)?.memberId).toBe('ana');
    expect(slots.find((slot) => slot.start === 9 * HOUR)?.memberId).toBe('cy');
  });

  it('has nothing to offer without members', () => {
    expect(roundRobinSlots([], [], 30)).toEqual([]);
  });
});

describe('specificMemberSlots', () => {
  it("turns one member's starts into slots", () => {
    expect(specificMemberSlots({ memberId: 'ana', starts: [9 * HOUR] }, 45)).toEqual([
      { start: 9 * HOUR, end: 9.75 * HOUR, memberId: 'ana' },
    ]);
  });
});
