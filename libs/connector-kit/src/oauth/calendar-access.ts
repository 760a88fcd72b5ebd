import type { MessageInitShape } from '@bufbuild/protobuf';
import { RpcError, type MemberCalendarsResponseSchema } from '@calldesk/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { ProviderError, toRpcError } from '../provider-error';
import { OAuthCalendarStore, type OAuthCalendar } from './calendar.store';
import { OAuthConnectionStore, type OAuthConnection } from './connection.store';
import { OAUTH_CONNECTOR, type OAuthConnectorOptions } from './oauth-connector-options';

/**
 * What every request of the connector contract does before it reaches the provider, the same for
 * every OAuth provider: the calendar and its connection looked up, refused when disconnected,
 * waiting for reauthorization or read-only, and provider failures turned into the contract's errors.
 */
@Injectable()
export class OAuthCalendarAccess {
  private readonly provider: string;

  constructor(
    @Inject(OAUTH_CONNECTOR) options: OAuthConnectorOptions,
    private readonly calendars: OAuthCalendarStore,
    private readonly connections: OAuthConnectionStore,
  ) {
    this.provider = options.provider;
  }

  /** The member's calendars as the connector contract lists them. */
  async memberCalendars(
    tenantId: string,
    memberId: string,
  ): Promise<MessageInitShape<typeof MemberCalendarsResponseSchema>> {
    const calendars = await this.calendars.ofMember(tenantId, memberId);
    return {
      calendars: calendars.map((c) => ({
        calendarId: c.id,
        role: c.role,
        timeZone: c.timeZone,
        connectionId: c.connectionId,
      })),
    };
  }

  /** The calendar and its live connection; not_found for a calendar of another tenant. */
  async calendar(
    tenantId: string,
    calendarId: string,
  ): Promise<{ calendar: OAuthCalendar; connection: OAuthConnection }> {
    const calendar = await this.calendars.get(tenantId, calendarId);
    if (!calendar) throw RpcError.notFound('calendar', calendarId);
    return { calendar, connection: await this.liveConnection(calendar.connectionId) };
  }

  /** As `calendar`, for writing our events: a read-only calendar is refused. */
  async writable(
    tenantId: string,
    calendarId: string,
  ): Promise<{ calendar: OAuthCalendar; connection: OAuthConnection }> {
    const found = await this.calendar(tenantId, calendarId);
    if (!found.calendar.writable)
      throw new RpcError('failed_precondition', `calendar ${calendarId} is read-only`, {
        calendarId,
        reason: 'read_only',
      });
    return found;
  }

  async liveConnection(connectionId: string): Promise<OAuthConnection> {
    const connection = await this.connections.find(connectionId);
    if (!connection || connection.status === 'disconnected') {
      throw new RpcError('failed_precondition', 'the calendar is disconnected', {
        reason: 'disconnected',
        provider: this.provider,
      });
    }
    if (connection.status === 'needs_reauth') throw toRpcError(new ProviderError('auth_rejected'), this.provider);
    return connection;
  }

  /** A provider call whose failure is the request's answer, as the contract's error. */
  async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toRpcError(error, this.provider);
    }
  }
}
