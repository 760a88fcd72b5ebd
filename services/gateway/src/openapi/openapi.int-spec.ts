import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { startGateways, type Gateways } from '../api/gateway-under-test';

const VALIDATOR = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');

/** Nest mounts middleware that runs for every route (CORS) as a route of every method on this path. */
const EVERY_PATH = '/*path';

/** Every route Express serves, as method and OpenAPI path, read from the router itself. */
function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance();
  const stack: { route?: { path: string; methods: Record<string, boolean> } }[] = (express.router ?? express._router)
    .stack;
  return stack.flatMap(({ route }) =>
    route && route.path !== EVERY_PATH
      ? Object.keys(route.methods).map(
          (method) => `${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}').replace(/(.)\/$/, '$1')}`,
        )
      : [],
  );
}

describe('the OpenAPI document', () => {
  let edge: Gateways;
  let document: any;

  beforeAll(async () => {
    edge = await startGateways(1);
    const response = await fetch(`${edge.gateways[0].url}/v1/openapi.json`);
    expect(response.status).toBe(200);
    document = await response.json();
  }, 60_000);
  afterAll(() => edge?.stop(), 30_000);

  it('is valid OpenAPI 3.1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(document));
      // The validator is an ES module: it runs in a node of its own, not in Jest's CommonJS.
      const { stdout } = await promisify(execFile)(process.execPath, [VALIDATOR, file]).catch((error) => error);
      expect(JSON.parse(stdout)).toEqual({ valid: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(document.openapi).toBe('3.1.0');
  });

  it('has every route the gateway serves, and nothing it does not', () => {
    const documented = Object.entries(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations as object).map((method) => `${method.toUpperCase()} ${route}`),
    );
    const served = servedRoutes(edge.gateways[0].app);
    expect(served.length).toBeGreaterThan(40);
    expect([...new Set(served)].sort()).toEqual([...new Set(documented)].sort());
  });

  it('derives bodies from the contract’s messages, less what the route fills in itself', () => {
    const create = document.paths['/v1/bookings'].post;
    expect(create.parameters).toEqual([
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: true,
        description: 'the idempotencyKey',
        schema: { type: 'string' },
      },
    ]);
    const body = create.requestBody.content['application/json'].schema;
    expect(Object.keys(body.properties).sort()).toEqual([
      'customer',
      'holdId',
      'memberId',
      'notes',
      'serviceId',
      'start',
      'transcriptUrl',
    ]);
    expect(body.required.sort()).toEqual(['customer', 'serviceId', 'start']);
    expect(body.properties.start).toEqual({ type: 'string', format: 'date-time' });
    expect(create.responses['201'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/v1.BookingOutcome',
    });
    expect(document.components.schemas['v1.Booking'].properties.status).toEqual({
      type: 'string',
      enum: ['pending', 'confirmed', 'cancelled'],
    });
    expect(document.components.schemas['v1.Customer'].properties.phone).toEqual({
      type: 'string',
      pattern: '^\\+[1-9][0-9]{6,14}$',
    });

    const slots = document.paths['/v1/slots'].get.parameters.map(
      (p: { name: string; in: string; required: boolean }) => `${p.in} ${p.name}${p.required ? ' (required)' : ''}`,
    );
    expect(slots).toEqual([
      'query serviceId (required)',
      'query memberId',
      'query from (required)',
      'query to (required)',
      'query limit',
      'query near',
      'query timeZone',
      'query maxPerDay',
    ]);
    const availability = document.paths['/v1/members/{id}/availability'].put;
    expect(availability.requestBody.content['application/json'].schema.properties.memberId).toBeUndefined();
    expect(
      document.paths['/v1/members/{id}/connections'].get.responses['200'].content['application/json'].schema,
    ).toEqual({
      $ref: '#/components/schemas/v1.ListConnectionsResponse',
    });
  });

  it('says who may call each route: a key or a session (with its CSRF token on changes), the operator, or anyone', () => {
    expect(document.paths['/v1/members'].get.security).toEqual([{ apiKey: [] }, { session: [] }]);
    expect(document.paths['/v1/members'].post.security).toEqual([{ apiKey: [] }, { session: [], csrf: [] }]);
    expect(document.paths['/v1/tenants'].post.security).toEqual([{ operatorToken: [] }]);
    expect(document.paths['/v1/session'].post.security).toEqual([]);
    expect(document.components.securitySchemes.session).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: 'calldesk_session',
    });
  });

  it('is read by the API reference at /docs, served from this machine', async () => {
    const page = await fetch(`${edge.gateways[0].url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'reference.js']) {
      expect(html).toContain(`/docs/${file}`);
      expect((await fetch(`${edge.gateways[0].url}/docs/${file}`)).status).toBe(200);
    }
    expect((await fetch(`${edge.gateways[0].url}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${edge.gateways[0].url}/docs/..%2F..%2Fpackage.json`)).status).toBe(404);
  });
});
