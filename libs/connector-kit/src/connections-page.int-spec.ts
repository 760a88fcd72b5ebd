import { create } from '@bufbuild/protobuf';
import { Connection_Status, ConnectionsRequestSchema } from '@calldesk/contracts';
import { openDataSource } from '@calldesk/persistence';
import { createTestDatabase, type TestDatabase } from '@calldesk/testing';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { connectionsPage } from './connections-page';
import { createConnectionsTable } from './oauth/connector-tables';

class Connections1000000000000 implements MigrationInterface {
  up = (db: QueryRunner) => createConnectionsTable(db);
  down = async () => undefined;
}

describe('connectionsPage (real Postgres)', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({
      url: database.url,
      schema: 'connector_test',
      migrations: [Connections1000000000000],
      applicationName: 'connections-page-test',
    });
    await db.query(
      `INSERT INTO connections (id, tenant_id, member_id, status) VALUES
         ('test_c', 't1', 'm3', 'disconnected'), ('test_a', 't1', 'm1', 'connected'), ('test_b', 't2', 'm2', 'needs_reauth')`,
    );
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('answers every connection with its status now, a page at a time in id order', async () => {
    const first = await connectionsPage(db, 'test', 'id', create(ConnectionsRequestSchema, { pageSize: 2 }));
    expect(first.connections).toEqual([
      { tenantId: 't1', memberId: 'm1', connectionId: 'test_a', provider: 'test', status: Connection_Status.connected },
      {
        tenantId: 't2',
        memberId: 'm2',
        connectionId: 'test_b',
        provider: 'test',
        status: Connection_Status.needs_reauth,
      },
    ]);
    const second = await connectionsPage(
      db,
      'test',
      'id',
      create(ConnectionsRequestSchema, { pageSize: 2, pageToken: first.nextPageToken }),
    );
    expect(second.connections).toEqual([
      {
        tenantId: 't1',
        memberId: 'm3',
        connectionId: 'test_c',
        provider: 'test',
        status: Connection_Status.disconnected,
      },
    ]);
    expect(second.nextPageToken).toBeUndefined();
  });
});
