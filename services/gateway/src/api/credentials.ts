import { Injectable } from '@nestjs/common';
import { Sessions } from '../sessions/sessions';
import { ApiKeys } from './api-keys';

/**
 * Who a tenant's call comes from: the tenant, and the credential it showed — an API key's id, or
 * `session:<id>` for an owner's dashboard session. Limits and live streams count per credential.
 */
export interface CredentialOwner {
  tenantId: string;
  credentialId: string;
}

const SESSION = 'session:';

export function sessionCredential(sessionId: string): string {
  return `${SESSION}${sessionId}`;
}

/** Which credentials are still good: keys not revoked, sessions neither revoked nor expired. */
@Injectable()
export class LiveCredentials {
  constructor(
    private readonly keys: ApiKeys,
    private readonly sessions: Sessions,
  ) {}

  async live(credentialIds: string[]): Promise<Set<string>> {
    const sessionIds = credentialIds.filter((id) => id.startsWith(SESSION)).map((id) => id.slice(SESSION.length));
    const keyIds = credentialIds.filter((id) => !id.startsWith(SESSION));
    const [keys, sessions] = await Promise.all([this.keys.live(keyIds), this.sessions.live(sessionIds)]);
    return new Set([...keys, ...[...sessions].map(sessionCredential)]);
  }
}
