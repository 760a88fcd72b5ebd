import { Rpcs } from '@calldesk/contracts';
import { Bus } from '@calldesk/messaging';
import { Injectable } from '@nestjs/common';

/** The member's time zone, from routing (which owns members); undefined when it cannot say. */
@Injectable()
export class MemberZone {
  constructor(private readonly bus: Bus) {}

  async of(tenantId: string, memberId: string): Promise<string | undefined> {
    try {
      const { member } = await this.bus.request(Rpcs.membersGet, { tenantId, id: memberId }, { timeoutMs: 2_000 });
      return member?.timeZone || undefined;
    } catch {
      return undefined;
    }
  }
}
