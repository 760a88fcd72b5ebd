import { randomUUID } from 'node:crypto';
import { Rpcs, Service_Strategy } from '@calldesk/contracts';
import type { Bus } from '@calldesk/messaging';

export interface SoloMember {
  tenantId: string;
  memberId: string;
  serviceId: string;
}

export interface SoloMemberOptions {
  /** The tenant's and the member's zone. */
  zone: string;
  /** Her hours every day, HH:MM (9 to 5 unless said). */
  open?: string;
  close?: string;
  /** Her booking rules (minutes), as availability.set takes them. */
  rules?: Record<string, number>;
}

/** A new tenant of one member, open every day, with a one-hour service of hers: what most connector specs book against. */
export async function soloMember(client: Bus, options: SoloMemberOptions): Promise<SoloMember> {
  const { tenant } = await client.request(Rpcs.tenantsCreate, { name: `t-${randomUUID()}`, timeZone: options.zone });
  const tenantId = tenant!.id;
  const { member } = await client.request(Rpcs.membersCreate, { tenantId, name: 'Dana', timeZone: options.zone });
  const memberId = member!.id;
  const weeklyHours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
    weekday,
    start: options.open ?? '09:00',
    end: options.close ?? '17:00',
  }));
  await client.request(Rpcs.availabilitySet, { tenantId, memberId, weeklyHours, rules: options.rules });
  const { service } = await client.request(Rpcs.servicesCreate, {
    tenantId,
    name: 'Consultation',
    durationMinutes: 60,
    memberIds: [memberId],
    strategy: Service_Strategy.specific,
  });
  return { tenantId, memberId, serviceId: service!.id };
}
