import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { ConnectorEvents } from '../connector-events';
import { OAuthConnectionStore, type OAuthConnection } from './connection.store';

/**
 * Publishes calendar.v1.events.connection.status for the connector's provider: availability leaves
 * a member out while their connection is not `connected`, and notifications tell the owner.
 */
@Injectable()
export class OAuthConnectionStatusPublisher {
  constructor(
    private readonly events: ConnectorEvents,
    private readonly connections: OAuthConnectionStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  publish(connection: OAuthConnection): Promise<void> {
    return this.events.connectionStatus(
      { tenantId: connection.tenantId, memberId: connection.memberId },
      connection.id,
      connection.status,
      String(connection.updatedAt.getTime()),
    );
  }

  /** The grant is dead (invalid_grant): the member must reconnect. Published once. */
  async needsReauth(connection: OAuthConnection): Promise<void> {
    const changed = await this.connections.setStatus(connection.id, 'needs_reauth', 'connected');
    if (!changed) return;
    this.logger.warn('connection needs reauthorization', {
      connectionId: connection.id,
      tenantId: connection.tenantId,
      provider: this.events.provider,
    });
    await this.publish(changed);
  }
}
