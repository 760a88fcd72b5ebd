import { randomUUID } from 'node:crypto';
import {
  createTestDatabase,
  startInProcessHttpService,
  startInProcessService,
  type InProcessHttpService,
  type InProcessService,
  type TestDatabase,
} from '@calldesk/testing';

export const OPERATOR = `op-${'x'.repeat(40)}`;

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export interface Gateways {
  database: TestDatabase;
  routing: InProcessService;
  gateways: InProcessHttpService[];
  /** A call to one gateway (the first unless said), its body read as JSON. */
  call(
    method: string,
    path: string,
    token: string,
    options?: { body?: unknown; gateway?: number; headers?: Record<string, string> },
  ): Promise<Answer>;
  /** A new tenant and a key of it, made by the operator. */
  tenantKey(): Promise<{ tenantId: string; key: string; keyId: string }>;
  stop(): Promise<void>;
}

/**
 * `count` gateway instances on one fresh database, with routing (tenants live there): enough for
 * what the edge decides on its own — keys, limits, errors, live streams.
 */
export async function startGateways(count: number, env: Record<string, string> = {}): Promise<Gateways> {
  const database = await createTestDatabase();
  const routing = await startInProcessService({ service: 'routing', databaseUrl: database.url });
  const gateways: InProcessHttpService[] = [];
  for (let i = 0; i < count; i++) {
    gateways.push(
      await startInProcessHttpService({
        service: 'gateway',
        databaseUrl: database.url,
        env: { GATEWAY_ADMIN_TOKEN: OPERATOR, ...env },
      }),
    );
  }
  const call: Gateways['call'] = async (method, path, token, { body, gateway = 0, headers = {} } = {}) => {
    const response = await fetch(`${gateways[gateway].url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    database,
    routing,
    gateways,
    call,
    async tenantKey() {
      const { body: created } = await call('POST', '/v1/tenants', OPERATOR, {
        body: { name: `t-${randomUUID()}`, timeZone: 'UTC' },
      });
      const { body: key } = await call('POST', `/v1/tenants/${created.tenant.id}/api-keys`, OPERATOR, {
        body: { name: 'front desk' },
      });
      return { tenantId: created.tenant.id, key: key.key, keyId: key.id };
    },
    async stop() {
      for (const gateway of gateways) await gateway.close();
      await routing.close();
      await database.drop();
    },
  };
}
