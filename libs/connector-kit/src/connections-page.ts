import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  Connection_Status,
  connectorRpcs,
  type ConnectionsRequest,
  type ConnectionsResponseSchema,
} from '@calldesk/contracts';
import { query } from '@calldesk/persistence';
import { HandleRpc } from '@calldesk/service-kit';
import { Injectable, type Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ConnectionStatus } from './connector-events';

const MAX_PAGE = 500;

/**
 * A connector's answer to calendar.internal.connector.<provider>.connections: a page of the
 * connections in its `connections` table (disconnected ones too) with their status now, in order
 * of the key column `idColumn`, the last key of a page being the next page's token. Availability
 * takes these when connection.status events it never saw have aged out of the stream.
 */
export async function connectionsPage(
  db: DataSource,
  provider: string,
  idColumn: 'id' | 'connection_id',
  request: ConnectionsRequest,
): Promise<MessageInitShape<typeof ConnectionsResponseSchema>> {
  const pageSize = Math.min(Math.max(request.pageSize ?? MAX_PAGE, 1), MAX_PAGE);
  const rows = await query<{ id: string; tenant_id: string; member_id: string; status: ConnectionStatus }>(
    db,
    `SELECT ${idColumn} AS id, tenant_id, member_id, status FROM connections
      WHERE $1::text IS NULL OR ${idColumn} > $1 ORDER BY ${idColumn} LIMIT $2`,
    [request.pageToken ?? null, pageSize + 1],
  );
  const page = rows.slice(0, pageSize);
  return {
    connections: page.map((row) => ({
      tenantId: row.tenant_id,
      memberId: row.member_id,
      connectionId: row.id,
      provider,
      status: Connection_Status[row.status],
    })),
    nextPageToken: rows.length > pageSize ? page[page.length - 1].id : undefined,
  };
}

/** The handler of calendar.internal.connector.<provider>.connections, over the connector's own table. */
export function connectionsPageHandler(provider: string, idColumn: 'id' | 'connection_id'): Type {
  @Injectable()
  class ConnectionsPageHandler {
    constructor(private readonly db: DataSource) {}

    @HandleRpc(connectorRpcs(provider).connections)
    page(request: ConnectionsRequest) {
      return connectionsPage(this.db, provider, idColumn, request);
    }
  }
  return ConnectionsPageHandler;
}
