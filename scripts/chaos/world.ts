import { randomUUID } from 'node:crypto';
import { Rpcs, Service_Strategy } from '@calldesk/contracts';
import type { Bus } from '@calldesk/messaging';
import { waitFor } from '@calldesk/testing';
import { DateTime } from 'luxon';
import type { ConnectorControl } from './connector-control';

/** Every member is open 09:00 to 17:00 UTC every day; the service lasts 30 minutes, so slots are every 30 minutes. */
export const OPEN_HOURS = { from: 9, to: 17 };
export const SLOT_MINUTES = 30;

export interface Member {
  tenantId: string;
  serviceId: string;
  memberId: string;
  calendarId: string;
}

export interface Tenant {
  tenantId: string;
  serviceId: string;
  members: Member[];
}

/**
 * The calendars one scenario works on, in tenants of their own so that its verdicts read only
 * its data: `tenants` the callers book into, and a tenant of witnesses the callers never touch,
 * whose only changes are their owners' edits, to time how soon slots.find shows them.
 */
export interface World {
  tenants: Tenant[];
  witnesses: Member[];
  /** The first day slots are asked for (midnight UTC) and how many days from it. */
  from: DateTime;
  days: number;
}

export interface WorldShape {
  tenants: number;
  membersPerTenant: number;
  /** At least one. */
  witnesses: number;
  days: number;
}

/**
 * Tenants of members open every day, each member connected with a calendar holding a couple of
 * the owner's events, and a round-robin service per tenant; ready when slots.find verifies every
 * member of every tenant.
 */
export async function seedWorld(bus: Bus, connector: ConnectorControl, shape: WorldShape): Promise<World> {
  const from = DateTime.utc().plus({ days: 2 }).startOf('day');
  const world: Omit<World, 'tenants' | 'witnesses'> = { from, days: shape.days };
  const tenants = await Promise.all(
    Array.from({ length: shape.tenants }, () => seedTenant(bus, connector, world, shape.membersPerTenant)),
  );
  const witnesses = await seedTenant(bus, connector, world, shape.witnesses);
  const seeded = { ...world, tenants, witnesses: witnesses.members };
  await Promise.all(
    [...tenants, witnesses].map((tenant) =>
      waitFor(
        async () => {
          const { skipped, slots } = await bus.request(Rpcs.slotsFind, {
            tenantId: tenant.tenantId,
            serviceId: tenant.serviceId,
            from: from.toISO()!,
            to: horizonEnd(seeded).toISO()!,
          });
          return skipped.length === 0 && slots.length > 0;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      ),
    ),
  );
  return seeded;
}

export function horizonEnd(world: Pick<World, 'from' | 'days'>): DateTime {
  return world.from.plus({ days: world.days });
}

/** A random time on the slot grid of the horizon (or a quarter past, so owners' events need not line up). */
function randomTime(world: Pick<World, 'from' | 'days'>, gridMinutes = SLOT_MINUTES): DateTime {
  const day = world.from.plus({ days: Math.floor(Math.random() * world.days) });
  const steps = ((OPEN_HOURS.to - OPEN_HOURS.from) * 60) / gridMinutes;
  return day.plus({ hours: OPEN_HOURS.from, minutes: Math.floor(Math.random() * steps) * gridMinutes });
}

/** An event an owner adds: 15 to 90 minutes, starting on a quarter hour inside opening hours. */
export function ownerEvent(world: Pick<World, 'from' | 'days'>): { start: string; end: string } {
  const start = randomTime(world, 15);
  return { start: start.toISO()!, end: start.plus({ minutes: 15 * (1 + Math.floor(Math.random() * 6)) }).toISO()! };
}

export function members(world: World): Member[] {
  return world.tenants.flatMap((tenant) => tenant.members);
}

/** The world's tenants, the witnesses' included. */
export function tenantIds(world: World): string[] {
  return [...world.tenants.map((t) => t.tenantId), world.witnesses[0].tenantId];
}

async function seedTenant(
  bus: Bus,
  connector: ConnectorControl,
  world: Pick<World, 'from' | 'days'>,
  size: number,
): Promise<Tenant> {
  const { tenant } = await bus.request(Rpcs.tenantsCreate, {
    name: `chaos-${randomUUID().slice(0, 8)}`,
    timeZone: 'UTC',
  });
  const tenantId = tenant!.id;
  const people = await Promise.all(
    Array.from({ length: size }, async (_, i) => {
      const { member } = await bus.request(Rpcs.membersCreate, { tenantId, name: `member ${i + 1}`, timeZone: 'UTC' });
      const memberId = member!.id;
      await bus.request(Rpcs.availabilitySet, {
        tenantId,
        memberId,
        weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
          weekday,
          start: clock(OPEN_HOURS.from),
          end: clock(OPEN_HOURS.to),
        })),
      });
      const calendarId = await connector.connect(tenantId, memberId, [ownerEvent(world), ownerEvent(world)]);
      return { memberId, calendarId };
    }),
  );
  const { service } = await bus.request(Rpcs.servicesCreate, {
    tenantId,
    name: 'Consultation',
    durationMinutes: SLOT_MINUTES,
    memberIds: people.map((p) => p.memberId),
    strategy: Service_Strategy.round_robin,
  });
  const serviceId = service!.id;
  return { tenantId, serviceId, members: people.map((p) => ({ tenantId, serviceId, ...p })) };
}

function clock(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}
