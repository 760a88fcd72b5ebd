import {
  OAuthConnectionStatusPublisher,
  OAuthConnectionStore,
  OAuthTokens,
  ProviderError,
  type AccessToken,
  type OAuthConnection,
} from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { GraphFailure } from './graph-errors';
import { MicrosoftOAuth } from './microsoft-oauth';

/**
 * Microsoft access tokens, refreshed one at a time across instances too (through the row lock),
 * each new token and the rotated refresh token sealed and stored. A refresh token Microsoft no
 * longer honours (invalid_grant) marks the connection needs_reauth.
 */
@Injectable()
export class MicrosoftTokens extends OAuthTokens {
  constructor(
    @Inject(SERVICE_CONFIG) config: MicrosoftConfig,
    private readonly oauth: MicrosoftOAuth,
    connections: OAuthConnectionStore,
    private readonly status: OAuthConnectionStatusPublisher,
  ) {
    super(connections, config.TOKEN_REFRESH_MARGIN_S * 1_000);
  }

  protected async obtain(connection: OAuthConnection, rejected?: string): Promise<AccessToken> {
    let credentials;
    try {
      credentials = await this.connections.refreshLocked(connection.id, async (current) => {
        // Another instance refreshed while we waited for the lock: use its token.
        if (
          current.accessToken &&
          current.accessToken !== rejected &&
          (current.expiresAt ?? 0) - this.marginMs > Date.now()
        )
          return undefined;
        const answer = await this.oauth.refresh(current.refreshToken);
        return {
          refreshToken: answer.refreshToken ?? current.refreshToken,
          accessToken: answer.accessToken,
          expiresAt: answer.expiresAt,
        };
      });
    } catch (error) {
      if (error instanceof GraphFailure && error.code === 'invalid_grant') {
        await this.status.needsReauth(connection);
        throw new ProviderError('auth_rejected', error.status);
      }
      throw error;
    }
    if (!credentials?.accessToken) throw new ProviderError('auth_rejected', 401);
    return { accessToken: credentials.accessToken, expiresAt: credentials.expiresAt ?? Date.now() };
  }
}
