import { MemberCheck, MemberZone, OAuthConnectFlow, OAuthSigners, OAuthStateStore, toRpcError, usedSignInCode, type SignInTokens } from '@calldesk/connector-kit';
import { SERVICE_CONFIG } from '@calldesk/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { GraphFailure } from '../graph/graph-errors';
import { MicrosoftOAuth } from '../graph/microsoft-oauth';
import { MicrosoftTokens } from '../graph/microsoft-tokens';
import { CalendarSync } from '../sync/calendar-sync';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';
import { ConnectionStatusPublisher } from './connection-status';

const CALENDARS = 'calendars.readwrite';

/**
 * Microsoft's side of connector-kit's OAuthConnectFlow: the code exchanged at the v2.0 token
 * endpoint; Calendars.ReadWrite is needed (Graph may name it with its resource in front). Graph
 * has no revocation of one grant: the user removes the app in their account.
 */
@Injectable()
export class ConnectFlow extends OAuthConnectFlow<Calendar> {
  constructor(
    @Inject(SERVICE_CONFIG) config: MicrosoftConfig,
    signers: OAuthSigners,
    states: OAuthStateStore,
    members: MemberCheck,
    private readonly oauth: MicrosoftOAuth,
    tokens: MicrosoftTokens,
    connections: ConnectionStore,
    calendars: CalendarStore,
    status: ConnectionStatusPublisher,
    sync: CalendarSync,
    zones: MemberZone,
  ) {
    super({ config, signers, states, members, tokens, connections, calendars, status, sync, zones }, 'microsoft', 'Microsoft');
  }

  protected authorizationUrl(state: string, codeChallenge: string): string {
    return this.oauth.authorizationUrl(state, codeChallenge);
  }

  protected async exchange(code: string, codeVerifier: string): Promise<SignInTokens> {
    try {
      return await this.oauth.exchange(code, codeVerifier, AbortSignal.timeout(10_000));
    } catch (error) {
      if (error instanceof GraphFailure && error.code === 'invalid_grant') throw usedSignInCode();
      throw toRpcError(error, 'microsoft');
    }
  }

  protected missingPermission(tokens: SignInTokens): string | undefined {
    const granted = tokens.scopes.some((scope) => scope.toLowerCase() === CALENDARS || scope.toLowerCase().endsWith(`/${CALENDARS}`));
    return granted ? undefined : 'Microsoft did not grant access to the calendars: connect again and allow it';
  }
}
