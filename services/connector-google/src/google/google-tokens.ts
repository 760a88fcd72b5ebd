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
import type { GoogleConfig } from '../config';
import { googleErrorOf, GoogleError } from './google-errors';
import { GoogleOAuth } from './google-oauth';

/**
 * Google access tokens, each new one sealed and stored. A refresh token Google no longer honours
 * (invalid_grant) marks the connection needs_reauth.
 */
@Injectable()
export class GoogleTokens extends OAuthTokens {
  constructor(
    @Inject(SERVICE_CONFIG) config: GoogleConfig,
    private readonly oauth: GoogleOAuth,
    connections: OAuthConnectionStore,
    private readonly status: OAuthConnectionStatusPublisher,
  ) {
    super(connections, config.TOKEN_REFRESH_MARGIN_S * 1_000);
  }

  protected async obtain(connection: OAuthConnection): Promise<AccessToken> {
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
    return { accessToken, expiresAt };
  }
}
