import { ProviderError } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { ConnectionStatusPublisher } from '../connections/connection-status';
import { ConnectionStore, type Connection } from '../store/connection.store';
import { GraphFailure } from './graph-errors';
import { MicrosoftOAuth } from './microsoft-oauth';

/**
 * Access tokens per connection: reused until shortly before they expire, refreshed then (and on
 * a 401), one refresh at a time per connection (in this process, and across instances through the
 * row lock), each new token and the rotated refresh token sealed and stored. A refresh token
 * Microsoft no longer honours (invalid_grant) marks the connection needs_reauth.
 */
@Injectable()
export class MicrosoftTokens {
  private readonly cache = new Map<string, { accessToken: string; expiresAt: number }>();
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    private readonly oauth: MicrosoftOAuth,
    private readonly connections: ConnectionStore,
    private readonly status: ConnectionStatusPublisher,
  ) {}

  async accessToken(connection: Connection): Promise<string> {
    const margin = this.config.TOKEN_REFRESH_MARGIN_S * 1_000;
    const cached = this.cache.get(connection.id);
    if (cached && cached.expiresAt - margin > Date.now()) return cached.accessToken;
    const stored = await this.connections.credentials(connection.id);
    if (stored?.accessToken && (stored.expiresAt ?? 0) - margin > Date.now()) {
      this.cache.set(connection.id, { accessToken: stored.accessToken, expiresAt: stored.expiresAt! });
      return stored.accessToken;
    }
    return this.refresh(connection);
  }

  /** A new access token now, e.g. after `rejected` was answered 401. */
  refresh(connection: Connection, rejected?: string): Promise<string> {
    let refresh = this.refreshing.get(connection.id);
    if (!refresh) {
      refresh = this.refreshNow(connection, rejected).finally(() => this.refreshing.delete(connection.id));
      this.refreshing.set(connection.id, refresh);
    }
    return refresh;
  }

  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }

  private async refreshNow(connection: Connection, rejected?: string): Promise<string> {
    this.cache.delete(connection.id);
    const margin = this.config.TOKEN_REFRESH_MARGIN_S * 1_000;
    let credentials;
    try {
      credentials = await this.connections.refreshLocked(connection.id, async (current) => {
        // Another instance refreshed while we waited for the lock: use its token.
        if (current.accessToken && current.accessToken !== rejected && (current.expiresAt ?? 0) - margin > Date.now()) return undefined;
        const answer = await this.oauth.refresh(current.refreshToken);
        return { refreshToken: answer.refreshToken ?? current.refreshToken, accessToken: answer.accessToken, expiresAt: answer.expiresAt };
      });
    } catch (error) {
      if (error instanceof GraphFailure && error.code === 'invalid_grant') {
        await this.status.needsReauth(connection);
        throw new ProviderError('auth_rejected', error.status);
      }
      throw error;
    }
    if (!credentials?.accessToken) throw new ProviderError('auth_rejected', 401);
    this.cache.set(connection.id, { accessToken: credentials.accessToken, expiresAt: credentials.expiresAt ?? Date.now() });
    return credentials.accessToken;
  }
}
