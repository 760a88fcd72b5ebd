import { ConnectorEvents, OAuthConnectionStatusPublisher } from '@calldesk/connector-kit';
import { LOGGER } from '@calldesk/service-kit';
import type { Logger } from '@calldesk/telemetry';
import { Inject, Injectable } from '@nestjs/common';
import { ConnectionStore } from '../store/connection.store';

/** Publishes the status of Microsoft connections (connector-kit's OAuthConnectionStatusPublisher). */
@Injectable()
export class ConnectionStatusPublisher extends OAuthConnectionStatusPublisher {
  constructor(events: ConnectorEvents, connections: ConnectionStore, @Inject(LOGGER) logger: Logger) {
    super(events, connections, logger);
  }
}
