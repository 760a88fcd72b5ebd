import { MemberCheck, MemberZone, OAuthConnectFlow, OAuthSigners, OAuthStateStore, toRpcError, usedSignInCode, type SignInTokens } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import { CodeChallengeMethod } from 'google-auth-library';
import type { GoogleConfig } from '../config';
import { googleErrorOf, GoogleError } from '../google/google-errors';
import { GOOGLE_SCOPES, GoogleOAuth } from '../google/google-oauth';
import { GoogleTokens } from '../google/google-tokens';
import { CalendarSync } from '../sync/calendar-sync';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';
import { ConnectionStatusPublisher } from './connection-status';

/**
 * Google's side of connector-kit's OAuthConnectFlow: offline access (a refresh token), consent
 * asked again and narrow scopes in the authorization URL; the code exchanged by googleapis' OAuth2
 * client; every scope asked for is needed (users can untick some), and an unusable grant is
 * revoked at once.
 */
@Injectable()
export class ConnectFlow extends OAuthConnectFlow<Calendar> {
  constructor(
    @Inject(SERVICE_CONFIG) config: GoogleConfig,
    signers: OAuthSigners,
    states: OAuthStateStore,
    members: MemberCheck,
    private readonly oauth: GoogleOAuth,
    tokens: GoogleTokens,
    connections: ConnectionStore,
    calendars: CalendarStore,
    status: ConnectionStatusPublisher,
    sync: CalendarSync,
    zones: MemberZone,
  ) {
    super({ config, signers, states, members, tokens, connections, calendars, status, sync, zones }, 'google', 'Google');
  }

  protected authorizationUrl(state: string, codeChallenge: string): string {
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

  protected async exchange(code: string, codeVerifier: string): Promise<SignInTokens> {
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

  protected missingPermission(tokens: SignInTokens): string | undefined {
    const missing = GOOGLE_SCOPES.some((scope) => !tokens.scopes.includes(scope));
    return missing ? 'Google did not grant every permission asked for: connect again and allow them all' : undefined;
  }

  protected override async giveBack(tokens: SignInTokens): Promise<void> {
    if (tokens.accessToken) await this.oauth.client().revokeToken(tokens.accessToken);
  }
}
