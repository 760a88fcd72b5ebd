import { connectionsPage } from '@calldesk/connector-kit';
import { connectorRpcs, type ConnectionsRequest } from '@calldesk/contracts';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Every Google connection and its status now, a page at a time: what availability is rebuilt from. */
@Injectable()
export class ConnectionsPageHandler {
  constructor(private readonly db: DataSource) {}

  @HandleRpc(connectorRpcs('google').connections)
  page(request: ConnectionsRequest) {
    return connectionsPage(this.db, 'google', 'id', request);
  }
}
