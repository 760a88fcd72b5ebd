import { randomUUID } from 'node:crypto';
import { Rpcs } from '@calldesk/contracts';
import { startTelemetry } from '@calldesk/telemetry';
import {
  at,
  startInProcessHttpService,
  startStack,
  waitFor,
  ZONE,
  type InProcessHttpService,
  type Stack,
} from '@calldesk/testing';

const OPERATOR = `op-${'x'.repeat(40)}`;
const telemetry = startTelemetry('gateway-api-int');

describe('the gateway HTTP API over the real services', () => {
  let stack: Stack;
  let gateway: InProcessHttpService;

  beforeAll(async () => {
    stack = await startStack(1);
    gateway = await startInProcessHttpService({
      service: 'gateway',
      databaseUrl: stack.database.url,
      env: { GATEWAY_ADMIN_TOKEN: OPERATOR },
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await stack?.stop();
    await telemetry.shutdown();
  }, 30_000);

  const call = async (
    method: string,
    path: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  /** A tenant set up through the API alone, but for the calendar connection (the test connector's). */
  async function tenantWithMember() {
    const { body: created } = await call('POST', '/v1/tenants', OPERATOR, {
      name: `t-${randomUUID()}`,
      timeZone: ZONE,
    });
    const tenantId = created.tenant.id;
    const { body: key } = await call('POST', `/v1/tenants/${tenantId}/api-keys`, OPERATOR, { name: 'front desk' });
    const { body: member } = await call('POST', '/v1/members', key.key, { name: 'Sam' });
    const memberId = member.member.id;
    await stack.connector.connect(tenantId, memberId);
    const weeklyHours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
    expect((await call('PUT', `/v1/members/${memberId}/availability`, key.key, { weeklyHours })).status).toBe(200);
    const { body: service } = await call('POST', '/v1/services', key.key, {
      name: 'Consultation',
      durationMinutes: 30,
      memberIds: [memberId],
      strategy: 'round_robin',
    });
    const serviceId = service.service.id;
    const slots = () =>
      call(
        'GET',
        `/v1/slots?serviceId=${serviceId}&from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(23))}&limit=5`,
        key.key,
      );
    await waitFor(async () => (await slots()).body.slots?.length > 0, { timeoutMs: 5_000 });
    return { tenantId, key: key.key as string, keyId: key.id as string, memberId, serviceId, slots };
  }

  it('keeps operator routes for the operator', async () => {
    expect((await call('POST', '/v1/tenants', 'wrong', { name: 'x', timeZone: ZONE })).status).toBe(401);
    expect((await fetch(`${gateway.url}/v1/tenant`)).status).toBe(401);
  });

  it('serves its metrics for Prometheus at /metrics, without a key', async () => {
    expect((await call('POST', '/v1/tenants', OPERATOR, { name: `t-${randomUUID()}`, timeZone: ZONE })).status).toBe(
      201,
    );
    const scrape = await fetch(`${gateway.url}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await scrape.text()).toMatch(
      /^rpc_client_duration_count\{subject="calendar\.v1\.admin\.tenants\.create",error_code="ok",[^}]*\} [1-9]/m,
    );
  });

  it('is ready on its own NATS and Postgres while connector-microsoft is away, books all the same, and tells the operator', async () => {
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { dependencies: unknown }).dependencies).toEqual([
      { name: 'nats', ok: true },
      { name: 'postgres', ok: true },
    ]);
    const status = await call('GET', '/v1/status', OPERATOR);
    expect(status.status).toBe(503);
    expect(status.body.services.find((s: { service: string }) => s.service === 'connector-microsoft')).toMatchObject({
      ok: false,
    });
    // The test connector stands for Google and CalDAV.
    const t = await tenantWithMember();
    const booked = await call(
      'POST',
      '/v1/bookings',
      t.key,
      { serviceId: t.serviceId, start: at(14), customer: { name: 'Ana', phone: '+14155550123' } },
      { 'idempotency-key': 'no-microsoft' },
    );
    expect(booked.status).toBe(201);
  });

  it('finds slots and books, with idempotency and conflicts answered as HTTP statuses', async () => {
    const t = await tenantWithMember();
    const { body: found } = await t.slots();
    expect(found.slots[0]).toMatchObject({ start: at(9), memberId: t.memberId });
    const booking = { serviceId: t.serviceId, start: at(10), customer: { name: 'Ana', phone: '+14155550123' } };
    expect((await call('POST', '/v1/bookings', t.key, booking)).body.error.details.field).toBe('Idempotency-Key');
    const created = await call('POST', '/v1/bookings', t.key, booking, { 'idempotency-key': 'call-1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      outcome: 'confirmed',
      booking: { status: 'confirmed', tenantId: t.tenantId },
    });
    expect(await call('POST', '/v1/bookings', t.key, booking, { 'idempotency-key': 'call-1' })).toEqual(created);
    const taken = await call('POST', '/v1/bookings', t.key, booking, { 'idempotency-key': 'call-2' });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ outcome: 'conflict', reason: 'slot_taken' });
    expect(taken.body.alternatives.length).toBeGreaterThan(0);
    const id = created.body.booking.id;
    expect((await call('GET', `/v1/bookings/${id}`, t.key)).body.booking.id).toBe(id);
    const cancelled = await call('POST', `/v1/bookings/${id}/cancel`, t.key, { reason: 'customer asked' });
    expect(cancelled.body.booking).toMatchObject({ status: 'cancelled', cancelReason: 'customer asked' });
  });

  it('answers bad input with 400 naming the field, and keeps tenants apart', async () => {
    const a = await tenantWithMember();
    const b = await tenantWithMember();
    const bad = await call(
      'POST',
      '/v1/bookings',
      a.key,
      { serviceId: a.serviceId, start: 'soon', customer: { name: 'A', phone: '+14155550123' } },
      { 'idempotency-key': 'k' },
    );
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_argument', details: { field: 'start' } } },
    });
    expect((await call('GET', `/v1/members/${a.memberId}`, b.key)).status).toBe(404);
    expect((await call('POST', '/v1/members', b.key, { tenantId: a.tenantId, name: 'Mallory' })).status).toBe(403);
    expect((await call('DELETE', `/v1/tenants/${a.tenantId}/api-keys/${a.keyId}`, OPERATOR)).status).toBe(204);
    expect((await call('GET', '/v1/tenant', a.key)).status).toBe(401);
  });

  it('refuses control characters in text on NATS and HTTP alike, naming the field; notes may break lines', async () => {
    const t = await tenantWithMember();
    const injected = {
      serviceId: t.serviceId,
      start: at(12),
      customer: { name: 'Ana\rX-INJECTED:1', phone: '+14155550123' },
    };
    const refused = { code: 'invalid_argument', details: { field: 'customer.name' } };
    expect(await call('POST', '/v1/bookings', t.key, injected, { 'idempotency-key': 'cr-1' })).toMatchObject({
      status: 400,
      body: { error: refused },
    });
    const overNats = await stack.client.connection.request(
      Rpcs.bookingsCreate.subject,
      new TextEncoder().encode(JSON.stringify({ ...injected, tenantId: t.tenantId, idempotencyKey: 'cr-2' })),
      { timeout: 5_000 },
    );
    expect(JSON.parse(new TextDecoder().decode(overNats.data)).error).toMatchObject(refused);
    expect(
      (await call('PATCH', `/v1/members/${t.memberId}`, t.key, { name: 'Sam\u0000' })).body.error.details.field,
    ).toBe('name');
    const noted = await call(
      'POST',
      '/v1/bookings',
      t.key,
      { ...injected, customer: { name: 'Ana', phone: '+14155550123' }, notes: 'Allergic to latex.\n\tBring the form.' },
      { 'idempotency-key': 'lf-1' },
    );
    expect(noted.status).toBe(201);
    expect(noted.body.booking.notes).toBe('Allergic to latex.\n\tBring the form.');
  });

  it('streams the tenant’s own events to the dashboard as they happen', async () => {
    const t = await tenantWithMember();
    const other = await tenantWithMember();
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/events`, {
      headers: { authorization: `Bearer ${t.key}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let received = '';
    const reading = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received += new TextDecoder().decode(value);
      }
    })().catch(() => undefined);
    await call(
      'POST',
      '/v1/bookings',
      other.key,
      { serviceId: other.serviceId, start: at(11), customer: { name: 'B', phone: '+14155550124' } },
      { 'idempotency-key': 'o-1' },
    );
    const mine = await call(
      'POST',
      '/v1/bookings',
      t.key,
      { serviceId: t.serviceId, start: at(11), customer: { name: 'A', phone: '+14155550123' } },
      { 'idempotency-key': 'm-1' },
    );
    await waitFor(() => received.includes(mine.body.booking.id), { timeoutMs: 5_000 });
    expect(received).toContain('event: booking.confirmed');
    expect(received).not.toContain(other.tenantId);
    controller.abort();
    await reading;
  });
});
