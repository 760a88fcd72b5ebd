import { randomBytes, randomUUID } from 'node:crypto';
import { connectorRpcs, type ServiceName } from '@calldesk/contracts';
import {
  FakeGoogle,
  metricValue,
  startFakeMessageProviders,
  startOtlpReceiver,
  startSystem,
  waitFor,
  type FakeMessageProviders,
  type OtlpReceiver,
  type ReceivedSpan,
  type RunningSystem,
} from '@calldesk/testing';
import { DateTime } from 'luxon';
import { connect, type NatsConnection } from 'nats';

const ZONE = 'Europe/London';
/** The next weekday at least two days ahead: clear of any minimum notice. */
const DAY = (() => {
  let day = DateTime.now().setZone(ZONE).startOf('day').plus({ days: 2 });
  while (day.weekday > 5) day = day.plus({ days: 1 });
  return day;
})();
const at = (hour: number) => DAY.set({ hour }).toISO({ suppressMilliseconds: true })!;
const customer = { name: 'Ana', phone: '+14155550123' };
const encoder = new TextEncoder();

interface Team {
  tenantId: string;
  key: string;
  memberId: string;
  serviceId: string;
  email: string;
}

/**
 * What an SRE sees of the whole system as processes, with the fake Google as the provider: one
 * trace per booking from the gateway to the provider and on to notifications, and the metrics
 * each service serves for Prometheus.
 */
describe('observability of the eight services, started as processes', () => {
  let otlp: OtlpReceiver;
  let google: FakeGoogle;
  let messages: FakeMessageProviders;
  let system: RunningSystem;
  let nc: NatsConnection;
  let teamsMade = 0;

  const api = async (
    method: string,
    route: string,
    token: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${system.gatewayUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const book = (team: Team, hour: number, headers: Record<string, string> = {}) =>
    api(
      'POST',
      '/v1/bookings',
      team.key,
      { serviceId: team.serviceId, start: at(hour), customer },
      { 'idempotency-key': randomUUID(), ...headers },
    );
  const metrics = async (service: ServiceName) => (await fetch(system.metricsUrl(service))).text();

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    google = await FakeGoogle.start({ allowInsecureWebhooks: true });
    messages = await startFakeMessageProviders();
    system = await startSystem({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      CREDENTIALS_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      OAUTH_STATE_SECRET: randomBytes(24).toString('base64url'),
      GOOGLE_CLIENT_ID: google.clientId,
      GOOGLE_CLIENT_SECRET: google.clientSecret,
      GOOGLE_AUTH_URL: google.oauthEndpoints.oauth2AuthBaseUrl,
      GOOGLE_TOKEN_URL: google.oauthEndpoints.oauth2TokenUrl,
      GOOGLE_REVOKE_URL: google.oauthEndpoints.oauth2RevokeUrl,
      GOOGLE_API_ROOT_URL: `${google.url}/`,
      PROVIDER_BACKOFF_MS: '50',
      SMS_API_URL: messages.smsUrl,
      EMAIL_API_URL: messages.emailUrl,
    });
    nc = await connect({ servers: system.natsUrl });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    await google?.close();
    await messages?.stop();
    await otlp?.stop();
  });

  /** A tenant with one member open 9 to 5 on weekdays, a one-hour service, and the member's Google calendar connected. */
  async function team(): Promise<Team> {
    const operator = system.operatorToken;
    const { body: created } = await api('POST', '/v1/tenants', operator, { name: `t-${randomUUID()}`, timeZone: ZONE });
    const tenantId = created.tenant.id;
    const { body: issued } = await api('POST', `/v1/tenants/${tenantId}/api-keys`, operator, { name: 'front desk' });
    const key: string = issued.key;
    const { body: member } = await api('POST', '/v1/members', key, { name: 'Dana' });
    const memberId = member.member.id;
    const weeklyHours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
    expect((await api('PUT', `/v1/members/${memberId}/availability`, key, { weeklyHours })).status).toBe(200);
    const { body: service } = await api('POST', '/v1/services', key, {
      name: 'Consultation',
      durationMinutes: 60,
      memberIds: [memberId],
      strategy: 'round_robin',
    });
    const email = `${randomUUID().slice(0, 8)}@example.com`;
    google.addAccount(email, ZONE);
    const { body: authorize } = await api('POST', '/v1/connections/authorize', key, { memberId, provider: 'google' });
    google.consent = { account: email };
    const consent = await fetch(authorize.authorizationUrl, { redirect: 'manual' });
    expect((await fetch(consent.headers.get('location')!)).status).toBe(200);
    const slots = () =>
      api(
        'GET',
        `/v1/slots?serviceId=${service.service.id}&from=${encodeURIComponent(at(0))}&to=${encodeURIComponent(at(23))}&limit=5`,
        key,
      );
    await waitFor(async () => (await slots()).body.slots?.length > 0, { timeoutMs: 15_000 });
    teamsMade++;
    return { tenantId, key, memberId, serviceId: service.service.id, email };
  }

  it('traces each of two concurrent bookings on its own, from the gateway through routing, availability, the connector and Google to the outbox and notifications', async () => {
    const teams = [await team(), await team()];
    const traceIds = teams.map(() => randomBytes(16).toString('hex'));
    const replies = await Promise.all(
      teams.map((t, i) => book(t, 10, { traceparent: `00-${traceIds[i]}-${randomBytes(8).toString('hex')}-01` })),
    );
    expect(replies.map((reply) => reply.status)).toEqual([201, 201]);
    const bookingIds: string[] = replies.map((reply) => reply.body.booking.id);

    const inTrace = (spans: ReceivedSpan[], traceId: string) => spans.filter((span) => span.traceId === traceId);
    const steps = (spans: ReceivedSpan[]) => ({
      gateway: spans.find(
        (s) => s.serviceName === 'gateway' && s.kind === 'SERVER' && s.attributes['http.route'] === '/v1/bookings',
      ),
      booking: spans.find((s) => s.serviceName === 'booking' && s.name === 'calendar.v1.bookings.create process'),
      routing: spans.find((s) => s.serviceName === 'routing' && s.kind === 'SERVER'),
      availability: spans.find((s) => s.serviceName === 'availability' && s.kind === 'SERVER'),
      connector: spans.find(
        (s) =>
          s.serviceName === 'connector-google' && s.name === `${connectorRpcs('google').createEvent.subject} process`,
      ),
      providerHttp: spans.find(
        (s) =>
          s.serviceName === 'connector-google' &&
          s.kind === 'CLIENT' &&
          s.attributes['url.full'] === google.url &&
          s.name === 'POST',
      ),
      outboxPublish: spans.find(
        (s) => s.serviceName === 'booking' && s.kind === 'PRODUCER' && s.name.startsWith('calendar.v1.events.booking.'),
      ),
      notifications: spans.find((s) => s.serviceName === 'notifications' && s.kind === 'CONSUMER'),
    });
    const missing = (spans: ReceivedSpan[]) =>
      Object.entries(steps(spans))
        .filter(([, span]) => !span)
        .map(([step]) => step);
    await otlp
      .waitForSpans((all) => traceIds.every((traceId) => missing(inTrace(all, traceId)).length === 0), 30_000)
      .catch(() => {
        const gaps = traceIds.map((traceId) => `${traceId}: ${missing(inTrace(otlp.spans(), traceId)).join(', ')}`);
        throw new Error(`traces without every step after 30 s (missing per trace):\n${gaps.join('\n')}`);
      });

    for (const [i, traceId] of traceIds.entries()) {
      const spans = inTrace(otlp.spans(), traceId);
      const found = steps(spans);
      expect(found.gateway!.name).toBe('POST /v1/bookings');
      expect(found.booking!.attributes['calldesk.booking.outcome']).toBe('confirmed');
      expect(found.providerHttp!.attributes['url.path']).toBe('redacted');
      expect(found.outboxPublish!.attributes['messaging.message.id']).toMatch(new RegExp(`^booking:${bookingIds[i]}:`));
      // Nothing of the other booking: no span names its booking, member or tenant.
      const other = teams[1 - i];
      const ids = spans.flatMap((span) => [
        span.attributes['calldesk.booking_id'],
        span.attributes['calldesk.member_id'],
        span.attributes['calldesk.tenant_id'],
      ]);
      expect(ids).not.toContain(bookingIds[1 - i]);
      expect(ids).not.toContain(other.memberId);
      expect(ids).not.toContain(other.tenantId);
      expect(
        spans.filter((span) => span.kind === 'PRODUCER').map((span) => span.attributes['messaging.message.id']),
      ).not.toContainEqual(expect.stringContaining(bookingIds[1 - i]));
    }
  }, 120_000);

  it('counts what a scripted run did (bookings, a conflict, a provider 500, a dead grant) in each service’s Prometheus text', async () => {
    const [a, b] = [await team(), await team()];
    const services: ServiceName[] = ['gateway', 'booking', 'connector-google', 'availability'];
    const before = new Map(
      await Promise.all(services.map(async (service) => [service, await metrics(service)] as const)),
    );
    const count = (text: string, name: string, labels: Record<string, string>) => metricValue(text, name, labels) ?? 0;
    /** How much a series grew during the run (counters and histogram counts). */
    const delta = async (service: ServiceName, name: string, labels: Record<string, string> = {}) =>
      count(await metrics(service), name, labels) - count(before.get(service)!, name, labels);
    const bookingsCreate = { subject: 'calendar.v1.bookings.create' };

    expect((await book(a, 10)).status).toBe(201);
    expect((await book(b, 10)).status).toBe(201);
    const taken = await book(a, 10);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ outcome: 'conflict', reason: 'slot_taken' });
    google.inject({
      status: 500,
      times: 1,
      match: (request) => request.method === 'POST' && request.path.endsWith('/events'),
    });
    expect((await book(a, 12)).status).toBe(201);
    // b's grant dies: the next refresh is refused and the connection needs reauthorization.
    google.revokeGrants(b.email);
    google.expireAccessTokens();
    const busy = connectorRpcs('google').busy.subject;
    await nc.request(
      busy,
      encoder.encode(
        JSON.stringify({ tenantId: b.tenantId, memberId: b.memberId, from: at(0), to: at(23), fresh: true }),
      ),
      { timeout: 10_000 },
    );

    expect(await delta('booking', 'booking_outcomes_total', { outcome: 'confirmed' })).toBe(3);
    expect(await delta('booking', 'booking_outcomes_total', { outcome: 'conflict', reason: 'slot_taken' })).toBe(1);
    expect(await delta('booking', 'booking_create_duration_count')).toBe(4);
    expect(await delta('booking', 'rpc_server_duration_count', { ...bookingsCreate, error_code: 'ok' })).toBe(4);
    expect(await delta('gateway', 'rpc_client_duration_count', { ...bookingsCreate, error_code: 'ok' })).toBe(4);
    expect(
      await delta('connector-google', 'provider_call_duration_count', {
        provider: 'google',
        operation: 'events.insert',
        status: '500',
      }),
    ).toBe(1);
    expect(
      await delta('connector-google', 'provider_call_duration_count', {
        provider: 'google',
        operation: 'events.insert',
        status: 'ok',
      }),
    ).toBe(3);
    expect(
      await delta('connector-google', 'connector_token_refresh_failures_total', {
        provider: 'google',
        reason: 'auth_rejected',
      }),
    ).toBe(1);
    expect(
      await delta('availability', 'availability_live_check_duration_count', {
        provider: 'google',
        outcome: 'verified',
      }),
    ).toBe(3);
    // Each booking's event changed its calendar: availability dropped it from its cache.
    await waitFor(
      async () => (await delta('availability', 'availability_sync_lag_count', { provider: 'google' })) >= 3,
      { timeoutMs: 10_000 },
    );

    const connector = await metrics('connector-google');
    expect(metricValue(connector, 'connector_connections', { provider: 'google', status: 'needs_reauth' })).toBe(1);
    expect(metricValue(connector, 'connector_connections', { provider: 'google', status: 'connected' })).toBe(
      teamsMade - 1,
    );
    await waitFor(async () => metricValue(await metrics('booking'), 'outbox_backlog') === 0, { timeoutMs: 10_000 });
    await waitFor(async () => metricValue(await metrics('notifications'), 'events_consumer_pending') === 0, {
      timeoutMs: 10_000,
    });
  }, 120_000);
});
