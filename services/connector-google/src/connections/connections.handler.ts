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
import { HandleRpc, LOGGER, SERVICE_CONFIG } from '@calldesk/service-kit';
import { issueOAuthState } from '@calldesk/signing';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import type { GoogleConfig } from '../config';
import { GOOGLE_SCOPES, GoogleOAuth } from '../google/google-oauth';
import { GoogleTokens } from '../google/google-tokens';
import { CalendarSync, memberOf } from '../sync/calendar-sync';
import { CalendarStore } from '../store/calendar.store';
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
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: GoogleConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly oauth: GoogleOAuth,
    private readonly tokens: GoogleTokens,
    private readonly signers: OAuthSigners,
    private readonly connect: ConnectFlow,
    private readonly connections: ConnectionStore,
    private readonly calendars: CalendarStore,
    private readonly status: ConnectionStatusPublisher,
    private readonly sync: CalendarSync,
    private readonly events: ConnectorEvents,
    private readonly zones: MemberZone,
  ) {}

  /** Offline access (a refresh token), consent asked again, narrow scopes, a signed expiring state. */
  @HandleRpc(Rpcs.connectionsAuthorize)
  async authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
    if (request.provider !== 'google') throw new Decline();
    const state = issueOAuthState(
      this.signers.requireState(),
      { provider: 'google', tenantId: request.tenantId, memberId: request.memberId },
      this.config.OAUTH_STATE_TTL_S,
    );
    const authorizationUrl = this.oauth.client().generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      include_granted_scopes: false,
      scope: [...GOOGLE_SCOPES],
      state,
    });
    return { authorizationUrl };
  }

  @HandleRpc(providerCallbackRpcs('google').oauthCallback)
  async oauthCallback(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
    return this.connect.complete(callback);
  }

  /** Booking, blocking or ignored; the channel follows (opened, or stopped for ignored). */
  @HandleRpc(Rpcs.calendarsSetRole)
  async setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
    declineUnlessOwned('google', request.calendarId);
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

  /** Stops the channels, revokes the grant at Google, deletes the credentials. */
  @HandleRpc(Rpcs.connectionsDisconnect)
  async disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    declineUnlessOwned('google', request.connectionId);
    const connection = await this.connections.find(request.connectionId);
    if (!connection || connection.tenantId !== request.tenantId) throw RpcError.notFound('connection', request.connectionId);
    if (connection.status === 'disconnected') return { connection: connectionInfo('google', connection, []) };
    for (const calendar of await this.calendars.ofConnection(connection.id)) await this.sync.stopPush(calendar, connection);
    await this.revoke(connection.id);
    const disconnected = (await this.connections.setStatus(connection.id, 'disconnected')) ?? { ...connection, status: 'disconnected' as const };
    this.tokens.forget(connection.id);
    await this.calendars.remove(connection.id);
    await this.status.publish(disconnected);
    return { connection: connectionInfo('google', disconnected, []) };
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
