import fc from 'fast-check';
import { balancedOrder, type MemberLoad } from './balancing';

const load = (memberId: string, liveBookings: number, extra: Partial<MemberLoad> = {}): MemberLoad => ({
  memberId,
  liveBookings,
  weight: 1,
  ...extra,
});

describe('balancedOrder', () => {
  it('offers the member with the fewest live bookings first', () => {
    expect(balancedOrder([load('a', 3), load('b', 1), load('c', 2)])).toEqual(['b', 'c', 'a']);
  });

  it('breaks a tie in bookings by the least recently booked', () => {
    expect(
      balancedOrder([
        load('a', 1, { lastBookedAt: 300 }),
        load('b', 1, { lastBookedAt: 100 }),
        load('c', 1, { lastBookedAt: 200 }),
      ]),
    ).toEqual(['b', 'c', 'a']);
  });

  it('puts a never-booked member before a booked one with as few bookings', () => {
    expect(balancedOrder([load('a', 0, { lastBookedAt: 100 }), load('b', 0)])).toEqual(['b', 'a']);
  });

  it('falls back to the listed order when bookings and recency tie', () => {
    expect(balancedOrder([load('c', 0), load('a', 0), load('b', 0)])).toEqual(['c', 'a', 'b']);
    expect(balancedOrder([load('c', 2, { lastBookedAt: 5 }), load('a', 2, { lastBookedAt: 5 })])).toEqual(['c', 'a']);
  });

  it('divides bookings by weight: weight 2 with 3 bookings goes before weight 1 with 2', () => {
    expect(balancedOrder([load('a', 2), load('b', 3, { weight: 2 })])).toEqual(['b', 'a']);
  });

  it('treats equal bookings per weight as a tie, decided by recency', () => {
    const members = [load('a', 1, { lastBookedAt: 50 }), load('b', 2, { weight: 2, lastBookedAt: 10 })];
    expect(balancedOrder(members)).toEqual(['b', 'a']);
  });

  it('lets a heavy weight take most of the work: weight 3 is first until it has three times the bookings', () => {
    const heavy = (bookings: number) => load('heavy', bookings, { weight: 3, lastBookedAt: 2 });
    const light = load('light', 1, { lastBookedAt: 1 });
    expect(balancedOrder([light, heavy(2)])[0]).toBe('heavy');
    expect(balancedOrder([light, heavy(3)])[0]).toBe('light');
  });

  it('handles fractional weights', () => {
    expect(balancedOrder([load('a', 1, { weight: 0.5 }), load('b', 1)])).toEqual(['b', 'a']);
  });

  it('answers nothing for no members', () => {
    expect(balancedOrder([])).toEqual([]);
  });

  it('is a permutation of its input, in non-decreasing bookings per weight', () => {
    const member = fc.record({
      liveBookings: fc.nat(20),
      weight: fc.integer({ min: 1, max: 100 }),
      lastBookedAt: fc.option(fc.nat(1_000), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(member, { maxLength: 12 }), (members) => {
        const loads = members.map((m, index) => ({ ...m, memberId: `m${index}` }));
        const order = balancedOrder(loads);
        expect([...order].sort()).toEqual(loads.map((m) => m.memberId).sort());
        const ratios = order.map((id) => loads.find((m) => m.memberId === id)!).map((m) => m.liveBookings / m.weight);
        ratios.slice(1).forEach((ratio, index) => expect(ratio).toBeGreaterThanOrEqual(ratios[index]));
      }),
    );
  });
});
