import { TokenMetrics } from '../connection-metrics';
import type { OAuthConnection, OAuthConnectionStore } from './connection.store';

/** An access token and when it expires (epoch ms). */
export interface AccessToken {
  accessToken: string;
  expiresAt: number;
}

/**
 * Access tokens per connection: reused until shortly before they expire, refreshed then (and on
 * a 401), one refresh at a time per connection in this process. How a new token is obtained, and
 * sealed and stored, is the provider's `obtain`.
 */
export abstract class OAuthTokens {
  private readonly cache = new Map<string, AccessToken>();
  private readonly refreshing = new Map<string, Promise<string>>();
  private readonly metrics: TokenMetrics;

  constructor(
    protected readonly connections: OAuthConnectionStore,
    protected readonly marginMs: number,
  ) {
    this.metrics = new TokenMetrics(connections.provider);
  }

  async accessToken(connection: OAuthConnection): Promise<string> {
    const cached = this.cache.get(connection.id);
    if (cached && cached.expiresAt - this.marginMs > Date.now()) return cached.accessToken;
    const stored = await this.connections.credentials(connection.id);
    if (stored?.accessToken && (stored.expiresAt ?? 0) - this.marginMs > Date.now()) {
      this.cache.set(connection.id, { accessToken: stored.accessToken, expiresAt: stored.expiresAt! });
      return stored.accessToken;
    }
    return this.refresh(connection);
  }

  /** A new access token now, e.g. after `rejected` was answered 401. */
  refresh(connection: OAuthConnection, rejected?: string): Promise<string> {
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

  /** A new access token from the provider, already stored; `rejected` is the one answered 401, if any. */
  protected abstract obtain(connection: OAuthConnection, rejected?: string): Promise<AccessToken>;

  private async refreshNow(connection: OAuthConnection, rejected?: string): Promise<string> {
    this.cache.delete(connection.id);
    const token = await this.obtain(connection, rejected).catch((error: unknown) => {
      this.metrics.refreshFailed(error);
      throw error;
    });
    this.cache.set(connection.id, token);
    return token.accessToken;
  }
}
