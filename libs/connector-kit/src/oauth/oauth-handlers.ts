import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  connectorRpcs,
  providerCallbackRpcs,
  Rpcs,
  type AuthorizeRequest,
  type AuthorizeResponseSchema,
  type BusyRequest,
  type BusyResponseSchema,
  type CalendarReplySchema,
  type ConnectionReplySchema,
  type DisconnectRequest,
  type EventRef,
  type EventReplySchema,
  type EventWrite,
  type ListConnectionsRequest,
  type ListConnectionsResponseSchema,
  type MemberCalendarsRequest,
  type MemberCalendarsResponseSchema,
  type OAuthCallback,
  type OAuthCallbackResultSchema,
  type SetCalendarRoleRequest,
} from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable, type Type } from '@nestjs/common';
import { connectionsPageHandler } from '../connections-page';
import { OAuthBookingEvents } from './booking-events';
import { OAuthBusyReader } from './busy-reader';
import { OAuthCalendarAccess } from './calendar-access';
import { OAuthConnectFlow } from './connect-flow';
import { OAuthConnectionAdmin } from './connection-admin';
import type { OAuthProvider } from './oauth-connector-options';

type EventReply = MessageInitShape<typeof EventReplySchema>;

/**
 * The subjects an OAuth connector answers, each bound to the kit class that does the work: the
 * connector contract (calendar.internal.connector.<provider>.*), the admin subjects and the OAuth
 * callback. Subjects shared with other connectors are answered only for the provider's own ids
 * (or name), and declined otherwise.
 */
export function oauthHandlers(provider: OAuthProvider): Type[] {
  const rpcs = connectorRpcs(provider);

  @Injectable()
  class ConnectorContractHandler {
    constructor(
      private readonly busyReader: OAuthBusyReader,
      private readonly access: OAuthCalendarAccess,
      private readonly bookingEvents: OAuthBookingEvents,
    ) {}

    @HandleRpc(rpcs.busy)
    busy(request: BusyRequest): Promise<MessageInitShape<typeof BusyResponseSchema>> {
      return this.busyReader.busy(request);
    }

    @HandleRpc(rpcs.calendars)
    memberCalendars(request: MemberCalendarsRequest): Promise<MessageInitShape<typeof MemberCalendarsResponseSchema>> {
      return this.access.memberCalendars(request.tenantId, request.memberId);
    }

    @HandleRpc(rpcs.createEvent)
    createEvent(write: EventWrite): Promise<EventReply> {
      return this.bookingEvents.create(write);
    }

    @HandleRpc(rpcs.updateEvent)
    updateEvent(write: EventWrite): Promise<EventReply> {
      return this.bookingEvents.update(write);
    }

    @HandleRpc(rpcs.deleteEvent)
    deleteEvent(ref: EventRef): Promise<EventReply> {
      return this.bookingEvents.delete(ref);
    }

    @HandleRpc(rpcs.findEvent)
    findEvent(ref: EventRef): Promise<EventReply> {
      return this.bookingEvents.find(ref);
    }
  }

  @Injectable()
  class ConnectionsHandler {
    constructor(
      private readonly flow: OAuthConnectFlow,
      private readonly admin: OAuthConnectionAdmin,
    ) {}

    @HandleRpc(Rpcs.connectionsAuthorize)
    authorize(request: AuthorizeRequest): Promise<MessageInitShape<typeof AuthorizeResponseSchema>> {
      return this.flow.authorize(request);
    }

    @HandleRpc(providerCallbackRpcs(provider).oauthCallback)
    oauthCallback(callback: OAuthCallback): Promise<MessageInitShape<typeof OAuthCallbackResultSchema>> {
      return this.flow.complete(callback);
    }

    @HandleRpc(Rpcs.connectionsList)
    list(request: ListConnectionsRequest): Promise<MessageInitShape<typeof ListConnectionsResponseSchema>> {
      return this.admin.list(request);
    }

    @HandleRpc(Rpcs.calendarsSetRole)
    setRole(request: SetCalendarRoleRequest): Promise<MessageInitShape<typeof CalendarReplySchema>> {
      return this.admin.setRole(request);
    }

    @HandleRpc(Rpcs.connectionsDisconnect)
    disconnect(request: DisconnectRequest): Promise<MessageInitShape<typeof ConnectionReplySchema>> {
      return this.admin.disconnect(request);
    }
  }

  return [ConnectorContractHandler, ConnectionsHandler, connectionsPageHandler(provider, 'id')];
}
