import { ConnectorEvents } from '@calldesk/connector-kit';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { ConnectionStore, type Connection } from '../store/connection.store';

/**
 * Publishes calendar.v1.events.connection.status: availability leaves a member out while their
 * connection is not `connected`, and notifications tell the owner.
 */
@Injectable()
export class ConnectionStatusPublisher {
  constructor(
    private readonly events: ConnectorEvents,
    private readonly connections: ConnectionStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  publish(connection: Connection): Promise<void> {
    return this.events.connectionStatus({ tenantId: connection.tenantId, memberId: connection.memberId }, connection.id, connection.status, String(connection.updatedAt.getTime()));
  }

  /** The grant is dead (invalid_grant): the member must reconnect. Published once. */
  async needsReauth(connection: Connection): Promise<void> {
    const changed = await this.connections.setStatus(connection.id, 'needs_reauth', 'connected');
    if (!changed) return;
    this.logger.warn('connection needs reauthorization', { connectionId: connection.id, tenantId: connection.tenantId, provider: 'microsoft' });
    await this.publish(changed);
  }
}
