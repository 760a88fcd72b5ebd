import { randomUUID } from 'node:crypto';
import { NotificationChannel, Rpcs, Service_Strategy } from '@calldesk/contracts';
import { CatalogModule } from './catalog/catalog.module';
import { startRouting, type RoutingUnderTest } from './routing-under-test';

jest.setTimeout(30_000);

describe('calendar.v1.admin.members.*', () => {
  let routing: RoutingUnderTest;

  beforeAll(async () => {
    routing = await startRouting(CatalogModule);
  });
  afterAll(async () => {
    await routing?.stop();
  });

  it('creates, gets, updates and deletes a member for a raw NATS caller', async () => {
    const tenant = await routing.tenant({ timeZone: 'America/New_York' });
    const created = await routing.call('calendar.v1.admin.members.create', {
      tenantId: tenant.id,
      name: 'Dana Tech',
      phone: '+14155550123',
      email: 'dana@example.com',
    });
    expect(created.member).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      tenantId: tenant.id,
      name: 'Dana Tech',
      timeZone: 'America/New_York',
      phone: '+14155550123',
      email: 'dana@example.com',
      notifyBy: 'sms',
    });
    const ref = { tenantId: tenant.id, id: created.member.id };
    expect(await routing.call('calendar.v1.admin.members.get', ref)).toEqual(created);

    const updated = await routing.call('calendar.v1.admin.members.update', {
      ...ref,
      name: 'Dana',
      timeZone: 'America/Denver',
      notifyBy: 'email',
    });
    expect(updated.member).toMatchObject({ name: 'Dana', timeZone: 'America/Denver', notifyBy: 'email' });
    expect(await routing.call('calendar.v1.admin.members.get', ref)).toEqual(updated);

    expect(await routing.call('calendar.v1.admin.members.delete', ref)).toEqual({ id: ref.id });
    expect((await routing.call('calendar.v1.admin.members.get', ref)).error).toMatchObject({
      code: 'not_found',
      details: { memberId: ref.id },
    });
  });

  it('notifies by sms with a phone, else by email with an email, else not at all', async () => {
    const tenant = await routing.tenant();
    expect((await routing.member(tenant.id, { phone: '+447700900123', email: 'a@example.com' })).notifyBy).toBe(
      NotificationChannel.sms,
    );
    expect((await routing.member(tenant.id, { email: 'b@example.com' })).notifyBy).toBe(NotificationChannel.email);
    expect((await routing.member(tenant.id)).notifyBy).toBe(NotificationChannel.none);
    expect(
      (await routing.member(tenant.id, { phone: '+447700900123', notifyBy: NotificationChannel.none })).notifyBy,
    ).toBe(NotificationChannel.none);
  });

  it('keeps following the contact details until the member chooses a channel', async () => {
    const tenant = await routing.tenant();
    const member = await routing.member(tenant.id, { phone: '+447700900123', email: 'c@example.com' });
    const ref = { tenantId: tenant.id, id: member.id };
    const withoutPhone = (await routing.bus.request(Rpcs.membersUpdate, { ...ref, phone: '' })).member!;
    expect(withoutPhone).toMatchObject({ notifyBy: NotificationChannel.email, email: 'c@example.com' });
    expect(withoutPhone.phone).toBeUndefined();
    const chosen = (
      await routing.bus.request(Rpcs.membersUpdate, {
        ...ref,
        phone: '+447700900124',
        notifyBy: NotificationChannel.email,
      })
    ).member!;
    expect(chosen.notifyBy).toBe(NotificationChannel.email);
  });

  it("follows the tenant's time zone unless it has its own; '' goes back to the tenant's", async () => {
    const tenant = await routing.tenant({ timeZone: 'Europe/Paris' });
    const follower = await routing.member(tenant.id);
    const own = await routing.member(tenant.id, { timeZone: 'Asia/Tokyo' });
    await routing.bus.request(Rpcs.tenantsUpdate, { id: tenant.id, timeZone: 'Europe/Madrid' });
    const get = (id: string) =>
      routing.bus.request(Rpcs.membersGet, { tenantId: tenant.id, id }).then((reply) => reply.member!);
    expect((await get(follower.id)).timeZone).toBe('Europe/Madrid');
    expect((await get(own.id)).timeZone).toBe('Asia/Tokyo');
    await routing.bus.request(Rpcs.membersUpdate, { tenantId: tenant.id, id: own.id, timeZone: '' });
    expect((await get(own.id)).timeZone).toBe('Europe/Madrid');
  });

  it.each([
    ['a blank name', { name: ' ' }, 'name'],
    ['a name over 200 characters', { name: 'm'.repeat(201) }, 'name'],
    ['an unknown time zone', { timeZone: 'Nowhere/Special' }, 'timeZone'],
    ['an email that is not one', { email: 'not-an-email' }, 'email'],
    ['a phone that is not E.164', { phone: '0207 946 0000' }, 'phone'],
    ['an unknown channel', { notifyBy: 'pigeon' }, 'notifyBy'],
    ['sms chosen without a phone', { notifyBy: 'sms', email: 'e@example.com' }, 'notifyBy'],
    ['email chosen without an email', { notifyBy: 'email', phone: '+14155550123' }, 'notifyBy'],
  ])('refuses to create a member with %s, storing nothing', async (_case, fields, field) => {
    const tenant = await routing.tenant();
    const error = await routing.refused('calendar.v1.admin.members.create', {
      tenantId: tenant.id,
      name: 'Ok Name',
      ...fields,
    });
    expect(error).toMatchObject({ code: 'invalid_argument', details: { field } });
  });

  it.each([
    ['a blank name', { name: '' }, 'name'],
    ['an email that is not one', { email: 'x@' }, 'email'],
    ['taking away the phone it is notified on', { phone: '' }, 'phone'],
    ['choosing email without an email', { notifyBy: 'email' }, 'notifyBy'],
  ])('refuses to update a member with %s, changing nothing', async (_case, changes, field) => {
    const tenant = await routing.tenant();
    const member = await routing.member(tenant.id, { phone: '+14155550123', notifyBy: NotificationChannel.sms });
    const error = await routing.refused('calendar.v1.admin.members.update', {
      tenantId: tenant.id,
      id: member.id,
      ...changes,
    });
    expect(error).toMatchObject({ code: 'invalid_argument', details: { field } });
    expect((await routing.bus.request(Rpcs.membersGet, { tenantId: tenant.id, id: member.id })).member).toEqual(member);
  });

  it('answers not_found for an unknown tenant on create and list', async () => {
    const tenantId = randomUUID();
    expect(await routing.refused('calendar.v1.admin.members.create', { tenantId, name: 'Nobody' })).toMatchObject({
      code: 'not_found',
      details: { tenantId },
    });
    expect(await routing.refused('calendar.v1.admin.members.list', { tenantId })).toMatchObject({
      code: 'not_found',
      details: { tenantId },
    });
  });

  it("keeps each tenant's members to itself", async () => {
    const [a, b] = [await routing.tenant(), await routing.tenant()];
    const member = await routing.member(a.id);
    const asB = { tenantId: b.id, id: member.id };
    for (const [subject, extra] of [
      ['calendar.v1.admin.members.get', {}],
      ['calendar.v1.admin.members.update', { name: 'Hijacked' }],
      ['calendar.v1.admin.members.delete', {}],
    ] as const) {
      expect(await routing.refused(subject, { ...asB, ...extra })).toMatchObject({
        code: 'not_found',
        details: { memberId: member.id },
      });
    }
    expect((await routing.bus.request(Rpcs.membersList, { tenantId: b.id })).members).toEqual([]);
    expect((await routing.bus.request(Rpcs.membersList, { tenantId: a.id })).members).toEqual([member]);
  });

  it('pages through members with an opaque token, 50 by default and at most 200', async () => {
    const tenant = await routing.tenant();
    await routing.db.query(
      `INSERT INTO members (tenant_id, name) SELECT $1, 'Bulk ' || n FROM generate_series(1, 203) AS n`,
      [tenant.id],
    );
    const list = (pageSize?: number, pageToken?: string) =>
      routing.bus.request(Rpcs.membersList, { tenantId: tenant.id, pageSize, pageToken });

    const first = await list();
    expect(first.members).toHaveLength(50);
    const capped = await list(1_000);
    expect(capped.members).toHaveLength(200);
    const rest = await list(1_000, capped.nextPageToken);
    expect(rest.members).toHaveLength(3);
    expect(rest.nextPageToken).toBeUndefined();
    const ids = [...capped.members, ...rest.members].map((member) => member.id);
    expect(new Set(ids).size).toBe(203);
    expect(ids).toEqual([...ids].sort());
  });

  it('takes a deleted member out of its services', async () => {
    const tenant = await routing.tenant();
    const [leaving, staying] = [await routing.member(tenant.id), await routing.member(tenant.id)];
    const service = await routing.service(tenant.id, [leaving.id, staying.id], {
      weights: [{ memberId: leaving.id, weight: 3 }],
    });
    await routing.bus.request(Rpcs.membersDelete, { tenantId: tenant.id, id: leaving.id });
    const after = (await routing.bus.request(Rpcs.servicesGet, { tenantId: tenant.id, id: service.id })).service!;
    expect(after.memberIds).toEqual([staying.id]);
    expect(after.weights).toEqual([]);
  });

  it('refuses to delete the only member of a service, naming the services, and changes nothing', async () => {
    const tenant = await routing.tenant();
    const [only, other] = [await routing.member(tenant.id), await routing.member(tenant.id)];
    const alone = await routing.service(tenant.id, [only.id], {
      name: 'AC repair',
      strategy: Service_Strategy.specific,
    });
    await routing.service(tenant.id, [only.id, other.id]);
    const error = await routing.refused('calendar.v1.admin.members.delete', { tenantId: tenant.id, id: only.id });
    expect(error).toEqual({
      code: 'failed_precondition',
      message: `member ${only.id} is the only member of "AC repair"; give them another member or delete them first`,
      details: { memberId: only.id, serviceIds: [alone.id] },
    });
  });
});
