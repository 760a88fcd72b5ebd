/** What round robin knows of one of a service's members. */
export interface MemberLoad {
  memberId: string;
  /** Live bookings of the member made within the balancing window, across the tenant's services. */
  liveBookings: number;
  /** When the member was last booked (epoch ms); undefined: never. */
  lastBookedAt?: number;
  /** The member's share of the work relative to the others; 1 unless the service says otherwise. */
  weight: number;
}

/**
 * The round-robin order of a service's members (DESIGN §3), given in the service's listed order:
 * fewest live bookings per unit of weight first, then the least recently booked (never booked
 * first), then the listed order. A member of weight 2 is offered first until it has twice the
 * bookings of a member of weight 1.
 */
export function balancedOrder(members: readonly MemberLoad[]): string[] {
  return members
    .map((member, position) => ({ member, position, load: member.liveBookings / member.weight }))
    .sort((a, b) => a.load - b.load || byRecency(a.member, b.member) || a.position - b.position)
    .map(({ member }) => member.memberId);
}

function byRecency(a: MemberLoad, b: MemberLoad): number {
  if (a.lastBookedAt === b.lastBookedAt) return 0;
  if (a.lastBookedAt === undefined) return -1;
  if (b.lastBookedAt === undefined) return 1;
  return a.lastBookedAt - b.lastBookedAt;
}
