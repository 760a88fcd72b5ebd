import { createHash } from 'node:crypto';
import { execute, query } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MemberRef } from '../connector-events';
import { CredentialVault } from '../credential-vault';

/** What redeeming a state found: the sign-in's PKCE verifier, or why there is none. */
export type RedeemedState = { verifier: string } | 'used' | 'unknown';

/**
 * Sign-ins in progress. Each state is kept as its SHA-256 only (until used it is a bearer secret),
 * with the member who asked and the PKCE verifier, sealed and bound to its row (the hash, in hex).
 * A state is redeemed once, by whichever callback comes first, before it expires; expired rows go
 * when the next sign-in starts.
 */
@Injectable()
export class OAuthStateStore {
  constructor(
    private readonly db: DataSource,
    private readonly vault: CredentialVault,
  ) {}

  async save(state: string, member: MemberRef, verifier: string, ttlSeconds: number): Promise<void> {
    const id = stateId(state);
    const sealed = this.vault.seal(verifier, id.toString('hex'));
    await execute(this.db, `DELETE FROM oauth_states WHERE expires_at <= now()`);
    await execute(
      this.db,
      `INSERT INTO oauth_states (state_sha256, tenant_id, member_id, verifier_key_id, verifier_sealed, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second')`,
      [id, member.tenantId, member.memberId, sealed.keyId, sealed.sealed, ttlSeconds],
    );
  }

  /** Marks the state used in one statement, so that of two callbacks with it only one gets the verifier. */
  async redeem(state: string, member: MemberRef): Promise<RedeemedState> {
    const id = stateId(state);
    const [redeemed] = await query<{ keyId: string; sealed: string }>(
      this.db,
      `UPDATE oauth_states SET used_at = now()
        WHERE state_sha256 = $1 AND tenant_id = $2 AND member_id = $3 AND used_at IS NULL AND expires_at > now()
        RETURNING verifier_key_id AS "keyId", verifier_sealed AS sealed`,
      [id, member.tenantId, member.memberId],
    );
    if (redeemed) return { verifier: this.vault.open<string>(redeemed, id.toString('hex')) };
    const used = await query<{ used: 1 }>(
      this.db,
      `SELECT 1 AS used FROM oauth_states WHERE state_sha256 = $1 AND used_at IS NOT NULL`,
      [id],
    );
    return used.length ? 'used' : 'unknown';
  }
}

function stateId(state: string): Buffer {
  return createHash('sha256').update(state).digest();
}
