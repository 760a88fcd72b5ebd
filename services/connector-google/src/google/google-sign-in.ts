import {
  OAuthConnectionStore,
  OAuthSignIn,
  toRpcError,
  usedSignInCode,
  type OAuthConnection,
  type SignInTokens,
} from '@calldesk/connector-kit';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { CodeChallengeMethod } from 'google-auth-library';
import { googleErrorOf, GoogleError } from './google-errors';
import { GOOGLE_SCOPES, GoogleOAuth } from './google-oauth';

/**
 * Google's side of the sign-in: offline access (a refresh token), consent asked again and narrow
 * scopes in the authorization URL; the code exchanged by googleapis' OAuth2 client; every scope
 * asked for is needed (users can untick some); an unusable grant is revoked at once, and so is the
 * grant of a connection being disconnected.
 */
@Injectable()
export class GoogleSignIn extends OAuthSignIn {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly oauth: GoogleOAuth,
    private readonly connections: OAuthConnectionStore,
  ) {
    super();
  }

  authorizationUrl(state: string, codeChallenge: string): string {
    return this.oauth.client().generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      include_granted_scopes: false,
      scope: [...GOOGLE_SCOPES],
      state,
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
    });
  }

  async exchange(code: string, codeVerifier: string): Promise<SignInTokens> {
    try {
      const { tokens } = await this.oauth.client().getToken({ code, codeVerifier });
      return {
        scopes: (tokens.scope ?? '').split(' ').filter(Boolean),
        refreshToken: tokens.refresh_token ?? undefined,
        accessToken: tokens.access_token ?? undefined,
        expiresAt: tokens.expiry_date ?? undefined,
      };
    } catch (error) {
      const failure = googleErrorOf(error);
      if (failure instanceof GoogleError && failure.reason === 'invalid_grant') throw usedSignInCode();
      throw toRpcError(failure, 'google');
    }
  }

  missingPermission(tokens: SignInTokens): string | undefined {
    const missing = GOOGLE_SCOPES.some((scope) => !tokens.scopes.includes(scope));
    return missing ? 'Google did not grant every permission asked for: connect again and allow them all' : undefined;
  }

  override async giveBack(tokens: SignInTokens): Promise<void> {
    if (tokens.accessToken) await this.oauth.client().revokeToken(tokens.accessToken);
  }

  override async release(connection: OAuthConnection): Promise<void> {
    try {
      const credentials = await this.connections.credentials(connection.id);
      if (credentials) await this.oauth.client().revokeToken(credentials.refreshToken);
    } catch (error) {
      // Already revoked, or Google unreachable: the credentials are deleted either way.
      this.logger.warn('token not revoked', {
        connectionId: connection.id,
        status: (error as { status?: number }).status ?? 0,
      });
    }
  }
}
