import { changeRole, ConnectorEvents, declineUnlessOwned, parseRole } from '@calldesk/connector-kit';
import {
  CalendarInfo_Role,
  connectorRpcs,
  Connection_Status,
  RpcError,
  Rpcs,
  type DisconnectRequest,
  type ListConnectionsRequest,
  type MemberCalendarsRequest,
  type SetCalendarRoleRequest,
} from '@calldesk/contracts';
import { Decline } from '@calldesk/messaging';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { calendarInfo, connectionMessage } from './connection-reply';
import { ConnectionStore } from './connection-store';

const rpcs = connectorRpcs('caldav');

/** Roles, disconnection and the member's connections and calendars, for the calendars and connections that are ours. */
@Injectable()
export class CalendarsHandler {
  constructor(
    private readonly store: ConnectionStore,
    private readonly events: ConnectorEvents,
  ) {}

  /** calendar.v1.admin.calendars.setRole, answered only for `caldav:` calendar ids. */
  @HandleRpc(Rpcs.calendarsSetRole)
  async setRole(request: SetCalendarRoleRequest) {
    declineUnlessOwned('caldav', request.calendarId);
    const calendar = await this.store.calendar(request.tenantId, request.calendarId);
    if (!calendar || calendar.connection.status === 'disconnected')
      throw RpcError.notFound('calendar', request.calendarId);
    const role = parseRole(CalendarInfo_Role[request.role]);
    const changes = await this.store.forMember(calendar.tenantId, calendar.memberId, async (manager) => {
      const calendars = await this.store.memberCalendars(calendar.tenantId, calendar.memberId, manager);
      const made = changeRole(calendars, request.calendarId, role);
      await this.store.setRoles(manager, made);
      return made;
    });
    // Which calendars block time (or take bookings) changed: cached busy answers go.
    const version = `role:${Date.now()}`;
    await Promise.all(changes.map((change) => this.events.calendarChanged(calendar, change.calendarId, version)));
    return { calendar: calendarInfo({ ...calendar, role }) };
  }

  /** calendar.v1.admin.connections.list for provider caldav, which iCloud's connections are too. */
  @HandleRpc(Rpcs.connectionsList)
  async list(request: ListConnectionsRequest) {
    if (request.provider !== 'caldav') throw new Decline();
    const connections = await this.store.memberConnections(request.tenantId, request.memberId);
    return {
      connections: await Promise.all(
        connections.map(async (connection) =>
          connectionMessage(connection, await this.store.calendarsOf(connection.connectionId)),
        ),
      ),
    };
  }

  /** calendar.v1.admin.connections.disconnect, answered only for `caldav:` connection ids. */
  @HandleRpc(Rpcs.connectionsDisconnect)
  async disconnect(request: DisconnectRequest) {
    declineUnlessOwned('caldav', request.connectionId);
    const connection = await this.store.connection(request.tenantId, request.connectionId);
    if (!connection) throw RpcError.notFound('connection', request.connectionId);
    await this.store.disconnect(connection.connectionId);
    // Published again on a repeated disconnect (the stream drops the copy): a first publish may have failed.
    await this.events.connectionStatus(connection, connection.connectionId, 'disconnected', 'disconnect');
    return {
      connection: {
        id: connection.connectionId,
        provider: 'caldav',
        status: Connection_Status.disconnected,
        calendars: [],
        memberId: connection.memberId,
      },
    };
  }

  /** calendar.internal.connector.caldav.calendars: every calendar of the member's live connections. */
  @HandleRpc(rpcs.calendars)
  async memberCalendars(request: MemberCalendarsRequest) {
    const calendars = await this.store.memberCalendars(request.tenantId, request.memberId);
    return {
      calendars: calendars.map((calendar) => ({
        calendarId: calendar.calendarId,
        role: calendar.role,
        timeZone: calendar.timeZone,
        connectionId: calendar.connectionId,
      })),
    };
  }
}
