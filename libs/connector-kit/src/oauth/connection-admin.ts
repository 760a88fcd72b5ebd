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
import type { CalendarRole } from '../calendar-roles';
import { memberOf, type ConnectorEvents } from '../connector-events';
import { declineUnlessOwned } from '../ids';
import { calendarInfo, connectionInfo } from './calendar-info';
import type { OAuthCalendar, OAuthCalendarStore } from './calendar.store';
import type { OAuthConnectionStatusPublisher } from './connection-status';
import type { OAuthConnection, OAuthConnectionStore } from './connection.store';
import type { MemberZone } from './member-zone';
import type { OAuthCalendarSync } from './oauth-calendar-sync';
import type { OAuthTokens } from './oauth-tokens';

export interface OAuthConnectionAdminParts<C extends OAuthCalendar> {
  calendars: OAuthCalendarStore<C>;
  connections: OAuthConnectionStore;
  tokens: OAuthTokens;
  status: OAuthConnectionStatusPublisher;
  sync: OAuthCalendarSync<C>;
  events: ConnectorEvents;
  zones: MemberZone;
}

/**
 * The admin requests an OAuth connector answers the same way whatever the provider, for its own
 * ids only (others are declined, for the connector they belong to).
 */
export class OAuthConnectionAdmin<C extends OAuthCalendar> {
  constructor(
    private readonly provider: string,
    private readonly parts: OAuthConnectionAdminParts<C>,
  ) {}

  /** The member's live connection (one at most per provider), for the owner's dashboard; other providers' requests are declined. */
  async list(request: ListConnectionsRequest): Promise<MessageInitShape<typeof ListConnectionsResponseSchema>> {
    const { calendars, connections, zones } = this.parts;
    if (request.provider !== this.provider) throw new Decline();
    const connection = await connections.forMember(request.tenantId, request.memberId);
    if (!connection) return { connections: [] };
    const zone = await zones.of(connection.tenantId, connection.memberId);
    return { connections: [connectionInfo(this.provider, connection, await calendars.ofConnection(connection.id), zone)] };
  }

  /** Booking, blocking or ignored; push follows (opened, or stopped for ignored). */
  async setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
    const { calendars, connections, sync, events, zones } = this.parts;
    declineUnlessOwned(this.provider, request.calendarId);
    const calendar = await calendars.get(request.tenantId, request.calendarId);
    if (!calendar) throw RpcError.notFound('calendar', request.calendarId);
    const role = CalendarInfo_Role[request.role] as CalendarRole;
    const updated = await calendars.setRole(calendar, role);
    if (role === 'ignored') {
      await sync.stopPush(updated, (await connections.find(updated.connectionId)) ?? undefined);
    } else {
      void sync.start(updated.id);
    }
    await events.calendarChanged(memberOf(updated), updated.id, `role:${role}:${Date.now()}`);
    return { calendar: calendarInfo(updated, await zones.of(updated.tenantId, updated.memberId)) };
  }

  /**
   * Stops push, `release`s the grant at the provider where it can be (before the credentials
   * are deleted), deletes the credentials and the calendars, and says so. Twice answers the same.
   */
  async disconnect(
    request: DisconnectRequest,
    release: (connection: OAuthConnection) => Promise<void> = async () => undefined,
  ): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
    const { calendars, connections, tokens, status, sync } = this.parts;
    declineUnlessOwned(this.provider, request.connectionId);
    const connection = await connections.find(request.connectionId);
    if (!connection || connection.tenantId !== request.tenantId) throw RpcError.notFound('connection', request.connectionId);
    if (connection.status === 'disconnected') return { connection: connectionInfo(this.provider, connection, []) };
    for (const calendar of await calendars.ofConnection(connection.id)) await sync.stopPush(calendar, connection);
    await release(connection);
    const disconnected = (await connections.setStatus(connection.id, 'disconnected')) ?? { ...connection, status: 'disconnected' as const };
    tokens.forget(connection.id);
    await calendars.remove(connection.id);
    await status.publish(disconnected);
    return { connection: connectionInfo(this.provider, disconnected, []) };
  }
}
