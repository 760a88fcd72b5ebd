import { BusyCache, busyKey } from './busy-cache';

const snapshot = (from: number, to: number, fetchedAt = 0) => ({ from, to, busy: [], fetchedAt });

describe('BusyCache', () => {
  it('answers only for windows inside the cached one', () => {
    const cache = new BusyCache(10, 1_000);
    cache.set('k', snapshot(100, 200), 0);
    expect(cache.get('k', 100, 200, 0)).toBeDefined();
    expect(cache.get('k', 150, 180, 0)).toBeDefined();
    expect(cache.get('k', 50, 180, 0)).toBeUndefined();
    expect(cache.get('k', 150, 250, 0)).toBeUndefined();
  });

  it('forgets snapshots older than the ttl', () => {
    const cache = new BusyCache(10, 1_000);
    cache.set('k', snapshot(0, 10, 5_000), 0);
    expect(cache.get('k', 0, 10, 6_000)).toBeDefined();
    expect(cache.get('k', 0, 10, 6_001)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('stays within its bound, evicting the least recently used', () => {
    const cache = new BusyCache(2, 1_000);
    cache.set('a', snapshot(0, 10), 0);
    cache.set('b', snapshot(0, 10), 0);
    cache.get('a', 0, 10, 0);
    cache.set('c', snapshot(0, 10), 0);
    expect(cache.size).toBe(2);
    expect(cache.get('a', 0, 10, 0)).toBeDefined();
    expect(cache.get('b', 0, 10, 0)).toBeUndefined();
  });

  it('drops every provider of one member, and only that member', () => {
    const cache = new BusyCache(10, 1_000);
    cache.set(busyKey('t', 'm1', 'google'), snapshot(0, 10), 0);
    cache.set(busyKey('t', 'm1', 'caldav'), snapshot(0, 10), 0);
    cache.set(busyKey('t', 'm10', 'google'), snapshot(0, 10), 0);
    cache.invalidateMember('t', 'm1');
    expect(cache.size).toBe(1);
    expect(cache.get(busyKey('t', 'm10', 'google'), 0, 10, 0)).toBeDefined();
  });

  it('does not store an answer fetched before the member was invalidated', () => {
    const cache = new BusyCache(10, 1_000);
    const before = cache.generation('t', 'm1');
    cache.invalidateMember('t', 'm1');
    cache.set(busyKey('t', 'm1', 'google'), snapshot(0, 10), before);
    expect(cache.size).toBe(0);
    cache.set(busyKey('t', 'm1', 'google'), snapshot(0, 10), cache.generation('t', 'm1'));
    expect(cache.size).toBe(1);
  });

  describe('contradicts: what a fresh read says about the time it covers', () => {
    const cached = new BusyCache(10, 1_000);
    cached.set(
      'k',
      {
        from: 0,
        to: 1_000,
        busy: [
          { start: 100, end: 200 },
          { start: 300, end: 400, bookingId: 'b1' },
        ],
        fetchedAt: 0,
      },
      0,
    );
    const read = (from: number, to: number, busy: { start: number; end: number; bookingId?: string }[]) =>
      cached.contradicts('k', { from, to, busy });

    it('agrees when the fresh read finds the same busy time, however it is cut', () => {
      expect(read(150, 250, [{ start: 100, end: 200 }])).toBe(false);
      expect(
        read(150, 250, [
          { start: 120, end: 170 },
          { start: 170, end: 200 },
        ]),
      ).toBe(false);
      expect(read(500, 600, [])).toBe(false);
    });

    it('is contradicted by busy time the cache does not hold, and by busy time that is gone', () => {
      expect(read(450, 600, [{ start: 500, end: 560 }])).toBe(true);
      expect(read(150, 250, [])).toBe(true);
      expect(read(150, 250, [{ start: 100, end: 180 }])).toBe(true);
    });

    it("leaves our bookings' events out, and time neither covers", () => {
      expect(read(250, 450, [])).toBe(false);
      expect(read(250, 450, [{ start: 260, end: 270, bookingId: 'b2' }])).toBe(false);
      expect(read(2_000, 3_000, [{ start: 2_100, end: 2_200 }])).toBe(false);
      expect(cached.contradicts('other', { from: 0, to: 1_000, busy: [{ start: 1, end: 2 }] })).toBe(false);
    });
  });
});
