import { Rpcs } from '@calldesk/contracts';
import type { Bus } from '@calldesk/messaging';
import type { ConnectorControl, ProviderEvent } from './connector-control';
import type { Hold, Ledger } from './ledger';
import { horizonEnd, OPEN_HOURS, SLOT_MINUTES, type Member, type World } from './world';

// The queue group hands each ask to either availability instance, and both must be right.
const ASKS = 4;
const MINUTE_MS = 60_000;

export interface Disagreement {
  memberId: string;
  /** Free in truth, not offered. */
  missing: number;
  /** Offered, not free in truth: a slot booking would refuse. */
  extra: number;
  /** Left out (calendar_unavailable), or slots.find did not answer. */
  unverified: boolean;
}

/**
 * slots.find for each member over the whole horizon, against the truth: each slot of the grid in
 * opening hours that overlaps neither an event in the member's calendar at the provider nor a
 * live booking in booking's table. Empty when every answer agrees.
 */
export async function disagreements(
  bus: Bus,
  ledger: Ledger,
  connector: ConnectorControl,
  world: World,
  members: Member[],
): Promise<Disagreement[]> {
  const tenants = [...new Set(members.map((m) => m.tenantId))];
  const events = groupBy(await connector.events(tenants), (e) => e.calendarId);
  const holds = groupBy(
    (await ledger.bookings(tenants)).filter((h) => h.status === 'pending' || h.status === 'confirmed'),
    (h) => h.memberId,
  );
  const found: Disagreement[] = [];
  for (let i = 0; i < members.length; i += 20) {
    const batch = await Promise.all(
      members
        .slice(i, i + 20)
        .map((member) =>
          disagreement(
            bus,
            world,
            member,
            truth(world, events.get(member.calendarId) ?? [], holds.get(member.memberId) ?? []),
          ),
        ),
    );
    found.push(...batch.filter((d): d is Disagreement => d !== undefined));
  }
  return found;
}

export interface Agreement {
  /** When the round that agreed began, counted from `since`; none if no round did within the watch. */
  ms?: number;
  /** What the last round that did not agree found. */
  wrong: Disagreement[];
}

/** Asks until every member agrees, for at most `watchMs` from `since` (e.g. the fault's end). */
export async function timeToAgree(
  check: () => Promise<Disagreement[]>,
  since: number,
  watchMs: number,
): Promise<Agreement> {
  let wrong: Disagreement[] = [];
  while (Date.now() - since <= watchMs) {
    const round = Date.now();
    try {
      const found = await check();
      if (!found.length) return { ms: Math.max(0, round - since), wrong };
      wrong = found;
    } catch {
      // Postgres or the connector's control not answering yet counts as not agreeing.
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return { wrong };
}

async function disagreement(
  bus: Bus,
  world: World,
  member: Member,
  expected: Set<number>,
): Promise<Disagreement | undefined> {
  for (let ask = 0; ask < ASKS; ask++) {
    let offered: number[];
    try {
      const answer = await bus.request(Rpcs.slotsFind, {
        tenantId: member.tenantId,
        serviceId: member.serviceId,
        memberId: member.memberId,
        from: world.from.toISO()!,
        to: horizonEnd(world).toISO()!,
        limit: 200,
        timeZone: 'UTC',
      });
      if (answer.skipped.length)
        return { memberId: member.memberId, missing: expected.size, extra: 0, unverified: true };
      offered = answer.slots.map((slot) => Date.parse(slot.start));
    } catch {
      return { memberId: member.memberId, missing: expected.size, extra: 0, unverified: true };
    }
    const extra = offered.filter((start) => !expected.has(start)).length;
    const missing = expected.size - (offered.length - extra);
    if (extra || missing) return { memberId: member.memberId, missing, extra, unverified: false };
  }
  return undefined;
}

function truth(world: World, events: ProviderEvent[], holds: Hold[]): Set<number> {
  const busy = [...events.map((e) => ({ start: Date.parse(e.start), end: Date.parse(e.end) })), ...holds];
  const free = new Set<number>();
  for (let day = 0; day < world.days; day++) {
    const opens = world.from.plus({ days: day, hours: OPEN_HOURS.from }).toMillis();
    const closes = world.from.plus({ days: day, hours: OPEN_HOURS.to }).toMillis();
    for (let start = opens; start + SLOT_MINUTES * MINUTE_MS <= closes; start += SLOT_MINUTES * MINUTE_MS) {
      const end = start + SLOT_MINUTES * MINUTE_MS;
      if (!busy.some((b) => b.start < end && b.end > start)) free.add(start);
    }
  }
  return free;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
