import { randomUUID } from 'node:crypto';
import {
  Rpcs,
  Service_Strategy,
  type Member,
  type NotificationChannel,
  type Service,
  type Tenant,
} from '@calldesk/contracts';
import type { Bus } from '@calldesk/messaging';
import { query } from '@calldesk/persistence';
import {
  createTestDatabase,
  startInProcessService,
  testNatsUrl,
  type InProcessService,
  type TestDatabase,
} from '@calldesk/testing';
import type { Type } from '@nestjs/common';
import { connect, type NatsConnection } from 'nats';
import { DataSource } from 'typeorm';

/** The routing service booted in the test process on a fresh database, with ways to call it. */
export interface RoutingUnderTest {
  /** The service's own bus: typed calls and event publishing. */
  bus: Bus;
  db: DataSource;
  /** A raw NATS request with a JSON body, as a caller in any language makes it; the parsed reply. */
  call(subject: string, body: unknown): Promise<any>;
  /** Rows in each catalog table, to show a refused request stored nothing. */
  counts(): Promise<Record<string, number>>;
  /** The error a raw call is answered with, having checked that it stored nothing. */
  refused(subject: string, body: unknown): Promise<any>;
  /** A tenant in Europe/London with a random name unless `fields` say otherwise. */
  tenant(fields?: { name?: string; timeZone?: string }): Promise<Tenant>;
  /** A member with a random name, of the tenant's time zone unless `fields` say otherwise. */
  member(tenantId: string, fields?: MemberInit): Promise<Member>;
  /** A one-hour round-robin service with a random name unless `fields` say otherwise. */
  service(tenantId: string, memberIds: string[], fields?: ServiceInit): Promise<Service>;
  stop(): Promise<void>;
}

interface MemberInit {
  name?: string;
  timeZone?: string;
  email?: string;
  phone?: string;
  notifyBy?: NotificationChannel;
}

interface ServiceInit {
  name?: string;
  durationMinutes?: number;
  strategy?: Service_Strategy;
  weights?: { memberId: string; weight: number }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Starts `module` (the catalog alone, or the whole RoutingModule) as the routing service. */
export async function startRouting(module: Type): Promise<RoutingUnderTest> {
  const database: TestDatabase = await createTestDatabase();
  let service: InProcessService | undefined;
  let raw: NatsConnection | undefined;
  try {
    service = await startInProcessService({
      service: 'routing',
      module,
      databaseUrl: database.url,
    });
    raw = await connect({ servers: await testNatsUrl() });
  } catch (error) {
    await service?.close();
    await database.drop();
    throw error;
  }
  const { bus } = service;
  const db = service.app.get(DataSource);
  const nc = raw;
  const running = service;
  const counts = async (): Promise<Record<string, number>> => {
    const [row] = await query<Record<string, number>>(
      db,
      `SELECT (SELECT count(*) FROM tenants)::int AS tenants, (SELECT count(*) FROM members)::int AS members,
              (SELECT count(*) FROM services)::int AS services, (SELECT count(*) FROM service_members)::int AS service_members`,
    );
    return row;
  };
  const call = async (subject: string, body: unknown) =>
    JSON.parse(
      decoder.decode((await nc.request(subject, encoder.encode(JSON.stringify(body)), { timeout: 5_000 })).data),
    );
  return {
    bus,
    db,
    call,
    counts,
    refused: async (subject, body) => {
      const before = await counts();
      const reply = await call(subject, body);
      expect(await counts()).toEqual(before);
      return reply.error;
    },
    tenant: async (fields = {}) =>
      (await bus.request(Rpcs.tenantsCreate, { name: `Tenant ${randomUUID()}`, timeZone: 'Europe/London', ...fields }))
        .tenant!,
    member: async (tenantId, fields = {}) =>
      (await bus.request(Rpcs.membersCreate, { tenantId, name: `Member ${randomUUID()}`, ...fields })).member!,
    service: async (tenantId, memberIds, fields = {}) =>
      (
        await bus.request(Rpcs.servicesCreate, {
          tenantId,
          name: `Service ${randomUUID()}`,
          durationMinutes: 60,
          memberIds,
          strategy: Service_Strategy.round_robin,
          ...fields,
        })
      ).service!,
    stop: async () => {
      await nc.close();
      await running.close();
      await database.drop();
    },
  };
}
