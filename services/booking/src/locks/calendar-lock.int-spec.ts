import { randomUUID } from 'node:crypto';
import { LEASE_BUCKET } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { openDataSource } from '@calldesk/persistence';
import { createTestDatabase, testNatsUrl, type TestDatabase } from '@calldesk/testing';
import type { DataSource } from 'typeorm';
import type { BookingConfig } from '../config';
import { migrations } from '../migrations';
import { CalendarLock } from './calendar-lock';
import { LockFences, releaseHold } from './lock-fences';

describe('CalendarLock (real NATS KV leases, fences in Postgres)', () => {
  let bus: Bus;
  let database: TestDatabase;
  let db: DataSource;
  let lock: CalendarLock;

  beforeAll(async () => {
    bus = await Bus.connect({ url: await testNatsUrl(), service: 'booking-lock-test', requestTimeoutMs: 5_000 });
    database = await createTestDatabase();
    db = await openDataSource({
      url: database.url,
      schema: 'booking',
      migrations,
      applicationName: 'booking-lock-test',
    });
    lock = new CalendarLock(bus, db, {
      BOOKING_LOCK_LEASE_MS: 15_000,
      BOOKING_LOCK_WAIT_MS: 5_000,
      JETSTREAM_REPLICAS: 1,
    } as BookingConfig);
    await lock.onModuleInit();
  });

  afterAll(async () => {
    await bus.drain();
    await db.destroy();
    await database.drop();
  });

  it("keeps a holder's lease past the lease's length for as long as its work runs: another instance waits, and the holder's fence stands", async () => {
    // Two instances whose leases last 1 s.
    const config = {
      BOOKING_LOCK_LEASE_MS: 1_000,
      BOOKING_LOCK_WAIT_MS: 10_000,
      JETSTREAM_REPLICAS: 1,
    } as BookingConfig;
    const [first, second] = [new CalendarLock(bus, db, config), new CalendarLock(bus, db, config)];
    await first.onModuleInit();
    await second.onModuleInit();
    const key = `tenant/${randomUUID()}`;
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    let firstDoneAt = 0;
    const slow = first.run(key, async (fence) => {
      started();
      // A provider taking three lease lengths to answer.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const [{ revision }] = await db.query(`SELECT revision FROM lock_fences WHERE lock_key = $1`, [fence.key]);
      firstDoneAt = Date.now();
      return Number(revision) === fence.token;
    });
    await holding;
    const next = second.run(key, async () => Date.now());
    expect(await slow).toBe(true);
    expect(await next).toBeGreaterThanOrEqual(firstDoneAt);
  }, 20_000);

  it('keeps a calendar from another instance while Postgres says it is held, even when JetStream grants its lease twice', async () => {
    const config = {
      BOOKING_LOCK_LEASE_MS: 15_000,
      BOOKING_LOCK_WAIT_MS: 10_000,
      JETSTREAM_REPLICAS: 1,
    } as BookingConfig;
    const [first, second] = [new CalendarLock(bus, db, config), new CalendarLock(bus, db, config)];
    await first.onModuleInit();
    await second.onModuleInit();
    const key = `tenant/${randomUUID()}`;
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    let firstDoneAt = 0;
    const kv = await bus.connection.jetstream().views.kv(LEASE_BUCKET);
    const slow = first.run(key, async (fence) => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      firstDoneAt = Date.now();
      return fence.token;
    });
    await holding;
    // What a replicated bucket on nats-server 2.9 may do: the key looks free to the next create.
    for await (const entry of await kv.keys()) await kv.purge(entry);
    const next = second.run(key, async (fence) => ({ at: Date.now(), token: fence.token }));
    const token = await slow;
    expect(await next).toEqual({ at: expect.any(Number), token: token + 1 });
    expect((await next).at).toBeGreaterThanOrEqual(firstDoneAt);
  }, 20_000);

  it('lets a released hold go for good: a renewal that waited on the releasing write does not take the calendar back', async () => {
    const fences = new LockFences(db);
    const key = `tenant/${randomUUID()}`;
    const holder = (await fences.grant(key, 15_000))!;
    // The holder's last write lets the calendar go; its renewal timer fires while that write is open.
    const releasing = db.createQueryRunner();
    await releasing.startTransaction();
    await releasing.query(releaseHold('$1', '$2'), [key, holder.token]);
    const renewal = fences.renew(holder, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await releasing.commitTransaction();
    await releasing.release();

    expect(await renewal).toBe(false);
    expect((await fences.grant(key, 15_000))?.token).toBe(holder.token + 1);
  });

  it('answers a crowd behind one holder together once it is done, without a lease each', async () => {
    const key = `tenant/${randomUUID()}`;
    let taken = false;
    let works = 0;
    let asking = 0;
    let mostAskingAtOnce = 0;
    const settled = async () => {
      mostAskingAtOnce = Math.max(mostAskingAtOnce, ++asking);
      await new Promise((resolve) => setTimeout(resolve, 5));
      asking--;
      return taken ? 'refused' : undefined;
    };
    const work = async () => {
      works++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      taken = true;
      return 'won';
    };
    const answers = await Promise.all(Array.from({ length: 30 }, () => lock.run(key, work, settled)));
    expect(answers.filter((a) => a === 'won')).toHaveLength(1);
    expect(answers.filter((a) => a === 'refused')).toHaveLength(29);
    expect(works).toBe(1);
    expect(mostAskingAtOnce).toBe(29);
  });

  it('runs, one at a time, the work of every caller that settled does not answer', async () => {
    const key = `tenant/${randomUUID()}`;
    const order: number[] = [];
    let inside = 0;
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        lock.run(
          key,
          async (fence) => {
            expect(++inside).toBe(1);
            expect(fence.token).toBe(i + 1);
            await new Promise((resolve) => setTimeout(resolve, 2));
            order.push(i);
            inside--;
            return i;
          },
          async () => undefined,
        ),
      ),
    );
    expect(answers).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order.sort((a, b) => a - b)).toEqual(answers);
  });
});
