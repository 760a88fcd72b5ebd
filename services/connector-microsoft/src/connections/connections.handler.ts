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
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
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
    tokens: MicrosoftTokens,
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

  /** For a member of the tenant only: a single-use state and a PKCE challenge (connector-kit's OAuthConnectFlow). */
  @HandleRpc(Rpcs.connectionsAuthorize)
  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    if (request.provider !== 'microsoft') throw new Decline();
    return this.connect.authorize(request);
  }

  @HandleRpc(providerCallbackRpcs('microsoft').oauthCallback)
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

  /** Deletes the subscriptions and the credentials (Microsoft has no revocation of one grant: the user removes the app in their account). */
  @HandleRpc(Rpcs.connectionsDisconnect)
  disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    return this.admin.disconnect(request);
  }
}
