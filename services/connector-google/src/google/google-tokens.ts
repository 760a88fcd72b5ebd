import { ProviderError } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { ConnectionStatusPublisher } from '../connections/connection-status';
import { ConnectionStore, type Connection } from '../store/connection.store';
import { googleErrorOf, GoogleError } from './google-errors';
import { GoogleOAuth } from './google-oauth';

/**
 * Access tokens per connection: reused until shortly before they expire, refreshed then (and on
 * a 401), one refresh at a time per connection, each new token sealed and stored. A refresh token
 * Google no longer honours (invalid_grant) marks the connection needs_reauth.
 */
@Injectable()
export class GoogleTokens {
  private readonly cache = new Map<string, { accessToken: string; expiresAt: number }>();
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    private readonly oauth: GoogleOAuth,
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

  /** A new access token now, e.g. after a 401. */
  refresh(connection: Connection): Promise<string> {
    let refresh = this.refreshing.get(connection.id);
    if (!refresh) {
      refresh = this.refreshNow(connection).finally(() => this.refreshing.delete(connection.id));
      this.refreshing.set(connection.id, refresh);
    }
    return refresh;
  }

  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }

  private async refreshNow(connection: Connection): Promise<string> {
    this.cache.delete(connection.id);
    const credentials = await this.connections.credentials(connection.id);
    if (!credentials) throw new ProviderError('auth_rejected', 401);
    const client = this.oauth.client();
    client.setCredentials({ refresh_token: credentials.refreshToken });
    let accessToken: string | null | undefined;
    try {
      ({ token: accessToken } = await client.getAccessToken());
    } catch (error) {
      const failure = googleErrorOf(error);
      if (failure instanceof GoogleError && failure.reason === 'invalid_grant') {
        await this.status.needsReauth(connection);
        throw new ProviderError('auth_rejected', failure.status);
      }
      throw failure;
    }
    if (!accessToken) throw new ProviderError('unavailable');
    const expiresAt = client.credentials.expiry_date ?? Date.now() + 3_600_000;
    // Google may send a new refresh token; keep whichever is current.
    const refreshToken = client.credentials.refresh_token ?? credentials.refreshToken;
    await this.connections.saveCredentials(connection.id, { refreshToken, accessToken, expiresAt });
    this.cache.set(connection.id, { accessToken, expiresAt });
    return accessToken;
  }
}
