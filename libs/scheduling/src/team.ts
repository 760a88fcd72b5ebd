import type { Slot } from './availability';
import { MINUTE_MS } from './time-units';

/** One member's bookable starts (see bookableStarts). */
export interface MemberStarts {
  memberId: string;
  starts: readonly number[];
}

/**
 * Round robin: one slot per distinct start, given to the first member in `balancingOrder` who is
 * free then. The caller orders members best first (fewest live bookings in the balancing window,
 * then least recently booked, then a stable order); members it leaves out come after, in input
 * order, so that no free member is lost. Slots come out ascending by start.
 */
export function roundRobinSlots(
  members: readonly MemberStarts[],
  balancingOrder: readonly string[],
  durationMinutes: number,
): Slot[] {
  const rank = (memberId: string) => {
    const position = balancingOrder.indexOf(memberId);
    return position === -1 ? balancingOrder.length : position;
  };
  const ordered = members.map((member, index) => ({ member, rank: rank(member.memberId), index }));
  ordered.sort((a, b) => a.rank - b.rank || a.index - b.index);
  const owner = new Map<number, string>();
  for (const { member } of ordered) {
    for (const start of member.starts) if (!owner.has(start)) owner.set(start, member.memberId);
  }
  const durationMs = durationMinutes * MINUTE_MS;
  return [...owner]
    .sort(([a], [b]) => a - b)
    .map(([start, memberId]) => ({ start, end: start + durationMs, memberId }));
}

/** A service booked with one named member: that member's starts as slots. */
export function specificMemberSlots(member: MemberStarts, durationMinutes: number): Slot[] {
  return roundRobinSlots([member], [member.memberId], durationMinutes);
}
