import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  calendarInfo,
  type CalendarRole,
  connectionInfo,
  ConnectorEvents,
  declineUnlessOwned,
  MemberZone,
  OAuthSigners,
} from '@calldesk/connector-kit';
import {
  CalendarInfo_Role,
  providerCallbackRpcs,
  RpcError,
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
import { CalendarSync, memberOf } from '../sync/calendar-sync';
import { CalendarStore } from '../store/calendar.store';
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
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MicrosoftConfig,
    private readonly oauth: MicrosoftOAuth,
    private readonly tokens: MicrosoftTokens,
    private readonly signers: OAuthSigners,
    private readonly connect: ConnectFlow,
    private readonly connections: ConnectionStore,
    private readonly calendars: CalendarStore,
    private readonly status: ConnectionStatusPublisher,
    private readonly sync: CalendarSync,
    private readonly events: ConnectorEvents,
    private readonly zones: MemberZone,
  ) {}

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

  /** Booking, blocking or ignored; the channel follows (opened, or stopped for ignored). */
  @HandleRpc(Rpcs.calendarsSetRole)
  async setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
    declineUnlessOwned('microsoft', request.calendarId);
    const calendar = await this.calendars.get(request.tenantId, request.calendarId);
    if (!calendar) throw RpcError.notFound('calendar', request.calendarId);
    const role = CalendarInfo_Role[request.role] as CalendarRole;
    const updated = await this.calendars.setRole(calendar, role);
    if (role === 'ignored') {
      await this.sync.stopPush(updated, (await this.connections.find(updated.connectionId)) ?? undefined);
    } else {
      void this.sync.start(updated.id);
    }
    await this.events.calendarChanged(memberOf(updated), updated.id, `role:${role}:${Date.now()}`);
    return { calendar: calendarInfo(updated, await this.zones.of(updated.tenantId, updated.memberId)) };
  }

  /** Deletes the subscriptions and the credentials (Microsoft has no revocation of one grant: the user removes the app in their account). */
  @HandleRpc(Rpcs.connectionsDisconnect)
  async disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    declineUnlessOwned('microsoft', request.connectionId);
    const connection = await this.connections.find(request.connectionId);
    if (!connection || connection.tenantId !== request.tenantId) throw RpcError.notFound('connection', request.connectionId);
    if (connection.status === 'disconnected') return { connection: connectionInfo('microsoft', connection, []) };
    for (const calendar of await this.calendars.ofConnection(connection.id)) await this.sync.stopPush(calendar, connection);
    const disconnected = (await this.connections.setStatus(connection.id, 'disconnected')) ?? { ...connection, status: 'disconnected' as const };
    this.tokens.forget(connection.id);
    await this.calendars.remove(connection.id);
    await this.status.publish(disconnected);
    return { connection: connectionInfo('microsoft', disconnected, []) };
  }
}
