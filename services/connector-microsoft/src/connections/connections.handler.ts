import type { MessageInitShape } from '@bufbuild/protobuf';
import { ConnectorEvents, MemberZone, OAuthConnectionAdmin, OAuthSigners } from '@calldesk/connector-kit';
import {
  providerCallbackRpcs,
  Rpcs,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type CalendarReplySchema,
  type ConnectionReplySchema,
  type DisconnectRequest,
  type OAuthCallback,
  type OAuthCallbackResultSchema,
  type SetCalendarRoleRequest,
} from '@calldesk/contracts';
import { Decline } from '@calldesk/messaging';
import { HandleRpc, SERVICE_CONFIG } from '@calldesk/service-kit';
import { issueOAuthState } from '@calldesk/signing';
import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftConfig } from '../config';
import { MicrosoftOAuth } from '../graph/microsoft-oauth';
import { MicrosoftTokens } from '../graph/microsoft-tokens';
import { CalendarSync } from '../sync/calendar-sync';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';
import { ConnectionStatusPublisher } from './connection-status';
import { ConnectFlow } from './connect-flow';

/**
 * The admin subjects for Microsoft connections: the authorization URL, the OAuth callback the
 * gateway forwards, calendar roles and disconnecting. Subjects shared with other connectors are
 * answered only for our own ids (or provider), and declined otherwise.
 */
@Injectable()
export class ConnectionsHandler {
  private readonly admin: OAuthConnectionAdmin<Calendar>;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    private readonly oauth: MicrosoftOAuth,
    tokens: MicrosoftTokens,
    private readonly signers: OAuthSigners,
    private readonly connect: ConnectFlow,
    connections: ConnectionStore,
    calendars: CalendarStore,
    status: ConnectionStatusPublisher,
    sync: CalendarSync,
    events: ConnectorEvents,
    zones: MemberZone,
  ) {
    this.admin = new OAuthConnectionAdmin('microsoft', { calendars, connections, tokens, status, sync, events, zones });
  }

  /** offline_access and calendars, a signed expiring state. */
  @HandleRpc(Rpcs.connectionsAuthorize)
  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    if (request.provider !== 'microsoft') throw new Decline();
    const state = issueOAuthState(
      this.signers.requireState(),
      { provider: 'microsoft', tenantId: request.tenantId, memberId: request.memberId },
      this.config.OAUTH_STATE_TTL_S,
    );
    return { authorizationUrl: this.oauth.authorizationUrl(state) };
  }

  @HandleRpc(providerCallbackRpcs('microsoft').oauthCallback)
  async oauthCallback(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    return this.connect.complete(callback);
  }

  @HandleRpc(Rpcs.calendarsSetRole)
  setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
    return this.admin.setRole(request);
  }

  /** Deletes the subscriptions and the credentials (Microsoft has no revocation of one grant: the user removes the app in their account). */
  @HandleRpc(Rpcs.connectionsDisconnect)
  disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    return this.admin.disconnect(request);
  }
}
