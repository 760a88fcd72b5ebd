import { createHash } from 'node:crypto';
import { RpcError } from '@calldesk/contracts';
import { execute, query, queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The right to run a keyed request; `bookingId` is set when an earlier run got as far as a booking. */
export interface Claim {
  tenantId: string;
  key: string;
  bookingId?: string;
  /** Set when the run stored its reply itself, in the statement that made it true. */
  answered?: boolean;
}

export type ClaimResult = { kind: 'run'; claim: Claim } | { kind: 'replay'; reply: unknown } | { kind: 'busy' };

const LEASE_MS = 30_000;

/**
 * Idempotency per (tenantId, idempotencyKey): the first request claims the key with a lease; a
 * repeat gets the stored reply, waits while the first is running, or takes over when the first
 * died (its lease ran out). The same key with another request is refused.
 */
@Injectable()
export class IdempotencyStore {
  constructor(private readonly db: DataSource) {}

  async claim(tenantId: string, key: string, requestHash: string): Promise<ClaimResult> {
    const inserted = await queryOne<{ key: string }>(
      this.db,
      `INSERT INTO idempotency (tenant_id, key, request_hash, lease_until)
       VALUES ($1, $2, $3, clock_timestamp() + $4 * interval '1 millisecond')
       ON CONFLICT DO NOTHING RETURNING key`,
      [tenantId, key, requestHash, LEASE_MS],
    );
    if (inserted) return { kind: 'run', claim: { tenantId, key } };

    const [row] = await query<{ request_hash: string; reply: unknown; booking_id: string | null; expired: boolean }>(
      this.db,
      `SELECT request_hash, reply, booking_id, lease_until < clock_timestamp() AS expired FROM idempotency WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key],
    );
    if (row.request_hash !== requestHash) {
      throw RpcError.invalidArgument('idempotencyKey', 'idempotencyKey was already used with a different request');
    }
    if (row.reply !== null) return { kind: 'replay', reply: row.reply };
    if (!row.expired) return { kind: 'busy' };
    const [taken] = await query<{ booking_id: string | null }>(
      this.db,
      `UPDATE idempotency SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE tenant_id = $1 AND key = $2 AND reply IS NULL AND lease_until < clock_timestamp() RETURNING booking_id`,
      [tenantId, key, LEASE_MS],
    );
    return taken
      ? { kind: 'run', claim: { tenantId, key, bookingId: taken.booking_id ?? undefined } }
      : { kind: 'busy' };
  }

  /** The answer, kept for repeats for IDEMPOTENCY_RETENTION_HOURS (RetentionPurge). */
  async complete(claim: Claim, reply: unknown): Promise<void> {
    await execute(
      this.db,
      `UPDATE idempotency SET reply = $3, lease_until = clock_timestamp() WHERE tenant_id = $1 AND key = $2`,
      [claim.tenantId, claim.key, JSON.stringify(reply)],
    );
  }

  /**
   * A settled booking answers the request that made it, even when the run that made it died: a
   * confirmed one becomes the stored reply; a failed one frees the key for a fresh run at once.
   */
  async settleFor(bookingId: string, confirmedReply: unknown | undefined): Promise<void> {
    if (confirmedReply === undefined) {
      await execute(
        this.db,
        `UPDATE idempotency SET lease_until = clock_timestamp() WHERE booking_id = $1 AND reply IS NULL`,
        [bookingId],
      );
    } else {
      await execute(
        this.db,
        `UPDATE idempotency SET reply = $2, lease_until = clock_timestamp() WHERE booking_id = $1 AND reply IS NULL`,
        [bookingId, JSON.stringify(confirmedReply)],
      );
    }
  }

  /** A run that failed without an answer (e.g. a provider was down): a retry may run at once. */
  async release(claim: Claim): Promise<void> {
    await execute(
      this.db,
      `UPDATE idempotency SET lease_until = clock_timestamp() WHERE tenant_id = $1 AND key = $2 AND reply IS NULL`,
      [claim.tenantId, claim.key],
    );
  }
}

/** A stable digest of a request: its JSON with keys sorted, the idempotency key left out. */
export function requestHash(request: Record<string, unknown>): string {
  return createHash('sha256').update(canonical(request)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => k !== 'idempotencyKey' && (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
