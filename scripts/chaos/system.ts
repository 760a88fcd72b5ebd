import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { NATS_ROLES, type NatsRole } from '@calldesk/contracts';
import { Bus, natsServerAuthorization } from '@calldesk/messaging';
import {
  freeLoopbackPorts,
  NatsCluster,
  startFakeMessageProviders,
  type FakeMessageProviders,
} from '@calldesk/testing';
import type { JetStreamManager } from 'nats';
import { BOOKING_DEADLINE_MS, Callers } from './callers';
import { ConnectorControl } from './connector-control';
import { Fleet } from './fleet';
import { Ledger } from './ledger';
import { ChaosPostgres } from './postgres';

export const LEASE_BUCKET_STREAM = 'KV_booking_calendar_leases';

/** Everything the chaos run starts, and the handles the scenarios act through. */
export interface ChaosSystem {
  cluster: NatsCluster;
  postgres: ChaosPostgres;
  fleet: Fleet;
  connector: ConnectorControl;
  ledger: Ledger;
  /** The harness's own NATS client, for admin calls, slots.find checks and JetStream. */
  admin: Bus;
  jetstream: JetStreamManager;
  callers: Callers;
  /** Every line the servers wrote, by server. */
  serverLogs: Map<string, string[]>;
  stop(): Promise<void>;
}

/**
 * Its own servers, none shared: a 3-node NATS cluster with JetStream and production's users and
 * permissions (each service connects as its role, the callers as the orchestrator, the provider
 * connector as connector-google), an embedded Postgres, and
 * the services as processes with R3 streams and buckets (routing, two availability, two
 * booking, notifications against fake SMS and mail APIs, and the provider connector), with the
 * production defaults except where `env` says otherwise.
 */
export async function startChaosSystem(folder: string, env: Record<string, string> = {}): Promise<ChaosSystem> {
  mkdirSync(folder, { recursive: true });
  // Postgres runs as the OS user postgres when we are root: it must be able to enter the folder.
  chmodSync(folder, 0o755);
  const serverLogs = new Map<string, string[]>();
  const logTo = (name: string) => (line: string) => {
    if (!serverLogs.has(name)) serverLogs.set(name, []);
    serverLogs.get(name)!.push(line);
  };
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    // Production's users and permissions, one per role, and the harness's own unrestricted user.
    const passwords = new Map(NATS_ROLES.map((role) => [role, randomBytes(18).toString('base64url')]));
    const harness = { user: 'chaos-harness', password: randomBytes(18).toString('base64url') };
    const authorization = natsServerAuthorization((role) => ({ value: passwords.get(role)! }), harness);
    const identity = (role: NatsRole) => ({ user: role, password: passwords.get(role)! });
    const cluster = await NatsCluster.start(
      path.join(folder, 'nats'),
      (node, line) => logTo(node)(line),
      authorization,
    );
    stops.push(() => cluster.stop());
    mkdirSync(path.join(folder, 'pg'), { recursive: true });
    const postgres = await ChaosPostgres.start(path.join(folder, 'pg'), logTo('postgres'));
    stops.push(() => postgres.stop());
    const messages: FakeMessageProviders = await startFakeMessageProviders();
    stops.push(() => messages.stop());

    const [controlPort] = await freeLoopbackPorts(1);
    const fleet = new Fleet(
      {
        DATABASE_URL: postgres.url,
        JETSTREAM_REPLICAS: '3',
        LOG_LEVEL: 'info',
        BOOKING_DEADLINE_MS: String(BOOKING_DEADLINE_MS),
        SMS_API_URL: messages.smsUrl,
        EMAIL_API_URL: messages.emailUrl,
        ...env,
      },
      cluster.urls,
      (role) => ({ NATS_USER: role, NATS_PASSWORD: passwords.get(role)! }),
    );
    stops.push(() => fleet.stop());
    // First one of each (each migrates its schema), then the second instances.
    await Promise.all([
      fleet.start('connector', 1, { CONTROL_PORT: String(controlPort) }),
      fleet.start('routing', 1),
      fleet.start('availability', 1),
      fleet.start('booking', 1),
      fleet.start('notifications', 1),
    ]);
    await Promise.all([fleet.start('availability', 2), fleet.start('booking', 2)]);

    const admin = await Bus.connect({
      url: cluster.urls[0],
      service: 'chaos',
      requestTimeoutMs: 10_000,
      logger: quiet,
      identity: harness,
    });
    stops.push(() => admin.drain());
    const callers = await Callers.connect(cluster.urls, identity('orchestrator'));
    stops.push(() => callers.close());
    return {
      cluster,
      postgres,
      fleet,
      connector: new ConnectorControl(`http://127.0.0.1:${controlPort}`),
      ledger: new Ledger(postgres.url),
      admin,
      jetstream: await admin.connection.jetstreamManager(),
      callers,
      serverLogs,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
