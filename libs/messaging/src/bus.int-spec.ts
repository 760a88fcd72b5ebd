import { randomUUID } from 'node:crypto';
import { Broadcasts, healthRpc, RpcError, type Broadcast, type Rpc } from '@calldesk/contracts';
import { testNatsUrl } from '@calldesk/testing';
import { connect, type NatsConnection } from 'nats';
import { Bus, Decline } from './bus';

const health = healthRpc('booking');
// A private subject per test, so that nothing else on the shared NATS server answers it.
const privateRpc = (): Rpc<typeof health.request, typeof health.response> => ({
  ...health,
  subject: `test.${randomUUID()}.health`,
});
const answer = { service: 'booking', ok: true, instance: 'x', dependencies: [] };

describe('Bus (real NATS)', () => {
  let url: string;
  let raw: NatsConnection;
  const buses: Bus[] = [];
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const bus = async (service = 'booking', requestTimeoutMs = 2_000) => {
    const created = await Bus.connect({ url, service, requestTimeoutMs, logger: quiet });
    buses.push(created);
    return created;
  };
  const rawRequest = async (subject: string, body: string) =>
    JSON.parse(
      new TextDecoder().decode((await raw.request(subject, new TextEncoder().encode(body), { timeout: 2_000 })).data),
    );

  beforeAll(async () => {
    url = await testNatsUrl();
    raw = await connect({ servers: url });
  });
  afterAll(async () => {
    await Promise.all(buses.map((b) => b.drain()));
    await raw.close();
  });

  it('answers a plain NATS request with the JSON body, no envelope', async () => {
    const server = await bus();
    const rpc = privateRpc();
    server.serve(rpc, async (request) => ({ ...answer, instance: String(request.checkTimeoutMs) }));
    await server.connection.flush();
    expect(await rawRequest(rpc.subject, '{"checkTimeoutMs": 250}')).toEqual({ ...answer, instance: '250' });
  });

  it('answers a failure its classifier knows in contract terms, and anything else internal', async () => {
    const classifyError = (error: unknown) =>
      (error as { code?: string }).code === 'ECONNREFUSED'
        ? new RpcError('unavailable', 'the database is unavailable; retry')
        : undefined;
    const server = await Bus.connect({
      url,
      service: 'booking',
      requestTimeoutMs: 2_000,
      logger: quiet,
      classifyError,
    });
    buses.push(server);
    const down = privateRpc();
    server.serve(down, async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    const broken = privateRpc();
    server.serve(broken, async () => {
      throw new Error('a bug');
    });
    await server.connection.flush();
    expect(await rawRequest(down.subject, '{}')).toEqual({
      error: { code: 'unavailable', message: 'the database is unavailable; retry', details: {} },
    });
    expect((await rawRequest(broken.subject, '{}')).error).toMatchObject({
      code: 'internal',
      message: 'internal error',
    });
  });

  it('broadcasts to every instance that hears, each hearing it before any request sent after the reply', async () => {
    const topic: Broadcast<typeof Broadcasts.freshBusy.body> = {
      ...Broadcasts.freshBusy,
      subject: `test.${randomUUID()}.fresh`,
    };
    const [teller, ...listeners] = await Promise.all([bus('availability'), bus('availability'), bus('availability')]);
    // Each listener says what it has heard, on a subject of its own.
    const asks = listeners.map((listener) => {
      const heard: string[] = [];
      listener.hear(topic, (read) => {
        if (read.memberId === 'bad') throw new Error('a listener failing once keeps listening');
        heard.push(read.memberId);
      });
      const ask = privateRpc();
      listener.serve(ask, async () => ({ ...answer, instance: heard.join(',') }));
      return ask;
    });
    await Promise.all(listeners.map((listener) => listener.connection.flush()));
    const rpc = privateRpc();
    teller.serve(rpc, async () => {
      for (const memberId of ['bad', 'm1', 'm2']) {
        teller.broadcast(topic, {
          tenantId: 't',
          memberId,
          provider: 'caldav',
          from: '2026-01-01T00:00:00Z',
          to: '2026-01-02T00:00:00Z',
          busy: [],
        });
      }
      return answer;
    });
    await teller.connection.flush();
    const caller = await bus('booking');
    await caller.request(rpc, {});
    const heard = await Promise.all(asks.map(async (ask) => (await caller.request(ask, {})).instance));
    expect(heard).toEqual(['m1,m2', 'm1,m2']);
  });

  it('answers unparseable JSON and a wrong field type with invalid_argument', async () => {
    const server = await bus();
    const rpc = privateRpc();
    const handler = jest.fn(async () => answer);
    server.serve(rpc, handler);
    await server.connection.flush();
    expect(await rawRequest(rpc.subject, '{"checkTimeoutMs": ')).toEqual({
      error: { code: 'invalid_argument', message: 'the body is not valid JSON', details: {} },
    });
    expect(await rawRequest(rpc.subject, '{"checkTimeoutMs": "soon"}')).toEqual({
      error: {
        code: 'invalid_argument',
        message: 'checkTimeoutMs must be an integer from -2147483648 to 2147483647',
        details: { field: 'checkTimeoutMs' },
      },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('round-trips typed requests and turns error replies back into RpcError', async () => {
    const server = await bus();
    const client = await bus('gateway');
    const rpc = privateRpc();
    server.serve(rpc, async (request) => {
      if (request.checkTimeoutMs === 1)
        throw new RpcError('failed_precondition', 'calendar disconnected', { calendarId: 'c1' });
      if (request.checkTimeoutMs === 2) throw new Error('secret internals');
      return answer;
    });
    await server.connection.flush();
    await expect(client.request(rpc, {})).resolves.toMatchObject({ ok: true, service: 'booking' });
    await expect(client.request(rpc, { checkTimeoutMs: 1 })).rejects.toMatchObject({
      code: 'failed_precondition',
      message: 'calendar disconnected',
      details: { calendarId: 'c1' },
    });
    // An unexpected failure is internal, and its message does not leak to the caller.
    await expect(client.request(rpc, { checkTimeoutMs: 2 })).rejects.toMatchObject({
      code: 'internal',
      message: 'internal error',
    });
  });

  it('says unavailable when nobody serves a subject, and deadline_exceeded when the answer is late', async () => {
    const client = await bus('gateway', 200);
    await expect(client.request(privateRpc(), {})).rejects.toMatchObject({ code: 'unavailable' });
    const server = await bus();
    const slow = privateRpc();
    server.serve(slow, () => new Promise((resolve) => setTimeout(() => resolve(answer), 1_000)));
    await server.connection.flush();
    await expect(client.request(slow, {})).rejects.toMatchObject({ code: 'deadline_exceeded' });
  });

  it('sends no reply at all when a handler declines, so the owner of the request answers', async () => {
    const rpc = privateRpc();
    const google = await bus('connector-google');
    const caldav = await bus('connector-caldav');
    const handler = (owner: string) => async (request: { checkTimeoutMs?: number }) => {
      if (request.checkTimeoutMs !== (owner === 'google' ? 1 : 2)) throw new Decline();
      return { ...answer, instance: owner };
    };
    google.serve(rpc, handler('google'));
    caldav.serve(rpc, handler('caldav'));
    await Promise.all([google.connection.flush(), caldav.connection.flush()]);
    const client = await bus('gateway', 300);
    for (let i = 0; i < 10; i++) {
      await expect(client.request(rpc, { checkTimeoutMs: 1 })).resolves.toMatchObject({ instance: 'google' });
      await expect(client.request(rpc, { checkTimeoutMs: 2 })).resolves.toMatchObject({ instance: 'caldav' });
    }
    // Owned by nobody: nobody answers, not even with an error.
    await expect(client.request(rpc, { checkTimeoutMs: 3 })).rejects.toMatchObject({ code: 'deadline_exceeded' });
  });

  it('shares requests between instances of a queue group', async () => {
    const rpc = privateRpc();
    const a = await bus();
    const b = await bus();
    a.serve(rpc, async () => ({ ...answer, instance: 'a' }));
    b.serve(rpc, async () => ({ ...answer, instance: 'b' }));
    await Promise.all([a.connection.flush(), b.connection.flush()]);
    const client = await bus('gateway');
    const replies = await Promise.all(Array.from({ length: 100 }, () => client.request(rpc, {})));
    const byInstance = replies.reduce<Record<string, number>>(
      (counts, r) => ({ ...counts, [r.instance]: (counts[r.instance] ?? 0) + 1 }),
      {},
    );
    expect(byInstance.a + byInstance.b).toBe(100);
    expect(byInstance.a).toBeGreaterThan(10);
    expect(byInstance.b).toBeGreaterThan(10);
  });

  it('drains: requests in flight are answered, later ones go to the other instance', async () => {
    const rpc = privateRpc();
    const leaving = await Bus.connect({ url, service: 'booking', requestTimeoutMs: 2_000 });
    const staying = await bus();
    leaving.serve(
      rpc,
      () => new Promise((resolve) => setTimeout(() => resolve({ ...answer, instance: 'leaving' }), 300)),
    );
    staying.serve(
      rpc,
      () => new Promise((resolve) => setTimeout(() => resolve({ ...answer, instance: 'staying' }), 300)),
    );
    await Promise.all([leaving.connection.flush(), staying.connection.flush()]);
    const client = await bus('gateway', 5_000);
    const first = Array.from({ length: 40 }, () => client.request(rpc, {}));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drained = leaving.drain();
    const second = Array.from({ length: 40 }, () => client.request(rpc, {}));
    const replies = await Promise.all([...first, ...second]);
    await drained;
    expect(replies).toHaveLength(80);
    expect(replies.filter((r) => r.instance === 'leaving').length).toBeGreaterThan(0);
    expect(leaving.connection.isClosed()).toBe(true);
  });
});
