import { Connection_Status, Events } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Inject, Injectable } from '@nestjs/common';

/** The provider a connector serves (`caldav`, `google`, `microsoft`): the module provides it. */
export const CONNECTOR_PROVIDER = Symbol('CONNECTOR_PROVIDER');

export type ConnectionStatus = 'connected' | 'needs_reauth' | 'disconnected';

export interface MemberRef {
  tenantId: string;
  memberId: string;
}

/** Just the member of a row that names one, for an event about the member. */
export function memberOf(owner: MemberRef): MemberRef {
  return { tenantId: owner.tenantId, memberId: owner.memberId };
}

/**
 * What a connector publishes on the event stream, each with a Nats-Msg-Id derived from what
 * happened (and a `version` naming that occurrence), so that a republish after a crash or by a
 * second instance is dropped by the stream.
 */
@Injectable()
export class ConnectorEvents {
  constructor(
    private readonly bus: Bus,
    @Inject(CONNECTOR_PROVIDER) readonly provider: string,
  ) {}

  /** Availability asks this provider for the member's busy times while the connection is `connected`. */
  async connectionStatus(
    member: MemberRef,
    connectionId: string,
    status: ConnectionStatus,
    version: string,
  ): Promise<void> {
    await this.bus.events.publish(
      Events.connectionStatus,
      {
        tenantId: member.tenantId,
        memberId: member.memberId,
        connectionId,
        provider: this.provider,
        status: Connection_Status[status],
      },
      `connection.status:${connectionId}:${status}:${version}`,
    );
  }

  /** Something in the calendar changed (or whether it can be read did): caches of its busy times go. */
  async calendarChanged(member: MemberRef, calendarId: string, version: string): Promise<void> {
    await this.bus.events.publish(
      Events.calendarChanged,
      {
        tenantId: member.tenantId,
        memberId: member.memberId,
        calendarId,
        provider: this.provider,
        changedAt: new Date().toISOString(),
      },
      `calendar.changed:${calendarId}:${version}`,
    );
  }

  /**
   * The provider event of one of our bookings was deleted or moved by someone else: the booking
   * service cancels or flags the booking and tells the owner.
   */
  async bookingEventChanged(
    member: MemberRef,
    change: { calendarId: string; bookingId: string; change: 'deleted' | 'moved'; start?: string; end?: string },
    version: string,
  ): Promise<void> {
    await this.bus.events.publish(
      Events.bookingEventChanged,
      { tenantId: member.tenantId, memberId: member.memberId, ...change },
      `booking_event_changed:${change.calendarId}:${change.bookingId}:${change.change}:${version}`,
    );
  }
}
