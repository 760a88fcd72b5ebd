import { createHash } from 'node:crypto';
import { RpcError } from '@calldesk/contracts';
import { nanos, StorageType, type KV, type NatsConnection } from 'nats';

const BUCKET = 'booking_calendar_leases';

/** A held lease; `revision` rises with every grant, so it fences writes of a holder that lost it. */
export interface Lease {
  key: string;
  revision: number;
  /** Whether another holder had it when it was first asked for. */
  waited: boolean;
}

/**
 * A lease per calendar across booking instances, on NATS KV: `create` succeeds only where no
 * live entry is, and the bucket's max age ends a lease whose holder died. The entry's revision
 * is the fencing token.
 */
export class CalendarLeases {
  private constructor(private readonly kv: KV) {}

  static async open(connection: NatsConnection, leaseMs: number, replicas: number): Promise<CalendarLeases> {
    const kv = await connection.jetstream().views.kv(BUCKET, { ttl: leaseMs, history: 1, storage: StorageType.Memory, replicas });
    // The lease length belongs to the bucket, which may predate this configuration: bring it in line.
    const status = await kv.status();
    if (status.ttl !== leaseMs) {
      const manager = await connection.jetstreamManager();
      const { config } = await manager.streams.info(`KV_${BUCKET}`);
      await manager.streams.update(`KV_${BUCKET}`, { ...config, max_age: nanos(leaseMs), duplicate_window: nanos(Math.min(leaseMs, 120_000)) });
    }
    return new CalendarLeases(kv);
  }

  /** Waits for the lease (polling with growing pauses) until `waitMs` has passed. */
  async acquire(lockKey: string, waitMs: number): Promise<Lease> {
    const key = kvKey(lockKey);
    const deadline = Date.now() + waitMs;
    let pause = 2;
    let waited = false;
    for (;;) {
      try {
        return { key, revision: await this.kv.create(key, new Uint8Array()), waited };
      } catch (error) {
        if (!isTaken(error)) throw error;
      }
      if (Date.now() + pause > deadline) {
        throw new RpcError('unavailable', 'the calendar is busy with other bookings; try again', { retryable: true });
      }
      waited = true;
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 50);
    }
  }

  /** Releases only the lease this holder was granted, never a later holder's. */
  async release(lease: Lease): Promise<void> {
    await this.kv.delete(lease.key, { previousSeq: lease.revision }).catch(() => undefined);
  }
}

// KV keys are subject tokens; calendar keys hold characters that are not allowed there.
function kvKey(lockKey: string): string {
  return createHash('sha256').update(lockKey).digest('hex').slice(0, 40);
}

function isTaken(error: unknown): boolean {
  const text = String((error as Error)?.message ?? error);
  return text.includes('wrong last sequence') || text.includes('key exists');
}
