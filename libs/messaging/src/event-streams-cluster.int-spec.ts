import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Events, STREAM } from '@calldesk/contracts';
import { NatsCluster } from '@calldesk/testing';
import type { JetStreamManager } from 'nats';
import { Bus } from './bus';
import type { ConsumeOptions } from './event-streams';

const changed = Events.calendarChanged;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
/**
 * How soon an event published after a leader moved must be consumed: NATS 2.9 elects a new
 * leader 4-9 s after its server died, and a pull follows within seconds. nats.js's default pulls
 * (30 s, heartbeats every 15 s) noticed a pull lost with its leader only after 30-45 s.
 */
const RESUMED_WITHIN_MS = 12_000;

describe('EventStreams on a 3-node JetStream cluster (R3)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'calldesk-nats-cluster-'));
  let cluster: NatsCluster;
  let publisher: Bus;
  let manager: JetStreamManager;
  const buses: Bus[] = [];
  const lags: number[] = [];

  beforeAll(async () => {
    cluster = await NatsCluster.start(folder, () => undefined);
    publisher = await Bus.connect({
      url: cluster.urls[0],
      service: 'routing',
      requestTimeoutMs: 5_000,
      replicas: 3,
      logger: quiet,
    });
    await publisher.events.ensureStreams();
    manager = await publisher.connection.jetstreamManager();
  }, 60_000);
  afterAll(async () => {
    process.stdout.write(`events consumed ${lags.join(', ')} ms after their publication\n`);
    for (const bus of [...buses, publisher]) await bus?.drain().catch(() => undefined);
    await cluster?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it.each<[string, Partial<ConsumeOptions>]>([
    ['a shared durable consumer', {}],
    ["an instance's own consumer", { instanceScoped: { inactiveThresholdMs: 60_000 } }],
  ])(
    "%s keeps consuming when its consumer's leader server is killed, and after it is back",
    async (_kind, options) => {
      const { source, durable, seen, consumer } = await consuming(options);
      await consumer(cluster.urls[0]);
      await publishUntilSeen(source, seen);
      // Its connection may be to that server (it reconnects) or to another (nothing but the lost pull tells it).
      const leader = cluster.indexOf((await manager.consumers.info(STREAM.name, durable)).cluster!.leader!);

      await cluster.kill(leader);
      try {
        await publishUntilSeen(source, seen);
      } finally {
        await cluster.start(leader);
        await cluster.ready();
      }
      await publishUntilSeen(source, seen);
    },
    90_000,
  );

  it('keeps consuming when the stream and consumer leaders step down', async () => {
    const { source, durable, seen, consumer } = await consuming({});
    await consumer(cluster.urls[0]);
    await publishUntilSeen(source, seen);
    await publisher.connection.request(`$JS.API.STREAM.LEADER.STEPDOWN.${STREAM.name}`, undefined, { timeout: 10_000 });
    await publishUntilSeen(source, seen);
    await publisher.connection.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${STREAM.name}.${durable}`, undefined, {
      timeout: 10_000,
    });
    await publishUntilSeen(source, seen);
  }, 60_000);

  /** A private subject and consumer name; `consumer(url)` starts consuming over a connection to that server. */
  async function consuming(options: Partial<ConsumeOptions>) {
    const source = { subject: `calendar.v1.events.test.${randomUUID()}`, body: changed.body };
    const durable = `test-${randomUUID()}`;
    const seen = new Set<string>();
    const consumer = async (url: string) => {
      const bus = await Bus.connect({
        url,
        service: 'availability',
        requestTimeoutMs: 5_000,
        replicas: 3,
        logger: quiet,
      });
      buses.push(bus);
      await bus.events.consume(source, { durable, ...options }, async (event) => {
        seen.add(event.calendarId);
      });
    };
    return { source, durable, seen, consumer };
  }

  /**
   * Publishes one event (again while the stream has no leader yet) and waits until the consumer
   * had it, within RESUMED_WITHIN_MS of its publication.
   */
  async function publishUntilSeen(
    source: { subject: string; body: typeof changed.body },
    seen: Set<string>,
  ): Promise<void> {
    const calendarId = randomUUID();
    const body = {
      tenantId: 't1',
      memberId: 'm1',
      calendarId,
      provider: 'google',
      changedAt: new Date().toISOString(),
    };
    const msgId = randomUUID();
    const published = await retry(() => publisher.events.publish(source, body, msgId));
    const deadline = published + RESUMED_WITHIN_MS;
    while (!seen.has(calendarId)) {
      if (Date.now() > deadline) throw new Error(`an event published ${RESUMED_WITHIN_MS} ms ago was not consumed`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    lags.push(Date.now() - published);
  }
});

/** Answers when `work` first succeeded; a cluster electing a leader refuses for a few seconds. */
async function retry(work: () => Promise<unknown>): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return Date.now();
    } catch (error) {
      if (attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
