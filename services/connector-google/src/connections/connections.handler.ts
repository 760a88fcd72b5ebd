import type { MessageInitShape } from '@bufbuild/protobuf';
import { ConnectorEvents, MemberZone, OAuthConnectionAdmin } from '@calldesk/connector-kit';
import {
  providerCallbackRpcs,
  Rpcs,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type CalendarReplySchema,
  type ConnectionReplySchema,
  type DisconnectRequest,
  type ListConnectionsRequest,
  type ListConnectionsResponseSchema,
  type OAuthCallback,
  type OAuthCallbackResultSchema,
  type SetCalendarRoleRequest,
} from '@calldesk/contracts';
import { Decline } from '@calldesk/messaging';
import { HandleRpc, LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { GoogleOAuth } from '../google/google-oauth';
import { GoogleTokens } from '../google/google-tokens';
import { CalendarSync } from '../sync/calendar-sync';
import { CalendarStore, type Calendar } from '../store/calendar.store';
import { ConnectionStore } from '../store/connection.store';
import { ConnectionStatusPublisher } from './connection-status';
import { ConnectFlow } from './connect-flow';

/**
 * The admin subjects for Google connections: the authorization URL, the OAuth callback the
 * gateway forwards, calendar roles and disconnecting. Subjects shared with other connectors are
 * answered only for our own ids (or provider), and declined otherwise.
 */
@Injectable()
export class ConnectionsHandler {
  private readonly admin: OAuthConnectionAdmin<Calendar>;

  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly oauth: GoogleOAuth,
    tokens: GoogleTokens,
    private readonly connect: ConnectFlow,
    private readonly connections: ConnectionStore,
    calendars: CalendarStore,
    status: ConnectionStatusPublisher,
    sync: CalendarSync,
    events: ConnectorEvents,
    zones: MemberZone,
  ) {
    this.admin = new OAuthConnectionAdmin('google', { calendars, connections, tokens, status, sync, events, zones });
  }

  /** For a member of the tenant only: a single-use state and a PKCE challenge (connector-kit's OAuthConnectFlow). */
  @HandleRpc(Rpcs.connectionsAuthorize)
  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    if (request.provider !== 'google') throw new Decline();
    return this.connect.authorize(request);
  }

  @HandleRpc(providerCallbackRpcs('google').oauthCallback)
  async oauthCallback(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    return this.connect.complete(callback);
  }

  @HandleRpc(Rpcs.connectionsList)
  list(request: ListConnectionsRequest): Promise<MessageInitShape<typeof ListConnectionsResponseSchema>> {
    return this.admin.list(request);
  }

  @HandleRpc(Rpcs.calendarsSetRole)
  setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
    return this.admin.setRole(request);
  }

  /** Stops the channels, revokes the grant at Google, deletes the credentials. */
  @HandleRpc(Rpcs.connectionsDisconnect)
  disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    return this.admin.disconnect(request, (connection) => this.revoke(connection.id));
  }

  private async revoke(connectionId: string): Promise<void> {
    try {
      const credentials = await this.connections.credentials(connectionId);
      if (credentials) await this.oauth.client().revokeToken(credentials.refreshToken);
    } catch (error) {
      // Already revoked, or Google unreachable: the credentials are deleted either way.
      this.logger.warn('token not revoked', { connectionId, status: (error as { status?: number }).status ?? 0 });
    }
  }
}
