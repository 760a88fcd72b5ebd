import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_STREAM, Events, RpcError, STREAM } from '@calldesk/contracts';
import { startTelemetry } from '@calldesk/telemetry';
import { metricValue, testNatsUrl, waitFor } from '@calldesk/testing';
import { connect, DiscardPolicy, nanos, type NatsConnection } from 'nats';
import { Bus } from './bus';
import { backoff } from './event-streams';

const changed = Events.calendarChanged;
const telemetry = startTelemetry('event-streams-int');

describe('EventStreams (real NATS JetStream)', () => {
  let bus: Bus;
  let raw: NatsConnection;
  const durables: string[] = [];
  // A private subject under the stream per test, so tests never see each other's events.
  const privateSource = () => ({ subject: `calendar.v1.events.test.${randomUUID()}`, body: changed.body });
  const durable = () => {
    const name = `test-${randomUUID()}`;
    durables.push(name);
    return name;
  };

  beforeAll(async () => {
    const url = await testNatsUrl();
    bus = await Bus.connect({
      url,
      service: 'notifications',
      requestTimeoutMs: 2_000,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    raw = await connect({ servers: url });
    await bus.events.ensureStreams();
  });
  afterAll(async () => {
    await bus.drain();
    const manager = await raw.jetstreamManager();
    for (const name of durables) await manager.consumers.delete(STREAM.name, name).catch(() => undefined);
    await raw.close();
    await telemetry.shutdown();
  });

  it('creates the streams idempotently', async () => {
    await bus.events.ensureStreams();
    const manager = await raw.jetstreamManager();
    expect((await manager.streams.info(STREAM.name)).config.subjects).toEqual([STREAM.subjects]);
    expect((await manager.streams.info(DEAD_LETTER_STREAM.name)).config.subjects).toEqual([
      DEAD_LETTER_STREAM.subjects,
    ]);
  });

  it('bounds both streams by age and size with the bus’s limits, the oldest events going first', async () => {
    const limits = {
      events: { maxAgeMs: 7 * 86_400_000, maxBytes: 2 ** 30 },
      deadLetters: { maxAgeMs: 30 * 86_400_000, maxBytes: 2 ** 28 },
    };
    const bounded = await Bus.connect({
      url: await testNatsUrl(),
      service: 'notifications',
      requestTimeoutMs: 2_000,
      streamLimits: limits,
    });
    try {
      await bounded.events.ensureStreams();
    } finally {
      await bounded.drain();
    }
    const manager = await raw.jetstreamManager();
    const events = (await manager.streams.info(STREAM.name)).config;
    expect(events).toMatchObject({
      max_age: nanos(limits.events.maxAgeMs),
      max_bytes: limits.events.maxBytes,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(3_600_000),
    });
    const deadLetters = (await manager.streams.info(DEAD_LETTER_STREAM.name)).config;
    expect(deadLetters).toMatchObject({
      max_age: nanos(limits.deadLetters.maxAgeMs),
      max_bytes: limits.deadLetters.maxBytes,
      discard: DiscardPolicy.Old,
    });
    // A bus without limits leaves them as they are.
    await bus.events.ensureStreams();
    expect((await manager.streams.info(STREAM.name)).config).toMatchObject({
      max_age: nanos(limits.events.maxAgeMs),
      max_bytes: limits.events.maxBytes,
    });
  });

  it('tells each delivery when the stream stored its event', async () => {
    const source = privateSource();
    const stored: number[] = [];
    const before = Date.now() * 1_000;
    await bus.events.publish(
      source,
      { tenantId: 't1', memberId: 'm1', calendarId: 'c1', provider: 'google', changedAt: '2026-11-25T10:00:00Z' },
      randomUUID(),
    );
    await bus.events.consume(source, { durable: durable() }, async (_event, delivery) => {
      stored.push(delivery.storedAtMicros);
    });
    await waitUntil(() => stored.length === 1);
    expect(stored[0]).toBeGreaterThanOrEqual(before - 1_000_000);
    expect(stored[0]).toBeLessThanOrEqual(Date.now() * 1_000 + 1_000_000);
  });

  it('consumes an event published twice with one Nats-Msg-Id once', async () => {
    const source = privateSource();
    const seen: string[] = [];
    const msgId = randomUUID();
    const body = {
      tenantId: 't1',
      memberId: 'm1',
      calendarId: 'c1',
      provider: 'google',
      changedAt: '2026-11-25T10:00:00Z',
    };
    expect(await bus.events.publish(source, body, msgId)).toEqual({ duplicate: false });
    expect(await bus.events.publish(source, body, msgId)).toEqual({ duplicate: true });
    await bus.events.publish(source, { ...body, calendarId: 'c2' }, randomUUID());
    await bus.events.consume(source, { durable: durable() }, async (event) => {
      seen.push(event.calendarId);
    });
    await waitUntil(() => seen.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toEqual(['c1', 'c2']);
  });

  it('makes a lost consumer again and resumes right after the last event it handled: nothing skipped, nothing twice', async () => {
    const source = privateSource();
    const name = durable();
    const seen: string[] = [];
    const body = (calendarId: string) => ({
      tenantId: 't1',
      memberId: 'm1',
      calendarId,
      provider: 'google',
      changedAt: '2026-11-25T10:00:00Z',
    });
    await bus.events.consume(
      source,
      { durable: name, instanceScoped: { inactiveThresholdMs: 60_000 } },
      async (event) => {
        seen.push(event.calendarId);
      },
    );
    await bus.events.publish(source, body('before'), randomUUID());
    await waitUntil(() => seen.length === 1);
    // As the server does to an instance's consumer after a long partition.
    const manager = await raw.jetstreamManager();
    // nats-server 2.9 may fail a delete racing the consumer's own state write ("directory not empty"): ask again.
    for (
      let attempt = 0;
      !(await manager.consumers.delete(STREAM.name, name).catch(() => false)) && attempt < 10;
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lostAt = Date.now();
    await bus.events.publish(source, body('while-lost-1'), randomUUID());
    await bus.events.publish(source, body('while-lost-2'), randomUUID());
    await waitUntil(() => seen.length === 3, 20_000);
    await bus.events.publish(source, body('after'), randomUUID());
    await waitUntil(() => seen.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toEqual(['before', 'while-lost-1', 'while-lost-2', 'after']);
    expect((await manager.consumers.info(STREAM.name, name)).name).toBe(name);
    process.stdout.write(`lost consumer answering again after ${Date.now() - lostAt} ms\n`);
  }, 30_000);

  it('redelivers a failing event with growing delays, then dead-letters it', async () => {
    const source = privateSource();
    const name = durable();
    const attempts: number[] = [];
    const times: number[] = [];
    await bus.events.consume(
      source,
      { durable: name, maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 2_000 },
      async (_event, delivery) => {
        attempts.push(delivery.attempt);
        times.push(Date.now());
        throw new Error('downstream refused');
      },
    );
    const deadLetters: { subject: string; original?: string; error?: string; body: string }[] = [];
    const subscription = raw.subscribe(`calendar.dead-letter.${name}`, {
      callback: (_error, msg) =>
        deadLetters.push({
          subject: msg.subject,
          original: msg.headers?.get('Calldesk-Original-Subject'),
          error: msg.headers?.get('Calldesk-Error'),
          body: new TextDecoder().decode(msg.data),
        }),
    });
    await bus.events.publish(source, { tenantId: 't1', calendarId: 'c9' }, randomUUID());
    await waitUntil(() => deadLetters.length === 1, 10_000);
    subscription.unsubscribe();
    expect(attempts).toEqual([1, 2, 3]);
    // Backoff: at least half of 200 ms, then at least half of 400 ms.
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(100);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(200);
    expect(deadLetters[0]).toMatchObject({ original: source.subject, error: 'downstream refused' });
    expect(JSON.parse(deadLetters[0].body)).toMatchObject({ calendarId: 'c9' });
    const metrics = await telemetry.metrics.prometheusText();
    expect(metrics).toMatch(new RegExp(`^events_redeliveries_total\\{consumer="${name}",[^}]*\\} 2$`, 'm'));
    expect(metrics).toMatch(
      new RegExp(`^events_dead_letters_total\\{consumer="${name}",cause="failed",[^}]*\\} 1$`, 'm'),
    );
  });

  it('redelivers an event while a dependency is unavailable, past its attempts, and never dead-letters it', async () => {
    const classifyError = (error: unknown) =>
      (error as { code?: string }).code === '57P03'
        ? new RpcError('unavailable', 'the database is unavailable')
        : undefined;
    const consumer = await Bus.connect({
      url: await testNatsUrl(),
      service: 'availability',
      requestTimeoutMs: 2_000,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      classifyError,
    });
    const source = privateSource();
    const name = durable();
    const attempts: number[] = [];
    const deadLetters: string[] = [];
    const subscription = raw.subscribe(`calendar.dead-letter.${name}`, {
      callback: (_error, msg) => deadLetters.push(msg.subject),
    });
    try {
      await consumer.events.consume(
        source,
        { durable: name, maxAttempts: 2, initialBackoffMs: 50, maxBackoffMs: 100 },
        async (_event, delivery) => {
          attempts.push(delivery.attempt);
          // The database in recovery for four attempts, then back; another service down for one more.
          if (attempts.length <= 4)
            throw Object.assign(new Error('the database system is in recovery mode'), { code: '57P03' });
          if (attempts.length === 5) throw new RpcError('unavailable', 'routing did not answer');
        },
      );
      await bus.events.publish(source, { tenantId: 't1', calendarId: 'c1' }, randomUUID());
      await waitUntil(() => attempts.length === 6, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(attempts).toEqual([1, 2, 3, 4, 5, 6]);
      expect(deadLetters).toEqual([]);
    } finally {
      subscription.unsubscribe();
      await consumer.drain();
    }
  });

  it('gives an instance-scoped consumer only the events published after it started', async () => {
    const source = privateSource();
    await bus.events.publish(source, { tenantId: 't1', calendarId: 'before' }, randomUUID());
    const seen: string[] = [];
    const name = durable();
    await bus.events.consume(
      source,
      { durable: name, instanceScoped: { inactiveThresholdMs: 60_000 } },
      async (event) => {
        seen.push(event.calendarId);
      },
    );
    await bus.events.publish(source, { tenantId: 't1', calendarId: 'after' }, randomUUID());
    await waitUntil(() => seen.length === 1);
    expect(seen).toEqual(['after']);
    const manager = await raw.jetstreamManager();
    expect((await manager.consumers.info(STREAM.name, name)).config.inactive_threshold).toBe(60_000 * 1_000_000);
  });

  it('reports the events a consumer has not settled yet, asked of the server at each scrape', async () => {
    const source = privateSource();
    const name = durable();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await bus.events.consume(source, { durable: name }, () => held);
    for (let i = 0; i < 3; i++) await bus.events.publish(source, { tenantId: 't1', calendarId: `c${i}` }, randomUUID());
    const pending = async () =>
      metricValue(await telemetry.metrics.prometheusText(), 'events_consumer_pending', { consumer: name });
    await waitFor(async () => (await pending()) === 3);
    release();
    await waitFor(async () => (await pending()) === 0);
  });

  it('backs off exponentially within bounds', () => {
    for (let attempt = 1; attempt < 10; attempt++) {
      const step = Math.min(1_000, 100 * 2 ** (attempt - 1));
      const delay = backoff(attempt, 100, 1_000);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
