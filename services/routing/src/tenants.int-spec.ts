import { randomUUID } from 'node:crypto';
import { RpcError, Rpcs } from '@calldesk/contracts';
import { CatalogModule } from './catalog/catalog.module';
import { startRouting, type RoutingUnderTest } from './routing-under-test';

jest.setTimeout(30_000);

describe('calendar.v1.admin.tenants.*', () => {
  let routing: RoutingUnderTest;

  beforeAll(async () => {
    routing = await startRouting(CatalogModule);
  });
  afterAll(async () => {
    await routing?.stop();
  });

  it('creates, gets, updates and deletes a tenant for a raw NATS caller', async () => {
    const created = await routing.call('calendar.v1.admin.tenants.create', {
      name: '  Cool Air Ltd ',
      timeZone: 'America/Chicago',
    });
    expect(created.tenant).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Cool Air Ltd',
      timeZone: 'America/Chicago',
    });
    const { id } = created.tenant;

    expect(await routing.call('calendar.v1.admin.tenants.get', { id })).toEqual(created);
    const renamed = await routing.call('calendar.v1.admin.tenants.update', { id, name: 'Cool Air' });
    expect(renamed.tenant).toEqual({ id, name: 'Cool Air', timeZone: 'America/Chicago' });
    const moved = await routing.call('calendar.v1.admin.tenants.update', { id, timeZone: 'Europe/Berlin' });
    expect(moved.tenant).toEqual({ id, name: 'Cool Air', timeZone: 'Europe/Berlin' });

    expect(await routing.call('calendar.v1.admin.tenants.delete', { id })).toEqual({ id });
    expect((await routing.call('calendar.v1.admin.tenants.get', { id })).error).toEqual({
      code: 'not_found',
      message: `tenant ${id} does not exist`,
      details: { tenantId: id },
    });
  });

  it('accepts a name of exactly 200 characters', async () => {
    const name = 'n'.repeat(200);
    expect((await routing.tenant({ name })).name).toBe(name);
  });

  it.each([
    ['a blank name', { name: '   ', timeZone: 'Europe/London' }, 'name'],
    ['a name over 200 characters', { name: 'n'.repeat(201), timeZone: 'Europe/London' }, 'name'],
    ['no name', { timeZone: 'Europe/London' }, 'name'],
    ['no time zone', { name: 'Acme' }, 'timeZone'],
    ['an unknown time zone', { name: 'Acme', timeZone: 'Mars/Olympus_Mons' }, 'timeZone'],
    ['an unknown field', { name: 'Acme', timeZone: 'Europe/London', colour: 'blue' }, 'colour'],
  ])('refuses to create a tenant with %s, storing nothing', async (_case, body, field) => {
    expect(await routing.refused('calendar.v1.admin.tenants.create', body)).toMatchObject({
      code: 'invalid_argument',
      details: { field },
    });
  });

  it.each([
    ['a blank name', { name: '' }, 'name'],
    ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
    ['an empty time zone', { timeZone: '' }, 'timeZone'],
    ['an unknown time zone', { timeZone: 'Europe/Atlantis' }, 'timeZone'],
  ])('refuses to update a tenant with %s, changing nothing', async (_case, changes, field) => {
    const tenant = await routing.tenant();
    expect(await routing.refused('calendar.v1.admin.tenants.update', { id: tenant.id, ...changes })).toMatchObject({
      code: 'invalid_argument',
      details: { field },
    });
    expect((await routing.bus.request(Rpcs.tenantsGet, { id: tenant.id })).tenant).toEqual(tenant);
  });

  it.each([
    ['get', 'calendar.v1.admin.tenants.get', {}],
    ['update', 'calendar.v1.admin.tenants.update', { name: 'Ghost' }],
    ['delete', 'calendar.v1.admin.tenants.delete', {}],
  ])('answers not_found to %s of an unknown tenant', async (_verb, subject, extra) => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      expect(await routing.refused(subject, { id, ...extra })).toMatchObject({
        code: 'not_found',
        details: { tenantId: id },
      });
    }
  });

  it('refuses to delete a tenant that still has members, naming what is left', async () => {
    const tenant = await routing.tenant();
    await routing.member(tenant.id);
    expect(await routing.refused('calendar.v1.admin.tenants.delete', { id: tenant.id })).toMatchObject({
      code: 'failed_precondition',
      details: { tenantId: tenant.id, members: 1, services: 0 },
    });
    await expect(routing.bus.request(Rpcs.tenantsGet, { id: tenant.id })).resolves.toMatchObject({ tenant });
  });

  it('lists every tenant once across pages of the asked size', async () => {
    for (let i = 0; i < 5; i++) await routing.tenant();
    const { tenants: everything } = await routing.bus.request(Rpcs.tenantsList, {});
    expect(everything.length).toBeGreaterThanOrEqual(5);

    const seen: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await routing.bus.request(Rpcs.tenantsList, { pageSize: 2, pageToken });
      expect(page.tenants.length).toBeLessThanOrEqual(2);
      seen.push(...page.tenants.map((tenant) => tenant.id));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(everything.map((tenant) => tenant.id));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses a negative page size or a page token it did not hand out', async () => {
    await expect(routing.bus.request(Rpcs.tenantsList, { pageSize: -1 })).rejects.toEqual(
      RpcError.invalidArgument('pageSize', 'pageSize must not be negative'),
    );
    await expect(routing.bus.request(Rpcs.tenantsList, { pageToken: 'bm90LWEtdXVpZA' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'pageToken' },
    });
  });
});
