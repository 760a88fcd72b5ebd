import { startTelemetry, withSpan } from '@calldesk/telemetry';
import { BookingOutcome_Outcome, Rpcs, RpcError } from '@calldesk/contracts';
import { at, customer, key, metricValue, startStack, team, waitFor, type Stack } from '@calldesk/testing';
import { SpanKind } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { OutboxRelay } from './outbox/outbox-relay';

const telemetry = startTelemetry('booking-observability-int', { inMemory: true });

describe('what SREs see of bookings: metrics and traces (real NATS, Postgres, test connector)', () => {
  let stack: Stack;
  let db: DataSource;

  beforeAll(async () => {
    stack = await startStack(1);
    db = stack.bookings[0].app.get(DataSource);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    await telemetry.shutdown();
  });

  const create = (body: Record<string, unknown>) => stack.client.request(Rpcs.bookingsCreate, body as never);
  const outboxDrained = () =>
    waitFor(
      async () =>
        (await db.query(`SELECT count(*)::int AS n FROM booking.outbox WHERE published_at IS NULL`))[0].n === 0,
    );

  it('counts outcomes, RPC durations per subject and error code, and the outbox backlog in the Prometheus text', async () => {
    const { tenantId, serviceId } = await team(stack, { size: 1 });
    expect((await create({ idempotencyKey: key(), tenantId, serviceId, start: at(10), customer })).outcome).toBe(
      BookingOutcome_Outcome.confirmed,
    );
    expect((await create({ idempotencyKey: key(), tenantId, serviceId, start: at(11), customer })).outcome).toBe(
      BookingOutcome_Outcome.confirmed,
    );
    expect((await create({ idempotencyKey: key(), tenantId, serviceId, start: at(10), customer })).outcome).toBe(
      BookingOutcome_Outcome.conflict,
    );
    stack.connector.beforeCreate = async () => {
      throw new RpcError('unavailable', 'the provider did not answer');
    };
    try {
      await expect(
        create({ idempotencyKey: key(), tenantId, serviceId, start: at(14), customer }),
      ).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      stack.connector.beforeCreate = undefined;
    }
    await outboxDrained();
    // The same question twice: the second is answered from the busy cache.
    for (let i = 0; i < 2; i++)
      await stack.client.request(Rpcs.slotsFind, { tenantId, serviceId, from: at(15), to: at(16) });

    // Each booking's event changed its calendar: availability dropped it from its cache.
    await waitFor(
      async () =>
        (metricValue(await telemetry.metrics.prometheusText(), 'availability_sync_lag_count', { provider: 'test' }) ??
          0) >= 2,
    );
    const text = await telemetry.metrics.prometheusText();
    const value = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, labels);
    expect(value('booking_outcomes_total', { outcome: 'confirmed' })).toBe(2);
    expect(value('booking_outcomes_total', { outcome: 'conflict', reason: 'slot_taken' })).toBe(1);
    expect(value('booking_outcomes_total', { outcome: 'unavailable' })).toBe(1);
    expect(value('rpc_server_duration_count', { subject: 'calendar.v1.bookings.create', error_code: 'ok' })).toBe(3);
    expect(
      value('rpc_server_duration_count', { subject: 'calendar.v1.bookings.create', error_code: 'unavailable' }),
    ).toBe(1);
    expect(value('rpc_client_duration_count', { subject: 'calendar.v1.bookings.create', error_code: 'ok' })).toBe(3);
    expect(
      value('rpc_client_duration_count', { subject: 'calendar.v1.bookings.create', error_code: 'unavailable' }),
    ).toBe(1);
    expect(value('booking_lock_wait_count', { contended: 'false' })).toBe(3);
    expect(value('availability_live_check_duration_count', { provider: 'test', outcome: 'verified' })).toBe(3);
    expect(value('availability_busy_cache_hits_total', { provider: 'test' })).toBeGreaterThanOrEqual(1);
    expect(value('availability_busy_cache_misses_total', { provider: 'test' })).toBeGreaterThanOrEqual(1);
    expect(value('outbox_backlog')).toBe(0);
    expect(value('outbox_oldest_age')).toBe(0);

    const creates = telemetry
      .memory!.getFinishedSpans()
      .filter((span) => span.name === 'calendar.v1.bookings.create process');
    const said = creates.map((span) => [
      span.attributes['calldesk.booking.outcome'],
      span.attributes['calldesk.booking.conflict_reason'],
    ]);
    expect(said.sort()).toEqual([
      ['confirmed', undefined],
      ['confirmed', undefined],
      ['conflict', 'slot_taken'],
      ['unavailable', undefined],
    ]);
  }, 60_000);

  it('publishes each booking event inside the trace of the booking that wrote it, not of the request that woke the relay', async () => {
    const teams = [await team(stack, { size: 1 }), await team(stack, { size: 1 })];
    telemetry.memory!.reset();
    // The relay sleeps through both bookings, so that neither of them is the one that wakes it.
    const relay = stack.bookings[0].app.get(OutboxRelay);
    const asleep = jest.spyOn(relay, 'wake').mockImplementation(() => undefined);
    const calls = await Promise.all(
      teams.map(({ tenantId, serviceId }) =>
        withSpan('caller', {}, async (span) => ({
          traceId: span.spanContext().traceId,
          reply: await create({ idempotencyKey: key(), tenantId, serviceId, start: at(12), customer }),
        })),
      ),
    );
    asleep.mockRestore();
    const waker = await withSpan('a later request', {}, async (span) => {
      relay.wake();
      return span.spanContext().traceId;
    });
    await outboxDrained();
    const publishes = () =>
      telemetry
        .memory!.getFinishedSpans()
        .filter((span) => span.kind === SpanKind.PRODUCER && span.name.startsWith('calendar.v1.events.booking.'));
    await waitFor(async () => publishes().length >= 2);
    expect(new Set([waker, ...calls.map((call) => call.traceId)]).size).toBe(3);
    for (const { traceId, reply } of calls) {
      const own = publishes().filter((span) =>
        String(span.attributes['messaging.message.id']).startsWith(`booking:${reply.booking!.id}:`),
      );
      expect(own).toHaveLength(1);
      expect(publishes().filter((span) => span.spanContext().traceId === traceId)).toEqual(own);
    }
    expect(publishes().filter((span) => span.spanContext().traceId === waker)).toEqual([]);
  }, 60_000);
});
