import { openDataSource } from '@calldesk/persistence';
import { createTestDatabase, type TestDatabase } from '@calldesk/testing';
import type { DataSource } from 'typeorm';
import type { BookingConfig } from '../config';
import { migrations } from '../migrations';
import { RetentionPurge } from './retention-purge';

describe('RetentionPurge (real Postgres)', () => {
  let database: TestDatabase;
  let db: DataSource;
  let purge: RetentionPurge;
  const silent = { debug() {}, info() {}, warn() {}, error() {} };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({ url: database.url, schema: 'booking', migrations, applicationName: 'retention-test' });
    const config = {
      IDEMPOTENCY_RETENTION_HOURS: 72,
      OUTBOX_RETENTION_HOURS: 24,
      RETENTION_PURGE_INTERVAL_MS: 600_000,
    } as BookingConfig;
    purge = new RetentionPurge(db, config, silent);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const idempotency = (key: string, hoursAgo: number, leaseMinutesLeft = -1) =>
    db.query(
      `INSERT INTO idempotency (tenant_id, key, request_hash, reply, lease_until, created_at)
       VALUES ('t1', $1, 'h', '{}', now() + $3 * interval '1 minute', now() - $2 * interval '1 hour')`,
      [key, hoursAgo, leaseMinutesLeft],
    );
  const outbox = (msgId: string, publishedHoursAgo: number | null, createdHoursAgo = publishedHoursAgo ?? 0) =>
    db.query(
      `INSERT INTO outbox (subject, msg_id, body, created_at, published_at)
       VALUES ('calendar.v1.events.booking.confirmed', $1, '{}', now() - $3 * interval '1 hour', now() - $2 * interval '1 hour')`,
      [msgId, publishedHoursAgo, createdHoursAgo],
    );
  const keys = async () =>
    (await db.query(`SELECT key FROM idempotency ORDER BY key`)).map((r: { key: string }) => r.key);
  const msgIds = async () =>
    (await db.query(`SELECT msg_id FROM outbox ORDER BY msg_id`)).map((r: { msg_id: string }) => r.msg_id);

  it('deletes idempotency records and published outbox rows past their retention, in batches, and keeps the rest', async () => {
    // More old records than one batch holds.
    await db.query(
      `INSERT INTO idempotency (tenant_id, key, request_hash, reply, lease_until, created_at)
       SELECT 't1', 'old-' || i, 'h', '{}', now() - interval '80 hours', now() - interval '80 hours' FROM generate_series(1, 1200) i`,
    );
    await idempotency('recent', 71);
    await idempotency('old-but-running', 100, 5);
    await db.query(
      `INSERT INTO outbox (subject, msg_id, body, created_at, published_at)
       SELECT 'calendar.v1.events.booking.confirmed', 'sent-long-ago-' || i, '{}', now() - interval '30 hours', now() - interval '30 hours'
         FROM generate_series(1, 1200) i`,
    );
    await outbox('sent-recently', 23);
    await outbox('never-sent', null, 100);

    await purge.purge();

    expect(await keys()).toEqual(['old-but-running', 'recent']);
    expect(await msgIds()).toEqual(['never-sent', 'sent-recently']);
  });
});
