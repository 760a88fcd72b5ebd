import { SERVICES } from '@calldesk/contracts';
import { startOtlpReceiver, startSystem, waitFor, type OtlpReceiver, type RunningSystem } from '@calldesk/testing';
import { connect, type NatsConnection } from 'nats';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('the eight services, started as processes', () => {
  let system: RunningSystem;
  let otlp: OtlpReceiver;
  let nc: NatsConnection;
  const operator = () => ({ authorization: `Bearer ${system.operatorToken}` });
  const ask = async (subject: string, body: string) =>
    JSON.parse(decoder.decode((await nc.request(subject, encoder.encode(body), { timeout: 5_000 })).data));

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    system = await startSystem({ OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100' });
    nc = await connect({ servers: system.natsUrl });
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await system?.stop();
    await otlp?.stop();
  });

  it('answers a raw NATS client on every health subject', async () => {
    for (const service of SERVICES) {
      const health = await ask(`calendar.internal.${service}.health`, '{}');
      expect(health).toMatchObject({ service, ok: true });
      expect(health.dependencies).toEqual(
        expect.arrayContaining([
          { name: 'nats', ok: true },
          { name: 'postgres', ok: true },
        ]),
      );
    }
  });

  it('answers unparseable JSON and a wrong field type with invalid_argument on every service', async () => {
    for (const service of SERVICES) {
      const subject = `calendar.internal.${service}.health`;
      expect((await ask(subject, 'not json')).error).toMatchObject({ code: 'invalid_argument' });
      expect((await ask(subject, '{"checkTimeoutMs": "fast"}')).error).toMatchObject({
        code: 'invalid_argument',
        details: { field: 'checkTimeoutMs' },
      });
    }
  });

  it('reports its own readiness on /readyz, every service on /v1/status for the operator, and life on /healthz', async () => {
    const ready = await fetch(`${system.gatewayUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).dependencies.map((d: { name: string }) => d.name).sort()).toEqual(['nats', 'postgres']);
    const status = await fetch(`${system.gatewayUrl}/v1/status`, { headers: operator() });
    expect(status.status).toBe(200);
    const body = await status.json();
    expect(body.ok).toBe(true);
    expect(body.services.map((s: { service: string }) => s.service).sort()).toEqual([...SERVICES].sort());
    expect((await fetch(`${system.gatewayUrl}/v1/status`)).status).toBe(401);
    expect((await fetch(`${system.gatewayUrl}/healthz`)).status).toBe(200);
  });

  it('traces GET /v1/status as one trace from the gateway through NATS into each service and its database', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await fetch(`${system.gatewayUrl}/v1/status?code=s3cr3t-oauth-code`, {
      headers: { ...operator(), traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);
    const inTrace = (spans: ReturnType<OtlpReceiver['spans']>) => spans.filter((s) => s.traceId === traceId);
    const spans = inTrace(
      await otlp.waitForSpans((all) => {
        const services = new Set(
          inTrace(all)
            .filter((s) => s.kind === 'SERVER' && s.name.endsWith('.health process'))
            .map((s) => s.serviceName),
        );
        const httpServer = inTrace(all).some(
          (s) => s.serviceName === 'gateway' && s.kind === 'SERVER' && s.name === 'GET /v1/status',
        );
        return httpServer && services.size === SERVICES.length;
      }, 15_000),
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const httpServer = spans.find(
      (s) => s.serviceName === 'gateway' && s.kind === 'SERVER' && s.parentSpanId === '00f067aa0ba902b7',
    );
    expect(httpServer).toBeDefined();
    for (const service of SERVICES) {
      const processSpan = spans.find(
        (s) => s.serviceName === service && s.name === `calendar.internal.${service}.health process`,
      )!;
      const requestSpan = byId.get(processSpan.parentSpanId!)!;
      // The parent lives in another process: the gateway's NATS request span, itself under GET /v1/status.
      expect(requestSpan).toMatchObject({
        serviceName: 'gateway',
        kind: 'CLIENT',
        name: `calendar.internal.${service}.health request`,
      });
      expect(requestSpan.parentSpanId).toBe(httpServer!.spanId);
    }
    // Query strings (OAuth codes arrive that way) never reach a span.
    expect(JSON.stringify(spans)).not.toContain('s3cr3t-oauth-code');
    await otlp.waitForSpans(
      (all) => inTrace(all).some((s) => s.serviceName === 'booking' && s.attributes['db.system'] === 'postgresql'),
      5_000,
    );
    const query = inTrace(otlp.spans()).find(
      (s) => s.serviceName === 'booking' && s.attributes['db.system'] === 'postgresql',
    )!;
    expect(
      byId.get(query.parentSpanId!)?.name ?? inTrace(otlp.spans()).find((s) => s.spanId === query.parentSpanId)?.name,
    ).toBe('calendar.internal.booking.health process');
  });

  it('shares requests between two instances and loses none when one is stopped mid-stream', async () => {
    const second = await system.startInstance('booking');
    await waitFor(async () => (await ask('calendar.internal.booking.health', '{}')).instance === String(second.pid), {
      timeoutMs: 30_000,
    });
    const instances = new Set<string>();
    const replies: Promise<unknown>[] = [];
    let stopped: Promise<{ code: number | null }> | undefined;
    // Each check may take its longest: a burst of 400 on a busy machine queues for Postgres
    // connections, while a database closed too early by the stopping instance still fails at once.
    for (let i = 0; i < 400; i++) {
      replies.push(
        ask('calendar.internal.booking.health', '{"checkTimeoutMs":10000}').then((health) => {
          instances.add(health.instance);
          return health;
        }),
      );
      if (i === 150) stopped = second.stop('SIGTERM');
      if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const answered = await Promise.all(replies);
    expect(answered).toHaveLength(400);
    expect(answered.every((health) => (health as { ok: boolean }).ok)).toBe(true);
    expect(instances.size).toBe(2);
    expect((await stopped!).code).toBe(0);
    // Starting a second instance alone can take longer than jest's default 5 s on a busy machine.
  }, 60_000);

  it('stays ready with connector-microsoft stopped, and tells the operator which service is down', async () => {
    expect((await system.processes.get('connector-microsoft')!.stop('SIGTERM')).code).toBe(0);
    expect((await fetch(`${system.gatewayUrl}/readyz`)).status).toBe(200);
    const status = await fetch(`${system.gatewayUrl}/v1/status`, { headers: operator() });
    expect(status.status).toBe(503);
    const down = (await status.json()).services.filter((s: { ok: boolean }) => !s.ok);
    expect(down).toEqual([expect.objectContaining({ service: 'connector-microsoft' })]);
  });
});
