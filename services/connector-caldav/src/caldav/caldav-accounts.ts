import { CredentialVault } from '@calldesk/connector-kit';
import { Injectable } from '@nestjs/common';
import type { ConnectionRow } from '../connections/connection-store';
import { CaldavHttp, type CallIds, type CaldavCredentials, type Fetch } from './caldav-http';

/** Opens a connection's sealed credentials and hands out a fetch bound to them. */
@Injectable()
export class CaldavAccounts {
  constructor(
    private readonly http: CaldavHttp,
    private readonly vault: CredentialVault,
  ) {}

  fetchFor(connection: ConnectionRow, options: { budgetMs?: number; ids?: CallIds } = {}): Fetch {
    return this.http.fetchFor({
      credentials: this.credentialsOf(connection),
      breakerKey: connection.connectionId,
      budgetMs: options.budgetMs,
      ids: { tenantId: connection.tenantId, memberId: connection.memberId, ...options.ids },
    });
  }

  credentialsOf(connection: ConnectionRow): CaldavCredentials {
    if (!connection.credentials) throw new Error(`connection ${connection.connectionId} has no credentials`);
    return this.vault.open<CaldavCredentials>(connection.credentials, connection.connectionId);
  }
}
