import { RpcError } from '@calldesk/contracts';
import { queryOne } from '@calldesk/persistence';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hashPassword, NO_PASSWORD_HASH, passwordMatches } from './password-hash';

export interface OwnerAccount {
  id: string;
  tenantId: string;
  email: string;
}

const MIN_PASSWORD_LENGTH = 12;
const MAX_PASSWORD_LENGTH = 200;

/** Business owners' accounts: one email, one tenant, a password kept as a scrypt hash. */
@Injectable()
export class OwnerAccounts {
  constructor(private readonly db: DataSource) {}

  async create(tenantId: string, email: string, password: string): Promise<OwnerAccount> {
    if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
      throw RpcError.invalidArgument(
        'password',
        `password must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
      );
    }
    const passwordHash = await hashPassword(password);
    const row = await queryOne<{ id: string }>(
      this.db,
      `INSERT INTO owners (tenant_id, email, password_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING RETURNING id`,
      [tenantId, normalized(email), passwordHash],
    );
    if (!row) throw new RpcError('failed_precondition', 'an owner with this email exists already', { field: 'email' });
    return { id: row.id, tenantId, email: normalized(email) };
  }

  /** The owner these credentials sign in, or undefined; as slow for an unknown email as for a wrong password. */
  async verify(email: string, password: string): Promise<OwnerAccount | undefined> {
    const row = await queryOne<{ id: string; tenant_id: string; email: string; password_hash: string }>(
      this.db,
      `SELECT id, tenant_id, email, password_hash FROM owners WHERE email = $1`,
      [normalized(email)],
    );
    const matches = await passwordMatches(password, row?.password_hash ?? NO_PASSWORD_HASH);
    return row && matches ? { id: row.id, tenantId: row.tenant_id, email: row.email } : undefined;
  }
}

function normalized(email: string): string {
  return email.trim().toLowerCase();
}
