import { randomUUID } from 'node:crypto';
import { connect, type Msg, type NatsConnection } from 'nats';
import { Client } from 'pg';

/**
 * The bench's floor under a realistic booking's own time: the least a booking can cost on a
 * machine beyond the provider's latency, with nothing on the way but raw NATS and pg. Run as two
 * processes (FLOOR_ROLE), answering on FLOOR_SUBJECT; the connector answers on its .busy and
 * .create.
 *
 * - `booking` answers two ways. On FLOOR_SUBJECT, the least any design can do: it commits a
 *   pending row while it reads the provider, has the event written, commits the row confirmed,
 *   then answers. On FLOOR_SUBJECT.design, DESIGN §4's order: the live check through
 *   availability, then the pending row, then the event, then the confirmation.
 * - `availability` passes the check (FLOOR_SUBJECT.check) on to the connector and its answer back.
 */
async function main(): Promise<void> {
  const subject = process.env.FLOOR_SUBJECT!;
  const nats = await connect({ servers: process.env.NATS_URL });
  const close: (() => Promise<void>)[] = [() => nats.close()];
  if (process.env.FLOOR_ROLE === 'availability') {
    nats.subscribe(`${subject}.check`, {
      callback: (_error, msg) => void relay(nats, `${subject}.busy`, msg),
    });
  } else {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    close.push(() => client.end());
    await client.query('CREATE TABLE IF NOT EXISTS booking_floor (id uuid PRIMARY KEY, status text NOT NULL)');
    nats.subscribe(subject, { callback: (_error, msg) => void bookLeast(nats, client, subject, msg) });
    nats.subscribe(`${subject}.design`, { callback: (_error, msg) => void bookByDesign(nats, client, subject, msg) });
  }
  await nats.flush();
  console.log('ready');
  process.once('SIGTERM', () => void Promise.all(close.map((c) => c())).then(() => process.exit(0)));
}

async function bookLeast(nats: NatsConnection, client: Client, subject: string, msg: Msg): Promise<void> {
  const id = randomUUID();
  await Promise.all([pending(client, id), nats.request(`${subject}.busy`, msg.data, { timeout: 5_000 })]);
  await written(nats, client, subject, id, msg);
}

async function bookByDesign(nats: NatsConnection, client: Client, subject: string, msg: Msg): Promise<void> {
  const id = randomUUID();
  await nats.request(`${subject}.check`, msg.data, { timeout: 5_000 });
  await pending(client, id);
  await written(nats, client, subject, id, msg);
}

function pending(client: Client, id: string): Promise<unknown> {
  return client.query("INSERT INTO booking_floor (id, status) VALUES ($1, 'pending')", [id]);
}

async function written(nats: NatsConnection, client: Client, subject: string, id: string, msg: Msg): Promise<void> {
  await nats.request(`${subject}.create`, msg.data, { timeout: 5_000 });
  await client.query("UPDATE booking_floor SET status = 'confirmed' WHERE id = $1", [id]);
  msg.respond(msg.data);
}

async function relay(nats: NatsConnection, to: string, msg: Msg): Promise<void> {
  msg.respond((await nats.request(to, msg.data, { timeout: 5_000 })).data);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
