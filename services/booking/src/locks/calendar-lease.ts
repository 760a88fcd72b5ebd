import { createHash } from 'node:crypto';
import { LEASE_BUCKET, RpcError } from '@calldesk/contracts';
import { nanos, StorageType, type KV, type NatsConnection } from 'nats';

/** A held lease. Its revision only lets its holder renew and release it; writes are fenced by a token from Postgres (LockFences). */
export interface Lease {
  key: string;
  /** The entry's revision now: each renewal writes a new one. */
  revision: number;
  /** Whether another holder had it when it was first asked for. */
  waited: boolean;
}

/**
 * A lease per calendar across booking instances, on NATS KV: `create` succeeds only where no
 * live entry is, its holder renews it while it works, and the bucket's max age ends a lease
 * whose holder died. It keeps attempts of other instances from racing for Postgres's hold
 * (LockFences), which has the last word. The bucket is in memory and may be lost (deleted, or
 * gone with a NATS restart): the next call makes it again.
 */
export class CalendarLeases {
  private reopening?: Promise<void>;

  private constructor(
    private kv: KV,
    private readonly connection: NatsConnection,
    private readonly leaseMs: number,
    private readonly replicas: number,
  ) {}

  static async open(connection: NatsConnection, leaseMs: number, replicas: number): Promise<CalendarLeases> {
    const leases = new CalendarLeases(await openBucket(connection, leaseMs, replicas), connection, leaseMs, replicas);
    // The lease length belongs to the bucket, which may predate this configuration: bring it in line.
    const status = await leases.kv.status();
    if (status.ttl !== leaseMs) {
      const manager = await connection.jetstreamManager();
      const { config } = await manager.streams.info(`KV_${LEASE_BUCKET}`);
      await manager.streams.update(`KV_${LEASE_BUCKET}`, {
        ...config,
        max_age: nanos(leaseMs),
        duplicate_window: nanos(Math.min(leaseMs, 120_000)),
      });
    }
    return leases;
  }

  /** Waits for the lease (polling with growing pauses) until `waitMs` has passed. */
  async acquire(lockKey: string, waitMs: number): Promise<Lease> {
    const key = kvKey(lockKey);
    const deadline = Date.now() + waitMs;
    let pause = 2;
    let waited = false;
    let reopened = false;
    for (;;) {
      try {
        return { key, revision: await this.kv.create(key, new Uint8Array()), waited };
      } catch (error) {
        if (isBucketGone(error) && !reopened) {
          // Every lease went with the bucket: the first create in the new one is granted.
          reopened = true;
          await this.reopen().catch((failure: Error) => {
            throw lockUnavailable(failure);
          });
          continue;
        }
        if (!isTaken(error)) throw lockUnavailable(error as Error);
      }
      if (Date.now() + pause > deadline) throw calendarBusy();
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 50);
    }
  }

  /**
   * Writes the lease's entry again, only while it is still this holder's revision, so it does
   * not expire while its holder works. One that is gone (taken over, or lost with its bucket) or
   * gets no answer is left as it is: who holds the calendar is Postgres's word (LockFences).
   */
  async renew(lease: Lease): Promise<void> {
    try {
      lease.revision = await this.kv.update(lease.key, new Uint8Array(), lease.revision);
    } catch {
      // Renewed again next time, or released.
    }
  }

  /** Releases only the lease this holder was granted, never a later holder's (nor one in a bucket made again). */
  async release(lease: Lease): Promise<void> {
    await this.kv.delete(lease.key, { previousSeq: lease.revision }).catch(() => undefined);
  }

  /** One re-creation at a time, however many callers found the bucket gone. */
  private reopen(): Promise<void> {
    this.reopening ??= openBucket(this.connection, this.leaseMs, this.replicas)
      .then((kv) => {
        this.kv = kv;
      })
      .finally(() => (this.reopening = undefined));
    return this.reopening;
  }
}

/** Opens the bucket, making it where it is missing. */
function openBucket(connection: NatsConnection, leaseMs: number, replicas: number): Promise<KV> {
  return connection
    .jetstream()
    .views.kv(LEASE_BUCKET, { ttl: leaseMs, history: 1, storage: StorageType.Memory, replicas });
}

// KV keys are subject tokens; calendar keys hold characters that are not allowed there.
function kvKey(lockKey: string): string {
  return createHash('sha256').update(lockKey).digest('hex').slice(0, 40);
}

function isTaken(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return text.includes('wrong last sequence') || text.includes('key exists');
}

/** A KV write to a bucket whose stream is gone: nobody answers the publish. */
function isBucketGone(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return code === '503' || String(message).includes('stream not found');
}

/** The calendar stayed held by others for as long as an attempt may wait. */
export function calendarBusy(): RpcError {
  return new RpcError('unavailable', 'the calendar is busy with other bookings; try again', { retryable: true });
}

/** JetStream not answering (a node down, a leader being elected) is an outage, safe to retry. */
function lockUnavailable(error: Error): RpcError {
  return new RpcError('unavailable', `the calendar lock cannot be taken now: ${error.message}`, { retryable: true });
}
