import { randomUUID } from 'node:crypto';
import { connect, type Msg, type NatsConnection } from 'nats';
import { Client } from 'pg';

/**
 * The bench's floor under a realistic booking's own time: the least any booking service can do
 * between its caller and a connector, as a process of its own. It commits a pending row while the
 * provider is read, has the event written, commits the row confirmed, then answers: two provider
 * calls and two durable commits, over raw NATS and pg with nothing else on the way. Whatever this
 * takes on a machine beyond the provider's latency, no design of the real service can beat there.
 *
 * FLOOR_SUBJECT is where it answers; the connector answers on FLOOR_SUBJECT.busy and .create.
 */
async function main(): Promise<void> {
  const subject = process.env.FLOOR_SUBJECT!;
  const nats = await connect({ servers: process.env.NATS_URL });
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  await db.query('CREATE TABLE IF NOT EXISTS booking_floor (id uuid PRIMARY KEY, status text NOT NULL)');
  nats.subscribe(subject, { callback: (_error, msg) => void book(nats, db, subject, msg) });
  await nats.flush();
  console.log('ready');
  process.once('SIGTERM', () => void Promise.all([nats.close(), db.end()]).then(() => process.exit(0)));
}

async function book(nats: NatsConnection, db: Client, subject: string, msg: Msg): Promise<void> {
  const id = randomUUID();
  const pending = db.query("INSERT INTO booking_floor (id, status) VALUES ($1, 'pending')", [id]);
  await Promise.all([pending, nats.request(`${subject}.busy`, msg.data, { timeout: 5_000 })]);
  await nats.request(`${subject}.create`, msg.data, { timeout: 5_000 });
  await db.query("UPDATE booking_floor SET status = 'confirmed' WHERE id = $1", [id]);
  msg.respond(msg.data);
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
