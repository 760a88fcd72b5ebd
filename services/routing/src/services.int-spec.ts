import { randomUUID } from 'node:crypto';
import { Rpcs, Service_Strategy, type Member, type Tenant } from '@calldesk/contracts';
import { CatalogModule } from './catalog/catalog.module';
import { startRouting, type RoutingUnderTest } from './routing-under-test';

jest.setTimeout(30_000);

describe('calendar.v1.admin.services.*', () => {
  let routing: RoutingUnderTest;

  beforeAll(async () => {
    routing = await startRouting(CatalogModule);
  });
  afterAll(async () => {
    await routing?.stop();
  });

  const team = async (size: number): Promise<{ tenant: Tenant; members: Member[] }> => {
    const tenant = await routing.tenant();
    const members: Member[] = [];
    for (let i = 0; i < size; i++) members.push(await routing.member(tenant.id));
    return { tenant, members };
  };

  it('creates, gets, updates and deletes a service for a raw NATS caller', async () => {
    const { tenant, members } = await team(3);
    const [a, b, c] = members.map((member) => member.id);
    const created = await routing.call('calendar.v1.admin.services.create', {
      tenantId: tenant.id,
      name: 'AC repair',
      durationMinutes: 90,
      memberIds: [b, a],
      strategy: 'round_robin',
      weights: [{ memberId: a, weight: 2.5 }],
    });
    expect(created.service).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenantId: tenant.id,
      name: 'AC repair',
      durationMinutes: 90,
      memberIds: [b, a],
      strategy: 'round_robin',
      weights: [{ memberId: a, weight: 2.5 }],
    });
    const ref = { tenantId: tenant.id, id: created.service.id };
    expect(await routing.call('calendar.v1.admin.services.get', ref)).toEqual(created);

    const updated = await routing.call('calendar.v1.admin.services.update', {
      ...ref,
      name: 'AC repair (urgent)',
      durationMinutes: 30,
      strategy: 'specific',
      memberIds: [c, a],
    });
    expect(updated.service).toMatchObject({
      name: 'AC repair (urgent)',
      durationMinutes: 30,
      strategy: 'specific',
      memberIds: [c, a],
      weights: [{ memberId: a, weight: 2.5 }],
    });
    const reweighted = await routing.call('calendar.v1.admin.services.update', {
      ...ref,
      weights: [{ memberId: c, weight: 4 }],
    });
    expect(reweighted.service).toMatchObject({ memberIds: [c, a], weights: [{ memberId: c, weight: 4 }] });
    const untouched = await routing.call('calendar.v1.admin.services.update', ref);
    expect(untouched).toEqual(reweighted);

    expect(await routing.call('calendar.v1.admin.services.delete', ref)).toEqual({ id: ref.id });
    expect((await routing.call('calendar.v1.admin.services.get', ref)).error).toMatchObject({
      code: 'not_found',
      details: { serviceId: ref.id },
    });
    expect(await routing.counts()).toMatchObject({ service_members: 0 });
  });

  it('drops the weights of members taken off the service', async () => {
    const { tenant, members } = await team(2);
    const [a, b] = members.map((member) => member.id);
    const service = await routing.service(tenant.id, [a, b], {
      weights: [
        { memberId: a, weight: 2 },
        { memberId: b, weight: 3 },
      ],
    });
    const { service: updated } = await routing.bus.request(Rpcs.servicesUpdate, {
      tenantId: tenant.id,
      id: service.id,
      memberIds: [b],
    });
    expect(updated).toMatchObject({ memberIds: [b], weights: [{ memberId: b, weight: 3 }] });
  });

  it('accepts the bounds: 1 and 1440 minutes, weight 100', async () => {
    const { tenant, members } = await team(1);
    const [a] = members.map((member) => member.id);
    expect((await routing.service(tenant.id, [a], { durationMinutes: 1 })).durationMinutes).toBe(1);
    expect(
      (await routing.service(tenant.id, [a], { durationMinutes: 1440, weights: [{ memberId: a, weight: 100 }] }))
        .weights,
    ).toEqual([expect.objectContaining({ memberId: a, weight: 100 })]);
  });

  describe('refuses, storing nothing', () => {
    let tenant: Tenant;
    let a: string;
    let b: string;
    let stranger: string;
    beforeAll(async () => {
      const mine = await team(2);
      tenant = mine.tenant;
      [a, b] = mine.members.map((member) => member.id);
      stranger = (await team(1)).members[0].id;
    });
    const valid = () => ({
      tenantId: tenant.id,
      name: 'Boiler service',
      durationMinutes: 60,
      memberIds: [a, b],
      strategy: 'round_robin',
    });

    it.each([
      ['a blank name', { name: '  ' }, 'name'],
      ['a name over 200 characters', { name: 's'.repeat(201) }, 'name'],
      ['no duration', { durationMinutes: undefined }, 'durationMinutes'],
      ['a duration of 0', { durationMinutes: 0 }, 'durationMinutes'],
      ['a duration over a day', { durationMinutes: 1441 }, 'durationMinutes'],
      ['a fractional duration', { durationMinutes: 1.5 }, 'durationMinutes'],
      ['no members', { memberIds: [] }, 'memberIds'],
      ['no strategy', { strategy: undefined }, 'strategy'],
      ['an unknown strategy', { strategy: 'weighted' }, 'strategy'],
    ])('a service with %s', async (_case, fields, field) => {
      expect(await routing.refused('calendar.v1.admin.services.create', { ...valid(), ...fields })).toMatchObject({
        code: 'invalid_argument',
        details: { field },
      });
    });

    it('a member listed twice, naming the second listing', async () => {
      expect(
        await routing.refused('calendar.v1.admin.services.create', { ...valid(), memberIds: [a, b, a] }),
      ).toMatchObject({
        code: 'invalid_argument',
        details: { field: 'memberIds[2]' },
      });
    });

    it('an unknown member, a malformed id and a member of another tenant', async () => {
      for (const [memberIds, field] of [
        [[a, randomUUID()], 'memberIds[1]'],
        [[a, b, 'bob'], 'memberIds[2]'],
        [[stranger, a], 'memberIds[0]'],
      ] as const) {
        expect(await routing.refused('calendar.v1.admin.services.create', { ...valid(), memberIds })).toMatchObject({
          code: 'invalid_argument',
          details: { field },
        });
      }
    });

    it.each([
      ['a weight for an unlisted member', () => [{ memberId: stranger, weight: 2 }], 'weights[0].memberId'],
      [
        'two weights for one member',
        () => [
          { memberId: a, weight: 2 },
          { memberId: a, weight: 3 },
        ],
        'weights[1].memberId',
      ],
      ['a weight of 0', () => [{ memberId: a, weight: 0 }], 'weights[0].weight'],
      [
        'a negative weight',
        () => [
          { memberId: b, weight: 1 },
          { memberId: a, weight: -1 },
        ],
        'weights[1].weight',
      ],
      ['a weight over 100', () => [{ memberId: a, weight: 100.5 }], 'weights[0].weight'],
      ['a weight without its member', () => [{ weight: 2 }], 'weights[0].memberId'],
    ])('%s', async (_case, weights, field) => {
      expect(
        await routing.refused('calendar.v1.admin.services.create', { ...valid(), weights: weights() }),
      ).toMatchObject({
        code: 'invalid_argument',
        details: { field },
      });
    });

    it('updates that break the same rules, leaving the service as it was', async () => {
      const service = await routing.service(tenant.id, [a, b]);
      const ref = { tenantId: tenant.id, id: service.id };
      for (const [changes, field] of [
        [{ name: '' }, 'name'],
        [{ durationMinutes: 0 }, 'durationMinutes'],
        [{ memberIds: [b, b] }, 'memberIds[1]'],
        [{ memberIds: [a, stranger] }, 'memberIds[1]'],
        [{ memberIds: [a], weights: [{ memberId: b, weight: 2 }] }, 'weights[0].memberId'],
        [{ weights: [{ memberId: a, weight: 101 }] }, 'weights[0].weight'],
      ] as const) {
        expect(await routing.refused('calendar.v1.admin.services.update', { ...ref, ...changes })).toMatchObject({
          code: 'invalid_argument',
          details: { field },
        });
      }
      expect((await routing.bus.request(Rpcs.servicesGet, ref)).service).toEqual(service);
    });

    it('an unknown tenant, and an unknown service or one of another tenant', async () => {
      const tenantId = randomUUID();
      expect(await routing.refused('calendar.v1.admin.services.create', { ...valid(), tenantId })).toMatchObject({
        code: 'not_found',
        details: { tenantId },
      });
      expect(await routing.refused('calendar.v1.admin.services.list', { tenantId })).toMatchObject({
        code: 'not_found',
        details: { tenantId },
      });

      const service = await routing.service(tenant.id, [a]);
      const other = await routing.tenant();
      for (const ref of [
        { tenantId: tenant.id, id: randomUUID() },
        { tenantId: other.id, id: service.id },
      ]) {
        for (const [subject, extra] of [
          ['calendar.v1.admin.services.get', {}],
          ['calendar.v1.admin.services.update', { name: 'Taken over' }],
          ['calendar.v1.admin.services.delete', {}],
        ] as const) {
          expect(await routing.refused(subject, { ...ref, ...extra })).toMatchObject({
            code: 'not_found',
            details: { serviceId: ref.id },
          });
        }
      }
      expect((await routing.bus.request(Rpcs.servicesList, { tenantId: other.id })).services).toEqual([]);
    });
  });

  it('pages through services with an opaque token', async () => {
    const { tenant, members } = await team(1);
    const created = [];
    for (let i = 0; i < 5; i++)
      created.push(await routing.service(tenant.id, [members[0].id], { strategy: Service_Strategy.specific }));
    const seen = [];
    let pageToken: string | undefined;
    do {
      const page = await routing.bus.request(Rpcs.servicesList, { tenantId: tenant.id, pageSize: 2, pageToken });
      expect(page.services.length).toBeLessThanOrEqual(2);
      seen.push(...page.services);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((service) => service.id))).toEqual(new Set(created.map((service) => service.id)));
    expect(seen).toEqual(expect.arrayContaining(created));
  });
});
