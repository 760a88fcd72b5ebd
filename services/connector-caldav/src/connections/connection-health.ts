import { ConnectorEvents, isAuthRejected, isUnavailable } from '@calldesk/connector-kit';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { ConnectionStore, type ConnectionRow } from './connection-store';

/**
 * Whether a connection's server can be read, as every instance sees it: the first to see a
 * change of it records it and tells the others. Unreachable (network, 5xx, 503 with backoff
 * through the circuit breaker): its calendars' busy caches go, so availability asks again and
 * leaves the member out until the server answers; back: the caches go again. A refused password:
 * `needs_reauth`, until the owner connects again.
 */
@Injectable()
export class ConnectionHealth {
  constructor(
    private readonly store: ConnectionStore,
    private readonly events: ConnectorEvents,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Records what a failed call says of the connection; other failures say nothing of it. */
  async failed(connection: ConnectionRow, error: unknown): Promise<void> {
    if (isAuthRejected(error)) return this.needsReauth(connection);
    if (isUnavailable(error)) return this.unavailable(connection);
  }

  async succeeded(connection: ConnectionRow): Promise<void> {
    if (!connection.unavailableSince) return;
    if (!(await this.store.markAvailable(connection.connectionId))) return;
    this.logger.info('caldav server reachable again', { connectionId: connection.connectionId });
    await this.announce(connection, `available:${Date.now()}`);
  }

  private async unavailable(connection: ConnectionRow): Promise<void> {
    if (!(await this.store.markUnavailable(connection.connectionId))) return;
    this.logger.warn('caldav server unavailable: member left out of availability', {
      connectionId: connection.connectionId,
    });
    await this.announce(connection, `unavailable:${Date.now()}`);
  }

  private async needsReauth(connection: ConnectionRow): Promise<void> {
    if (!(await this.store.markNeedsReauth(connection.connectionId))) return;
    this.logger.warn('caldav server refused the credentials: connection needs reauthorization', {
      connectionId: connection.connectionId,
    });
    await this.events.connectionStatus(connection, connection.connectionId, 'needs_reauth', `${Date.now()}`);
  }

  /** Drops every cached busy answer of the connection's calendars. */
  private async announce(connection: ConnectionRow, version: string): Promise<void> {
    const calendars = await this.store.calendarsOf(connection.connectionId);
    await Promise.all(
      calendars.map((calendar) => this.events.calendarChanged(connection, calendar.calendarId, version)),
    );
  }
}
