import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inboxPrefix, InternalRpcs, NATS_ROLES, type NatsRole } from '@calldesk/contracts';
import { NatsCluster, waitFor } from '@calldesk/testing';
import { connect, Events, type Msg, type NatsConnection } from 'nats';
import { natsServerAuthorization } from './nats-server-auth';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A request a service took in just before its NATS server died is answered from the server it
 * reconnects to. `allow_responses` lets a connection answer only what was delivered to it on
 * that server, so each service may also publish to the inboxes of the roles that call it.
 */
describe('replies across a NATS server failover (3-node cluster, the generated users and permissions)', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'calldesk-nats-replies-'));
  const passwords = Object.fromEntries(
    NATS_ROLES.map((role) => [role, randomBytes(12).toString('base64url')]),
  ) as Record<NatsRole, string>;
  let cluster: NatsCluster;
  const connections: NatsConnection[] = [];

  const as = async (role: NatsRole, servers: string[]) => {
    const connection = await connect({
      servers,
      noRandomize: true,
      user: role,
      pass: passwords[role],
      inboxPrefix: inboxPrefix(role),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    cluster = await NatsCluster.start(
      folder,
      () => undefined,
      natsServerAuthorization((role) => ({ value: passwords[role] })),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));
    await cluster?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it("answers booking's availability check after availability's server died with the request in hand", async () => {
    const availability = await as('availability', [cluster.urls[0], cluster.urls[1]]);
    const booking = await as('booking', [cluster.urls[2]]);
    const subject = InternalRpcs.availabilityCheck.subject;
    const check = encoder.encode('{"memberId":"held"}');
    let taken!: (msg: Msg) => void;
    const delivered = new Promise<Msg>((resolve) => (taken = resolve));
    availability.subscribe(subject, {
      queue: 'availability',
      callback: (_error, msg) =>
        decoder.decode(msg.data) === decoder.decode(check) ? taken(msg) : msg.respond(encoder.encode('{}')),
    });
    // The subscription reaches booking's server through the cluster's routes: ask until it answers.
    await waitFor(async () => Boolean(await booking.request(subject, encoder.encode('{}'), { timeout: 500 })), {
      timeoutMs: 10_000,
    });
    const refused: string[] = [];
    let back = false;
    void (async () => {
      for await (const status of availability.status()) {
        if (status.type === Events.Error) refused.push(String(status.data));
        if (status.type === Events.Reconnect) back = true;
      }
    })();

    const reply = booking.request(subject, check, { timeout: 10_000 });
    const request = await delivered;
    await cluster.kill(0);
    await waitFor(() => back, { timeoutMs: 10_000 });
    request.respond(encoder.encode('{"bookable":true}'));

    expect(JSON.parse(decoder.decode((await reply).data))).toEqual({ bookable: true });
    expect(refused).toEqual([]);
  }, 30_000);
});
