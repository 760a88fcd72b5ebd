import { randomUUID } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { STREAM } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { startTelemetry } from '@calldesk/telemetry';
import { metricValue, waitFor } from '@calldesk/testing';
import { startGateways, OPERATOR, type Gateways } from './gateway-under-test';

/** A dashboard reading its live stream, everything it was sent kept as text. */
interface Reader {
  status: number;
  text(): string;
  ended(): boolean;
  close(): void;
}

const telemetry = startTelemetry('live-events-int');

describe('live events', () => {
  let edge: Gateways;

  beforeAll(async () => {
    edge = await startGateways(1, { LIVE_EVENTS_DRAIN_TIMEOUT_MS: '1000', API_KEY_CACHE_TTL_MS: '1000' });
  }, 60_000);
  afterAll(async () => {
    await edge?.stop();
    await telemetry.shutdown();
  }, 30_000);

  async function read(key: string): Promise<Reader> {
    const controller = new AbortController();
    const response = await fetch(`${edge.gateways[0].url}/v1/events`, {
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
    let text = '';
    let ended = false;
    if (response.ok) {
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      })()
        .catch(() => undefined)
        .finally(() => (ended = true));
    } else {
      text = await response.text();
    }
    return { status: response.status, text: () => text, ended: () => ended, close: () => controller.abort() };
  }

  /** A calendar.changed event of the tenant, as a connector would publish it. */
  function publish(tenantId: string, extra: Record<string, unknown> = {}): string {
    const calendarId = randomUUID();
    const event = {
      tenantId,
      memberId: 'm',
      calendarId,
      provider: 'test',
      changedAt: new Date().toISOString(),
      ...extra,
    };
    edge.routing.bus.connection.publish(
      'calendar.v1.events.calendar.changed',
      new TextEncoder().encode(JSON.stringify(event)),
    );
    return calendarId;
  }

  /** Subscriptions of the gateway's NATS connection to the event stream's subjects (nats.js keeps them). */
  function eventSubscriptions(): number {
    const connection = edge.gateways[0].app.get(Bus).connection as unknown as {
      protocol: { subscriptions: { all(): { subject: string }[] } };
    };
    return connection.protocol.subscriptions.all().filter((subscription) => subscription.subject === STREAM.subjects)
      .length;
  }

  async function keysOfOneTenant(count: number): Promise<{ tenantId: string; keys: string[] }> {
    const first = await edge.tenantKey();
    const keys = [first.key];
    while (keys.length < count)
      keys.push(
        (await edge.call('POST', `/v1/tenants/${first.tenantId}/api-keys`, OPERATOR, { body: { name: 'desk' } })).body
          .key,
      );
    return { tenantId: first.tenantId, keys };
  }

  it('hands 500 streams of one tenant its events from one NATS subscription, and nobody else’s', async () => {
    const { tenantId, keys } = await keysOfOneTenant(25);
    const other = await edge.tenantKey();
    const readers = await Promise.all(Array.from({ length: 500 }, (_, i) => read(keys[i % keys.length])));
    const outsider = await read(other.key);
    try {
      expect(readers.every((reader) => reader.status === 200)).toBe(true);
      expect(eventSubscriptions()).toBe(1);
      const theirs = publish(other.tenantId);
      const ours = publish(tenantId);
      await waitFor(() => readers.every((reader) => reader.text().includes(ours)), { timeoutMs: 10_000 });
      expect(readers.filter((reader) => reader.text().includes(theirs))).toHaveLength(0);
      expect(readers[0].text()).toContain(`event: calendar.changed\ndata: {"tenantId":"${tenantId}"`);
      await waitFor(() => outsider.text().includes(theirs));
    } finally {
      for (const reader of [...readers, outsider]) reader.close();
    }
  }, 60_000);

  it('refuses a key more streams than it may hold (429), and takes new ones as others close', async () => {
    const { key } = await edge.tenantKey();
    const open = await Promise.all(Array.from({ length: 20 }, () => read(key)));
    const refused = await edge.call('GET', '/v1/events', key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.body.error).toMatchObject({ code: 'resource_exhausted', details: {} });
    open[0].close();
    await waitFor(async () => {
      const again = await read(key);
      again.close();
      return again.status === 200;
    });
    for (const reader of open) reader.close();
  });

  it('drops a client that stops reading, and keeps serving the others', async () => {
    const { tenantId, key } = await edge.tenantKey();
    const reader = await read(key);
    const stalled = await stalledClient(key);
    const padding = 'x'.repeat(32 * 1024);
    try {
      // About 10 MB: more than the kernel buffers of both ends and the 1 MiB the gateway keeps.
      for (let i = 0; i < 300; i++) {
        publish(tenantId, { padding });
        if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const last = publish(tenantId);
      await waitFor(() => reader.text().includes(last), { timeoutMs: 10_000 });
      // Past the drain timeout, the stalled client reads again: what was sent, then the end.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      stalled.socket.resume();
      await waitFor(() => stalled.closed(), { timeoutMs: 10_000 });
      expect(reader.ended()).toBe(false);
    } finally {
      reader.close();
      stalled.socket.destroy();
    }
  }, 60_000);

  it('closes the streams of a key revoked behind its back (no broadcast heard) within the cache TTL', async () => {
    const { keyId, key } = await edge.tenantKey();
    const other = await edge.tenantKey();
    const [doomed, kept] = [await read(key), await read(other.key)];
    await edge.database.query('UPDATE gateway.api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
    await waitFor(() => doomed.ended(), { timeoutMs: 3_000 });
    expect(kept.ended()).toBe(false);
    kept.close();
  });

  it('counts the streams open, each closed one once, whether the client left or was dropped', async () => {
    const open = async () => metricValue(await telemetry.metrics.prometheusText(), 'gateway_live_streams');
    // Streams of the tests before may still be closing.
    await waitFor(async () => (await open()) === 0, { timeoutMs: 5_000 });
    const { keyId, key } = await edge.tenantKey();
    const other = await edge.tenantKey();
    const readers = [await read(key), await read(key), await read(other.key)];
    await waitFor(async () => (await open()) === 3);
    readers[2].close();
    await waitFor(async () => (await open()) === 2);
    // Revoked: the gateway drops both, and their requests close after.
    await edge.database.query('UPDATE gateway.api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
    await waitFor(() => readers[0].ended() && readers[1].ended(), { timeoutMs: 3_000 });
    await waitFor(async () => (await open()) === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await open()).toBe(0);
  });

  /** A client that asks for its stream, reads the head, and then reads nothing more. */
  async function stalledClient(key: string): Promise<{ socket: Socket; closed(): boolean }> {
    const url = new URL(edge.gateways[0].url);
    const socket = connectTcp(Number(url.port), url.hostname);
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(`GET /v1/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${key}\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();
    return { socket, closed: () => closed };
  }
});
