import { TokenBuckets } from './token-buckets';

describe('TokenBuckets', () => {
  let now = 0;
  beforeEach(() => {
    now = 1_000;
    jest.spyOn(performance, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('lets a burst through, then one call per refill, and says how long to wait', () => {
    const buckets = new TokenBuckets(2, 3, 10);
    expect([1, 2, 3].map(() => buckets.take('a'))).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBe(1);
    now += 500;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1);
    expect(buckets.take('b')).toBe(0);
  });

  it('waits whole seconds however slow the refill', () => {
    const buckets = new TokenBuckets(0.25, 1, 10);
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(4);
  });

  it('takes back a token given back, never above the burst', () => {
    const buckets = new TokenBuckets(1, 2, 10);
    buckets.take('a');
    buckets.take('a');
    buckets.giveBack('a');
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBe(1);
    buckets.giveBack('b');
    buckets.giveBack('b');
    expect([1, 2, 3].map(() => buckets.take('b'))).toEqual([0, 0, 1]);
  });

  it('keeps no more than `tracked` buckets: the least recently used is forgotten, full again', () => {
    const buckets = new TokenBuckets(1, 1, 2);
    buckets.take('a');
    buckets.take('b');
    buckets.take('c');
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('c')).toBe(1);
  });
});
