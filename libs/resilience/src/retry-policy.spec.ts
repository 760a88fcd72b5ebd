import { prometheusText, startTelemetry } from '@calldesk/telemetry';
import { metricValue } from '@calldesk/testing';
import { CircuitBreaker, CircuitBreakers } from './circuit-breaker';
import type { Clock } from './clock';
import { ProviderUnavailable } from './provider-unavailable';
import { parseRetryAfter } from './retry-after';
import { RetryPolicy, type Verdict } from './retry-policy';

/** A clock that moves only when someone sleeps; it records every wait. */
function fakeClock(random = 0.5): Clock & { waits: number[] } {
  let now = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    random: () => random,
  };
}

class Failure extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`status ${status}`);
  }
}

const classify = (error: unknown): Verdict => {
  if (error instanceof Failure && (error.status === 429 || error.status >= 500))
    return { retry: true, retryAfterMs: error.retryAfterMs };
  if (error instanceof Error && error.name === 'AttemptTimeout') return { retry: true };
  return { retry: false };
};

const telemetry = startTelemetry('retry-policy-spec');
afterAll(() => telemetry.shutdown());

const options = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000, budgetMs: 5_000, attemptTimeoutMs: 1_000 };

/** Work that fails with the given statuses in turn, then succeeds. */
function failing(...failures: Failure[]) {
  const calls: number[] = [];
  const work = async (_signal: AbortSignal, attempt: number) => {
    calls.push(attempt);
    const failure = failures.shift();
    if (failure) throw failure;
    return 'ok';
  };
  return { work, calls };
}

describe('RetryPolicy', () => {
  it('frees a half-open breaker whose probe it was permitted but had no time left to send', async () => {
    const clock = fakeClock();
    // A timer that fires late, as on a busy machine.
    const sleep = clock.sleep;
    clock.sleep = (ms) => sleep(ms + 10);
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 1_000 }, clock);
    breaker.failure();
    const policy = new RetryPolicy({ ...options, budgetMs: 1_005 }, clock);
    const late = failing();
    await expect(policy.run(late.work, { classify, breaker })).rejects.toMatchObject({ reason: 'budget_exhausted' });
    expect(late.calls).toEqual([]);
    const next = failing();
    await expect(policy.run(next.work, { classify, breaker })).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('retries provider failures with exponential backoff and full jitter', async () => {
    const clock = fakeClock(0.5);
    const policy = new RetryPolicy(options, clock);
    const { work, calls } = failing(new Failure(500), new Failure(503), new Failure(500));
    await expect(policy.run(work, { classify })).resolves.toBe('ok');
    expect(calls).toEqual([1, 2, 3, 4]);
    // Half of 100, 200, 400 (random 0.5 of each step).
    expect(clock.waits).toEqual([50, 100, 200]);
  });

  it('caps each step at maxDelayMs', () => {
    const policy = new RetryPolicy({ ...options, maxDelayMs: 300 }, fakeClock(0.999));
    expect([1, 2, 3, 4, 5].map((attempt) => policy.backoff(attempt))).toEqual([100, 200, 300, 300, 300]);
  });

  it('waits what Retry-After asks instead of its own backoff', async () => {
    const clock = fakeClock();
    const { work } = failing(new Failure(429, 1_500));
    await expect(new RetryPolicy(options, clock).run(work, { classify })).resolves.toBe('ok');
    expect(clock.waits).toEqual([1_500]);
  });

  it('rethrows an answer that stands at once, without retrying', async () => {
    const clock = fakeClock();
    const { work, calls } = failing(new Failure(409));
    await expect(new RetryPolicy(options, clock).run(work, { classify })).rejects.toMatchObject({ status: 409 });
    expect(calls).toEqual([1]);
    expect(clock.waits).toEqual([]);
  });

  it('gives up as unavailable after maxAttempts, keeping the last failure as the cause', async () => {
    const { work, calls } = failing(...Array.from({ length: 10 }, () => new Failure(500)));
    const error = await new RetryPolicy(options, fakeClock())
      .run(work, { classify, provider: 'google' })
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProviderUnavailable);
    expect(error).toMatchObject({
      code: 'unavailable',
      reason: 'attempts_exhausted',
      attempts: 4,
      details: { provider: 'google' },
    });
    expect((error as ProviderUnavailable).cause).toMatchObject({ status: 500 });
    expect(calls).toHaveLength(4);
  });

  it('gives up early rather than wait past its budget for a Retry-After', async () => {
    const clock = fakeClock();
    const { work, calls } = failing(new Failure(429, 60_000));
    const error = await new RetryPolicy(options, clock).run(work, { classify }).catch((e) => e);
    expect(error).toMatchObject({ code: 'unavailable', reason: 'throttled', retryAfterMs: 60_000 });
    expect(calls).toEqual([1]);
    expect(clock.waits).toEqual([]);
  });

  it('stays within the call budget, shorter than the policy one', async () => {
    const clock = fakeClock(0.999);
    const started = clock.now();
    const { work } = failing(...Array.from({ length: 10 }, () => new Failure(500)));
    const error = await new RetryPolicy({ ...options, maxAttempts: 50 }, clock)
      .run(work, { classify, budgetMs: 700 })
      .catch((e) => e);
    expect(error).toMatchObject({ reason: 'budget_exhausted' });
    expect(clock.now() - started).toBeLessThanOrEqual(700);
  });

  it('aborts an attempt that takes too long and retries it', async () => {
    const signals: AbortSignal[] = [];
    let attempts = 0;
    const work = (signal: AbortSignal) => {
      signals.push(signal);
      attempts += 1;
      return attempts === 1 ? new Promise<string>(() => undefined) : Promise.resolve('ok');
    };
    const policy = new RetryPolicy({ ...options, attemptTimeoutMs: 30, baseDelayMs: 1 });
    await expect(policy.run(work, { classify })).resolves.toBe('ok');
    expect(signals[0].aborted).toBe(true);
    expect(signals[1].aborted).toBe(false);
  });
});

describe('CircuitBreaker', () => {
  const breakerOptions = { failureThreshold: 3, openMs: 10_000 };

  it('opens after consecutive failures, refuses calls, then lets one probe through', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(breakerOptions, clock);
    breaker.failure();
    breaker.failure();
    expect(breaker.permit()).toEqual({ allowed: true });
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.permit()).toEqual({ allowed: false, until: clock.now() + 10_000 });
    void clock.sleep(10_000);
    expect(breaker.state).toBe('half_open');
    expect(breaker.permit()).toEqual({ allowed: true });
    expect(breaker.permit().allowed).toBe(false); // one probe at a time
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.permit()).toEqual({ allowed: true });
  });

  it('reopens when the probe fails', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(breakerOptions, clock);
    [1, 2, 3].forEach(() => breaker.failure());
    void clock.sleep(10_000);
    expect(breaker.permit().allowed).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
  });

  it('a success between failures resets the count', () => {
    const breaker = new CircuitBreaker(breakerOptions, fakeClock());
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
  });

  it('pauses the connection for a Retry-After without opening', () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(breakerOptions, clock);
    breaker.failure(2_000);
    expect(breaker.state).toBe('closed');
    expect(breaker.permit()).toEqual({ allowed: false, until: clock.now() + 2_000 });
    void clock.sleep(2_000);
    expect(breaker.permit()).toEqual({ allowed: true });
  });

  it('makes a call fail fast while open, and wait for a pause that ends within its budget', async () => {
    const clock = fakeClock();
    const breaker = new CircuitBreaker(breakerOptions, clock);
    const policy = new RetryPolicy(options, clock);
    [1, 2, 3].forEach(() => breaker.failure());
    const { work, calls } = failing();
    await expect(policy.run(work, { classify, breaker })).rejects.toMatchObject({
      code: 'unavailable',
      reason: 'circuit_open',
    });
    expect(calls).toEqual([]);

    const paused = new CircuitBreaker(breakerOptions, clock);
    paused.failure(1_000);
    await expect(policy.run(work, { classify, breaker: paused })).resolves.toBe('ok');
    expect(clock.waits.at(-1)).toBe(1_000);
  });

  it('keeps one breaker per key', () => {
    const breakers = new CircuitBreakers(breakerOptions, fakeClock());
    expect(breakers.for('a')).toBe(breakers.for('a'));
    expect(breakers.for('a')).not.toBe(breakers.for('b'));
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds, fractional seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('1.5')).toBe(1_500);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('RetryPolicy metrics', () => {
  const text = () => prometheusText();

  it('times every attempt per provider, operation and status', async () => {
    const policy = new RetryPolicy(options, fakeClock());
    const { work } = failing(new Failure(500), new Failure(429));
    await policy.run(work, { classify, provider: 'spec-a', operation: 'events.insert' });
    const gone = async () => {
      throw new Failure(404);
    };
    await expect(policy.run(gone, { classify, provider: 'spec-a', operation: 'events.get' })).rejects.toThrow(
      'status 404',
    );
    const attempts = async (labels: Record<string, string>) =>
      metricValue(await text(), 'provider_call_duration_count', { provider: 'spec-a', ...labels });
    expect(await attempts({ operation: 'events.insert', status: '500' })).toBe(1);
    expect(await attempts({ operation: 'events.insert', status: '429' })).toBe(1);
    expect(await attempts({ operation: 'events.insert', status: 'ok' })).toBe(1);
    expect(await attempts({ operation: 'events.get', status: '404' })).toBe(1);
  });

  it('calls an attempt past its timeout `timeout` and one without any answer `no_answer`', async () => {
    const policy = new RetryPolicy({ ...options, maxAttempts: 1, attemptTimeoutMs: 5 });
    const stalled = () => new Promise<string>(() => undefined);
    await expect(policy.run(stalled, { classify, provider: 'spec-b', operation: 'op' })).rejects.toBeInstanceOf(
      ProviderUnavailable,
    );
    const reset = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(
      policy.run(reset, { classify: () => ({ retry: true }), provider: 'spec-b', operation: 'op' }),
    ).rejects.toBeInstanceOf(ProviderUnavailable);
    expect(metricValue(await text(), 'provider_call_duration_count', { provider: 'spec-b', status: 'timeout' })).toBe(
      1,
    );
    expect(metricValue(await text(), 'provider_call_duration_count', { provider: 'spec-b', status: 'no_answer' })).toBe(
      1,
    );
  });

  it('counts the breakers open per provider, each once, until a success closes them', async () => {
    const clock = fakeClock();
    const policy = new RetryPolicy({ ...options, maxAttempts: 1 }, clock);
    const breakers = new CircuitBreakers({ failureThreshold: 2, openMs: 1_000 }, clock);
    const open = async () => metricValue(await text(), 'provider_breakers_open', { provider: 'spec-c' });
    const call = (key: string, ...failures: Failure[]) =>
      policy
        .run(failing(...failures).work, { classify, provider: 'spec-c', operation: 'op', breaker: breakers.for(key) })
        .catch(() => 'failed');
    for (let i = 0; i < 3; i++) await call('one', new Failure(500));
    await call('two', new Failure(500));
    await call('two', new Failure(500));
    expect(await open()).toBe(2);
    await clock.sleep(1_000);
    await call('one');
    expect(await open()).toBe(1);
  });
});
