import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  CalendarInfo_Role,
  RpcError,
  type CalendarReplySchema,
  type ConnectionReplySchema,
  type DisconnectRequest,
  type ListConnectionsRequest,
  type ListConnectionsResponseSchema,
  type SetCalendarRoleRequest,
} from '@calldesk/contracts';
import { Decline } from '@calldesk/messaging';
import { Inject, Injectable } from '@nestjs/common';
import type { CalendarRole } from '../calendar-roles';
import { ConnectorEvents, memberOf } from '../connector-events';
import { declineUnlessOwned } from '../ids';
import { calendarInfo, connectionInfo } from './calendar-info';
import { OAuthCalendarStore } from './calendar.store';
import { OAuthConnectionStatusPublisher } from './connection-status';
import { OAuthConnectionStore } from './connection.store';
import { MemberZone } from './member-zone';
import { OAuthCalendarSync } from './oauth-calendar-sync';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';
import { OAuthSignIn } from './oauth-sign-in';
import { OAuthTokens } from './oauth-tokens';
import { OAuthPush } from './oauth-push';

/**
 * The admin requests an OAuth connector answers the same way whatever the provider, for its own
 * ids only (others are declined, for the connector they belong to).
 */
@Injectable()
export class OAuthConnectionAdmin {
  private readonly provider: string;

  constructor(
    @Inject(OAUTH_CONNECTOR) options: OAuthConnectorOptions,
    private readonly calendars: OAuthCalendarStore,
    private readonly connections: OAuthConnectionStore,
    private readonly tokens: OAuthTokens,
    private readonly status: OAuthConnectionStatusPublisher,
    private readonly sync: OAuthCalendarSync,
    private readonly push: OAuthPush,
    private readonly signIn: OAuthSignIn,
    private readonly events: ConnectorEvents,
    private readonly zones: MemberZone,
  ) {
    this.provider = options.provider;
  }

  /** The member's live connection (one at most per provider), for the owner's dashboard; other providers' requests are declined. */
  async list(request: ListConnectionsRequest): Promise<MessageInitShape<typeof ListConnectionsResponseSchema>> {
    if (request.provider !== this.provider) throw new Decline();
    const connection = await this.connections.forMember(request.tenantId, request.memberId);
    if (!connection) return { connections: [] };
    const zone = await this.zones.of(connection.tenantId, connection.memberId);
    return {
      connections: [connectionInfo(this.provider, connection, await this.calendars.ofConnection(connection.id), zone)],
    };
  }

  /** Booking, blocking or ignored; push follows (opened, or stopped for ignored). */
  async setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
    declineUnlessOwned(this.provider, request.calendarId);
    const calendar = await this.calendars.get(request.tenantId, request.calendarId);
    if (!calendar) throw RpcError.notFound('calendar', request.calendarId);
    const role = CalendarInfo_Role[request.role] as CalendarRole;
    const updated = await this.calendars.setRole(calendar, role);
    if (role === 'ignored') {
      await this.push.stop(updated, (await this.connections.find(updated.connectionId)) ?? undefined);
    } else {
      void this.sync.start(updated.id);
    }
    await this.events.calendarChanged(memberOf(updated), updated.id, `role:${role}:${Date.now()}`);
    return { calendar: calendarInfo(updated, await this.zones.of(updated.tenantId, updated.memberId)) };
  }

  /**
   * Stops push, releases the grant at the provider where it can be (before the credentials are
   * deleted), deletes the credentials and the calendars, and says so. Twice answers the same.
   */
  async disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    declineUnlessOwned(this.provider, request.connectionId);
    const connection = await this.connections.find(request.connectionId);
    if (!connection || connection.tenantId !== request.tenantId)
      throw RpcError.notFound('connection', request.connectionId);
    if (connection.status === 'disconnected') return { connection: connectionInfo(this.provider, connection, []) };
    for (const calendar of await this.calendars.ofConnection(connection.id)) await this.push.stop(calendar, connection);
    await this.signIn.release(connection);
    const disconnected = (await this.connections.setStatus(connection.id, 'disconnected')) ?? {
      ...connection,
      status: 'disconnected' as const,
    };
    this.tokens.forget(connection.id);
    await this.calendars.remove(connection.id);
    await this.status.publish(disconnected);
    return { connection: connectionInfo(this.provider, disconnected, []) };
  }
}
